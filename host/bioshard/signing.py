"""Host side of the 2-of-2 MuSig2 wallet (BIP-327), on libsecp256k1 through coincurve.

Every elliptic-curve operation goes through libsecp256k1 (coincurve): public keys, point
addition and multiplication, k*G, BIP-340 signing and verification. coincurve has no MuSig2,
so the protocol logic here follows BIP-327 step by step with the BIP's names and argument
order -- the same API as the card's portable `bioshard_card.crypto.musig2`, so the official
vectors run against both (tests/host/test_signing_host_vectors.py) and property tests cross-check
the two implementations on random sessions (tests/card/test_signing_properties.py). The portable
code is used here only for what is not curve arithmetic: tagged hashes, the key-aggregation
coefficient and the nonce hash.

`TwoOfTwo` runs one session between this host (Secret A) and the card (Secret B share):

    s = TwoOfTwo(host_seckey, card_pubkey, msg, tweaks=[taptweak], is_xonly=[True])
    host_pubnonce = s.host_nonce()                  # round 1
    aggnonce = s.aggregate_nonces(card_pubnonce)    # -> card.sign(aggnonce)
    sig = s.finish(card_psig)                       # verified 64-byte BIP-340 signature
"""
import secrets

from coincurve import PrivateKey, PublicKey, PublicKeyXOnly

from bioshard_card.crypto import musig2 as _portable
from bioshard_card.crypto.hashes import tagged_hash
from bioshard_card.crypto.musig2_keyagg import get_second_key, hash_keys, key_agg_coeff_internal
from bioshard_card.crypto.musig2_nonce import nonce_hash

InvalidContributionError = _portable.InvalidContributionError
N = _portable.N
_ZERO33 = bytes(33)

# --- curve operations on coincurve (None = point at infinity) ------------------------------


def _b32(x):
    return x.to_bytes(32, "big")


def _int(b):
    return int.from_bytes(b, "big")


def _xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def cpoint(b):
    """Parse a 33-byte compressed point (ValueError like the BIP's cpoint)."""
    if len(b) != 33 or b[0] not in (2, 3):
        raise ValueError("x is not a valid compressed point.")
    try:
        return PublicKey(bytes(b))
    except Exception:
        raise ValueError("x is not a valid compressed point.")


def cpoint_ext(b):
    return None if bytes(b) == _ZERO33 else cpoint(b)


def cbytes(pt):
    return pt.format(compressed=True)


def cbytes_ext(pt):
    return _ZERO33 if pt is None else cbytes(pt)


def xbytes(pt):
    return pt.format(compressed=True)[1:]


def has_even_y(pt):
    return pt.format(compressed=True)[0] == 2


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    fa, fb = a.format(), b.format()
    if fa[1:] == fb[1:] and fa[0] != fb[0]:
        return None  # a == -b
    return PublicKey.combine_keys([a, b])


def _mul(pt, k):
    k %= N
    if pt is None or k == 0:
        return None
    return pt.multiply(_b32(k))


def _mul_g(k):
    k %= N
    return None if k == 0 else PrivateKey(_b32(k)).public_key


def _neg(pt):
    return None if pt is None else pt.multiply(_b32(N - 1))


# --- BIP-327, host side --------------------------------------------------------------------


def individual_pk(seckey):
    d0 = _int(seckey)
    if not 1 <= d0 <= N - 1:
        raise ValueError("The secret key must be an integer in the range 1..n-1.")
    return PrivateKey(bytes(seckey)).public_key.format(compressed=True)


def key_sort(pubkeys):
    return sorted(pubkeys)


def get_xonly_pk(keyagg_ctx):
    return xbytes(keyagg_ctx[0])


def get_plain_pk(keyagg_ctx):
    return cbytes(keyagg_ctx[0])


def key_agg(pubkeys):
    pk2 = get_second_key(pubkeys)
    L = hash_keys(pubkeys)
    Q = None
    for i, pk in enumerate(pubkeys):
        try:
            P_i = cpoint(pk)
        except ValueError:
            raise InvalidContributionError(i, "pubkey")
        Q = _add(Q, _mul(P_i, key_agg_coeff_internal(L, pk, pk2)))
    if Q is None:
        raise RuntimeError("aggregate key is infinity")
    return (Q, 1, 0)


