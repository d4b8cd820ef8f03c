# The card's side of a 2-of-2 MuSig2 session, as the app calls it.
#
#   signer = CardSigner(card_share(secret_b))
#   pubnonce = signer.nonce_gen(pubkeys, msg, tweaks, is_xonly)   # round 1 -> host
#   psig = signer.sign(aggnonce)                                  # round 2 -> host
#   signer.wipe()                                                 # when the card locks
#
# or, when the host has already sent its nonce, the one-round stateless path:
#   pubnonce, psig = signer.deterministic_sign(host_pubnonce, pubkeys, msg, tweaks, is_xonly)
#
# Nonce safety (docs/signing.md): the secret nonce exists only in this object's RAM, it is
# bound at nonce_gen time to the keys, tweaks and message it will sign, sign() zeroes it
# before doing anything else, and a second sign() without a new nonce_gen is refused.
import os

from . import musig2

N = musig2.N


class SessionError(ValueError):
    """The app asked for something the nonce rules forbid (no nonce, wrong session)."""


class CardSigner:
    def __init__(self, seckey):
        if len(seckey) != 32:
            raise ValueError("secret key must be 32 bytes")
        self._sk = bytearray(seckey)
        self.pubkey = musig2.individual_pk(bytes(self._sk))
        self._secnonce = None
        self._session = None

    def _ctx(self, pubkeys, msg, tweaks, is_xonly):
        pubkeys = [bytes(k) for k in pubkeys]
        if self.pubkey not in pubkeys:
            raise SessionError("the card's key is not one of the session's pubkeys")
        return (pubkeys, [bytes(t) for t in tweaks], [bool(x) for x in is_xonly], bytes(msg))

    def nonce_gen(self, pubkeys, msg, tweaks=(), is_xonly=(), extra_in=None):
        """Fresh public nonce (66 bytes) for signing `msg` under the aggregate of `pubkeys`
        tweaked by `tweaks`. Replaces (and erases) any earlier unused nonce."""
        self._drop_nonce()
        session = self._ctx(pubkeys, msg, tweaks, is_xonly)
        aggpk = musig2.get_xonly_pk(musig2.key_agg_and_tweak(session[0], session[1], session[2]))
        # Randomness (os.urandom) mixed with the secret key, the aggregate key and the message:
        # a weak RNG alone cannot make two sessions share a nonce for different messages.
        secnonce, pubnonce = musig2.nonce_gen(bytes(self._sk), self.pubkey, aggpk, session[3],
                                              extra_in)
        self._secnonce = secnonce
        self._session = (session, pubnonce)
        return pubnonce

    def sign(self, aggnonce):
        """Partial signature (32 bytes) for the session opened by nonce_gen. Single use."""
        secnonce = self._secnonce
        session = self._session
        self._secnonce = None
        self._session = None
        if secnonce is None:
            raise SessionError("no unused nonce: call nonce_gen first (nonces are single-use)")
        (pubkeys, tweaks, is_xonly, msg), pubnonce = session
        ctx = musig2.SessionContext(bytes(aggnonce), pubkeys, tweaks, is_xonly, msg)
        try:
            # The pubnonce we sent is what the self-check verifies against (see musig2.sign).
            return musig2.sign(secnonce, bytes(self._sk), ctx, pk=self.pubkey, pubnonce=pubnonce)
        finally:
            # musig2.sign zeroes k1, k2 first; also clear the rest of the buffer.
            for i in range(len(secnonce)):
                secnonce[i] = 0

    def deterministic_sign(self, aggothernonce, pubkeys, msg, tweaks=(), is_xonly=(), rand=None):
        """(pubnonce, psig) in one round, for when the host's nonce is already known.
        The nonce is a function of the key, the host's nonce, the aggregate key and msg (plus
        fresh randomness unless rand is given), so no state is kept between calls."""
        pubkeys, tweaks, is_xonly, msg = self._ctx(pubkeys, msg, tweaks, is_xonly)
        if rand is None:
            rand = os.urandom(32)
        return musig2.deterministic_sign(bytes(self._sk), bytes(aggothernonce), pubkeys, tweaks,
                                         is_xonly, msg, rand)

    @property
    def has_nonce(self):
        return self._secnonce is not None

    def _drop_nonce(self):
        if self._secnonce is not None:
            for i in range(len(self._secnonce)):
                self._secnonce[i] = 0
        self._secnonce = None
        self._session = None

    def wipe(self):
        """Erase the key share and any nonce; the object is unusable afterwards."""
        self._drop_nonce()
        for i in range(len(self._sk)):
            self._sk[i] = 0
        self._sk = None
