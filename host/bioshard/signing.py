"""Host side of the 2-of-2 MuSig2 wallet (BIP-327), on libsecp256k1 through coincurve.

BIP-327 is implemented once, in the card's `bioshard_card.crypto.musig2`, whose functions take
the curve backend as a last argument `ec`. Here every one of them is bound to libsecp256k1
(`ec_coincurve`): every elliptic-curve operation of a host session -- public keys, point
addition and multiplication, k*G, BIP-340 signing and verification -- runs in libsecp256k1,
while the protocol steps are the card's own code. What checks that code is not a second copy
but code the project did not write: the official BIP-327/340 vectors on this module
(tests/host/test_signing_host_vectors.py), libsecp256k1's BIP-340 verifier on random sessions
(tests/card/test_signing_properties.py) and btclib's MuSig2 (tests/host/test_wallet_bip373_btclib.py).

`TwoOfTwo` runs one session between this host (Secret A) and the card (Secret B share):

    s = TwoOfTwo(host_seckey, card_pubkey, msg, tweaks=[taptweak], is_xonly=[True])
    host_pubnonce = s.host_nonce()                  # round 1
    aggnonce = s.aggregate_nonces(card_pubnonce)    # -> card.sign(aggnonce)
    sig = s.finish(card_psig)                       # verified 64-byte BIP-340 signature
"""
from functools import partial

from coincurve import PrivateKey, PublicKeyXOnly

from bioshard_card.crypto import musig2

from . import ec_coincurve


def _on_libsecp256k1(fn):
    return partial(fn, ec=ec_coincurve)


# The BIP-327 names, as in the card's module (no curve arithmetic: shared as they are) ...
InvalidContributionError = musig2.InvalidContributionError
N = musig2.N
key_sort = musig2.key_sort
SessionContext = musig2.SessionContext
cbytes = ec_coincurve.cbytes
# ... and bound to libsecp256k1.
individual_pk = _on_libsecp256k1(musig2.individual_pk)
get_xonly_pk = _on_libsecp256k1(musig2.get_xonly_pk)
get_plain_pk = _on_libsecp256k1(musig2.get_plain_pk)
key_agg = _on_libsecp256k1(musig2.key_agg)
apply_tweak = _on_libsecp256k1(musig2.apply_tweak)
key_agg_and_tweak = _on_libsecp256k1(musig2.key_agg_and_tweak)
nonce_gen_internal = _on_libsecp256k1(musig2.nonce_gen_internal)
nonce_gen = _on_libsecp256k1(musig2.nonce_gen)
nonce_agg = _on_libsecp256k1(musig2.nonce_agg)
sign = _on_libsecp256k1(musig2.sign)
deterministic_sign = _on_libsecp256k1(musig2.deterministic_sign)
partial_sig_verify = _on_libsecp256k1(musig2.partial_sig_verify)
partial_sig_verify_internal = _on_libsecp256k1(musig2.partial_sig_verify_internal)
partial_sig_agg = _on_libsecp256k1(musig2.partial_sig_agg)


# --- BIP-340 on libsecp256k1 ---------------------------------------------------------------


def schnorr_sign(msg, seckey, aux_rand):
    if len(msg) != 32:  # libsecp256k1 via coincurve signs 32-byte messages only
        from bioshard_card.crypto import bip340

        return bip340.sign(msg, seckey, aux_rand)
    return PrivateKey(bytes(seckey)).sign_schnorr(bytes(msg), bytes(aux_rand))


def schnorr_verify(msg, xonly_pubkey, sig):
    if len(xonly_pubkey) != 32 or len(sig) != 64:
        raise ValueError("bad public key or signature length")
    try:
        key = PublicKeyXOnly(bytes(xonly_pubkey))
    except Exception:
        return False
    return key.verify(bytes(sig), bytes(msg))


# --- one 2-of-2 session ----------------------------------------------------------------------


class TwoOfTwo:
    """A MuSig2 session between this host (seckey A) and the card (public key B).

    Signer indices in errors are positions in the sorted key list, `self.card_index` and
    `self.host_index`; a bad card contribution raises InvalidContributionError(card_index, ...).
    """

    def __init__(self, host_seckey, card_pubkey, msg, tweaks=(), is_xonly=()):
        self._sk = bytes(host_seckey)
        self.host_pubkey = individual_pk(self._sk)
        self.card_pubkey = bytes(card_pubkey)
        self.pubkeys = key_sort([self.host_pubkey, self.card_pubkey])
        self.host_index = self.pubkeys.index(self.host_pubkey)
        self.card_index = 1 - self.host_index
        self.msg = bytes(msg)
        self.tweaks = [bytes(t) for t in tweaks]
        self.is_xonly = [bool(x) for x in is_xonly]
        self.aggpk = get_xonly_pk(key_agg_and_tweak(self.pubkeys, self.tweaks, self.is_xonly))
        self._secnonce = None
        self.pubnonces = [None, None]
        self.aggnonce = None
        self.host_psig = None  # this host's partial signature, once finish() made it

    def host_nonce(self):
        self._secnonce, pub = nonce_gen(self._sk, self.host_pubkey, self.aggpk, self.msg, None)
        self.pubnonces[self.host_index] = pub
        return pub

    def aggregate_nonces(self, card_pubnonce):
        self.pubnonces[self.card_index] = bytes(card_pubnonce)
        self.aggnonce = nonce_agg(self.pubnonces)
        return self.aggnonce

    def session_ctx(self):
        return SessionContext(self.aggnonce, self.pubkeys, self.tweaks, self.is_xonly, self.msg)

    def finish(self, card_psig):
        """Verify the card's partial signature (blaming it if bad), add ours, aggregate, and
        verify the final signature with libsecp256k1 before returning it."""
        if self._secnonce is None or self.aggnonce is None:
            raise ValueError("session not ready: host_nonce() and aggregate_nonces() first")
        ctx = self.session_ctx()
        card_psig = bytes(card_psig)
        if not partial_sig_verify_internal(card_psig, self.pubnonces[self.card_index],
                                           self.card_pubkey, ctx):
            raise InvalidContributionError(self.card_index, "psig")
        secnonce, self._secnonce = self._secnonce, None
        psigs = [None, None]
        psigs[self.card_index] = card_psig
        # pk and pubnonce: the self-check verifies against the nonce the card actually received.
        psigs[self.host_index] = self.host_psig = sign(
            secnonce, self._sk, ctx, pk=self.host_pubkey, pubnonce=self.pubnonces[self.host_index])
        sig = verified_partial_sig_agg(psigs, self.pubnonces, ctx)
        if not schnorr_verify(self.msg, self.aggpk, sig):
            raise RuntimeError("aggregate signature does not verify")
        return sig


def verified_partial_sig_agg(psigs, pubnonces, session_ctx):
    """partial_sig_agg, after checking every partial signature: a bad one raises
    InvalidContributionError(i, "psig") naming the signer instead of yielding a bad signature."""
    pubkeys = session_ctx[1]
    for i, p in enumerate(psigs):
        if not partial_sig_verify_internal(p, pubnonces[i], pubkeys[i], session_ctx):
            raise InvalidContributionError(i, "psig")
    return partial_sig_agg(psigs, session_ctx)