def apply_tweak(keyagg_ctx, tweak, is_xonly):
    if len(tweak) != 32:
        raise ValueError("The tweak must be a 32-byte array.")
    Q, gacc, tacc = keyagg_ctx
    g = N - 1 if (is_xonly and not has_even_y(Q)) else 1
    t = _int(tweak)
    if t >= N:
        raise ValueError("The tweak must be less than n.")
    Q_ = _add(Q if g == 1 else _neg(Q), _mul_g(t))
    if Q_ is None:
        raise ValueError("The result of tweaking cannot be infinity.")
    return (Q_, g * gacc % N, (t + g * tacc) % N)


def key_agg_and_tweak(pubkeys, tweaks, is_xonly):
    if len(tweaks) != len(is_xonly):
        raise ValueError("The `tweaks` and `is_xonly` arrays must have the same length.")
    ctx = key_agg(pubkeys)
    for t, x in zip(tweaks, is_xonly):
        ctx = apply_tweak(ctx, t, x)
    return ctx


def nonce_gen_internal(rand_, sk, pk, aggpk, msg, extra_in):
    rand = _xor(sk, tagged_hash("MuSig/aux", rand_)) if sk is not None else rand_
    msg_prefixed = b"\x00" if msg is None else b"\x01" + len(msg).to_bytes(8, "big") + msg
    aggpk = aggpk or b""
    extra_in = extra_in or b""
    k_1 = nonce_hash(rand, pk, aggpk, 0, msg_prefixed, extra_in) % N
    k_2 = nonce_hash(rand, pk, aggpk, 1, msg_prefixed, extra_in) % N
    if k_1 == 0 or k_2 == 0:
        raise RuntimeError("zero nonce")
    pubnonce = cbytes(_mul_g(k_1)) + cbytes(_mul_g(k_2))
    return bytearray(_b32(k_1) + _b32(k_2) + pk), pubnonce


def nonce_gen(sk, pk, aggpk, msg, extra_in):
    if sk is not None and len(sk) != 32:
        raise ValueError("The optional byte array sk must have length 32.")
    if aggpk is not None and len(aggpk) != 32:
        raise ValueError("The optional byte array aggpk must have length 32.")
    return nonce_gen_internal(secrets.token_bytes(32), sk, pk, aggpk, msg, extra_in)


def nonce_agg(pubnonces):
    out = b""
    for j in (0, 1):
        R_j = None
        for i, pn in enumerate(pubnonces):
            try:
                R_ij = cpoint(pn[33 * j:33 * (j + 1)])
            except ValueError:
                raise InvalidContributionError(i, "pubnonce")
            R_j = _add(R_j, R_ij)
        out += cbytes_ext(R_j)
    return out


def SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg):
    return (aggnonce, pubkeys, tweaks, is_xonly, msg)


def get_session_values(session_ctx):
    aggnonce, pubkeys, tweaks, is_xonly, msg = session_ctx
    Q, gacc, tacc = key_agg_and_tweak(pubkeys, tweaks, is_xonly)
    b = _int(tagged_hash("MuSig/noncecoef", aggnonce + xbytes(Q) + msg)) % N
    try:
        R_1 = cpoint_ext(aggnonce[0:33])
        R_2 = cpoint_ext(aggnonce[33:66])
    except ValueError:
        raise InvalidContributionError(None, "aggnonce")
    R = _add(R_1, _mul(R_2, b))
    if R is None:
        R = _mul_g(1)
    e = _int(tagged_hash("BIP0340/challenge", xbytes(R) + xbytes(Q) + msg)) % N
    return (Q, gacc, tacc, b, R, e)


def _session_key_agg_coeff(session_ctx, pk):
    pubkeys = session_ctx[1]
    if pk not in pubkeys:
        raise ValueError("The signer's pubkey must be included in the list of pubkeys.")
    return key_agg_coeff_internal(hash_keys(pubkeys), pk, get_second_key(pubkeys))


