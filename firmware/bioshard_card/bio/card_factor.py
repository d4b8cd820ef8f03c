# The card factor: a per-wallet 256-bit value mixed into Secret B, so that the computer's files
# (Secret A, the helper blob) and fingers found by an offline search are not enough to sign.
#
#   input  = HMAC(Secret B from the fingers, "bioshard/card-factor/oprf-input/v1")
#   factor = OPRF_k(input)       k: the owner's card key at bioshard-backup (crypto/oprf.py)
#   share  = kdf.card_share(HMAC(factor, "bioshard/card-factor/v1" || Secret B))
# The card keeps `factor` in its wallet record (flash; flash encryption on real boards) and
# signs without the service. A new card gets it back only through the service: the owner passes
# the service's email check, its rate limit counts every evaluation, and the service sees only
# a blinded point. Enrollment and recovery compute it the same way, so both are one OPRF round
# trip relayed by the host (docs/threat-model.md: what each attacker gets).
import os

from ..crypto import oprf
from ..crypto.hmac_sha256 import hmac_sha256

INPUT_LABEL = b"bioshard/card-factor/oprf-input/v1"
MIX_LABEL = b"bioshard/card-factor/v1"
LEN = 32


def mix(secret_b, factor):
    """The Secret B the card's key share derives from when the wallet has a card factor."""
    if len(factor) != LEN:
        raise ValueError("card factor must be 32 bytes")
    return hmac_sha256(factor, MIX_LABEL + secret_b)


class Request:
    """One OPRF round trip for the card factor: `blinded` goes to the service through the host,
    finish(evaluated) gives (factor, mixed Secret B). Holds Secret B until finished or wiped."""

    def __init__(self, secret_b, rng=os.urandom):
        self._secret_b = secret_b
        self._input = hmac_sha256(secret_b, INPUT_LABEL)
        self._r, self.blinded = oprf.blind(self._input, rng)

    def finish(self, evaluated):
        """OprfError when the answer is not a point (the request stays usable)."""
        if self._secret_b is None:
            raise ValueError("card factor request already used")
        factor = oprf.finalize(self._input, self._r, evaluated)
        mixed = mix(self._secret_b, factor)
        self.wipe()
        return factor, mixed

    def wipe(self):
        self._secret_b = self._input = self._r = None