def sign(secnonce, sk, session_ctx):
    Q, gacc, _, b, R, e = get_session_values(session_ctx)
    k_1_ = _int(secnonce[0:32])
    k_2_ = _int(secnonce[32:64])
    secnonce[:64] = bytes(64)  # single use: a second sign() with this secnonce fails
    if not 0 < k_1_ < N:
        raise ValueError("first secnonce value is out of range.")
    if not 0 < k_2_ < N:
        raise ValueError("second secnonce value is out of range.")
    k_1 = k_1_ if has_even_y(R) else N - k_1_
    k_2 = k_2_ if has_even_y(R) else N - k_2_
    d_ = _int(sk)
    if not 0 < d_ < N:
        raise ValueError("secret key value is out of range.")
    pk = individual_pk(sk)
    if pk != bytes(secnonce[64:97]):
        raise ValueError("Public key does not match nonce_gen argument")
    a = _session_key_agg_coeff(session_ctx, pk)
    g = 1 if has_even_y(Q) else N - 1
    d = g * gacc * d_ % N
    psig = _b32((k_1 + b * k_2 + e * a * d) % N)
    pubnonce = cbytes(_mul_g(k_1_)) + cbytes(_mul_g(k_2_))
    if not partial_sig_verify_internal(psig, pubnonce, pk, session_ctx):
        raise RuntimeError("partial signature failed self-verification")
    return psig


def deterministic_sign(sk, aggothernonce, pubkeys, tweaks, is_xonly, msg, rand):
    sk_ = _xor(sk, tagged_hash("MuSig/aux", rand)) if rand is not None else sk
    aggpk = get_xonly_pk(key_agg_and_tweak(pubkeys, tweaks, is_xonly))
    ks = []
    for i in (0, 1):
        buf = sk_ + aggothernonce + aggpk + len(msg).to_bytes(8, "big") + msg + bytes((i,))
        ks.append(_int(tagged_hash("MuSig/deterministic/nonce", buf)) % N)
    if 0 in ks:
        raise RuntimeError("zero nonce")
    pubnonce = cbytes(_mul_g(ks[0])) + cbytes(_mul_g(ks[1]))
    secnonce = bytearray(_b32(ks[0]) + _b32(ks[1]) + individual_pk(sk))
    try:
        aggnonce = nonce_agg([pubnonce, aggothernonce])
    except Exception:
        raise InvalidContributionError(None, "aggothernonce")
    return pubnonce, sign(secnonce, sk, SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg))


def partial_sig_verify(psig, pubnonces, pubkeys, tweaks, is_xonly, msg, i):
    if len(pubnonces) != len(pubkeys):
        raise ValueError("The `pubnonces` and `pubkeys` arrays must have the same length.")
    if len(tweaks) != len(is_xonly):
        raise ValueError("The `tweaks` and `is_xonly` arrays must have the same length.")
    aggnonce = nonce_agg(pubnonces)
    ctx = SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg)
    return partial_sig_verify_internal(psig, pubnonces[i], pubkeys[i], ctx)


def partial_sig_verify_internal(psig, pubnonce, pk, session_ctx):
    Q, gacc, _, b, R, e = get_session_values(session_ctx)
    s = _int(psig)
    if s >= N:
        return False
    Re = _add(cpoint(pubnonce[0:33]), _mul(cpoint(pubnonce[33:66]), b))
    if not has_even_y(R):
        Re = _neg(Re)
    P = cpoint(pk)
    a = _session_key_agg_coeff(session_ctx, pk)
    g = 1 if has_even_y(Q) else N - 1
    rhs = _add(Re, _mul(P, e * a * g * gacc % N))
    lhs = _mul_g(s)
    if lhs is None or rhs is None:
        return lhs is None and rhs is None
    return lhs.format() == rhs.format()


def partial_sig_agg(psigs, session_ctx):
    Q, _, tacc, _, R, e = get_session_values(session_ctx)
    s = 0
    for i, p in enumerate(psigs):
        s_i = _int(p)
        if s_i >= N:
            raise InvalidContributionError(i, "psig")
        s = (s + s_i) % N
    g = 1 if has_even_y(Q) else N - 1
    return xbytes(R) + _b32((s + e * g * tacc) % N)


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
        psigs[self.host_index] = self.host_psig = sign(secnonce, self._sk, ctx)
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
