# Secret B -> the card's MuSig2 key share (a secp256k1 secret key), version 1.
#
#   prk   = HKDF-Extract(salt = "bioshard/card-share/v1/salt", ikm = secret_b)
#   okm_i = HKDF-Expand(prk, info = "bioshard/card-share/v1" || u8(len(context)) || context
#                                   || u8(i), 32)              for i = 0, 1, 2, ...
#   share = the first okm_i (as a big-endian int) with 0 < okm_i < n
#
# * Deterministic: the same Secret B (same fingers, same enrollment) gives the same share on
#   every use, so the card stores no key at rest.
# * Domain-separated and versioned: the salt and info strings name this purpose and version;
#   a new scheme is a new version string, never a silent change of this one. `context`
#   (<= 255 bytes, e.g. a wallet id chosen at enrollment) separates several wallets enrolled
#   from the same fingers.
# * No modular bias: rejection sampling instead of "mod n" (a retry happens with probability
#   < 2^-127 per draw, so in practice i = 0).
# * Secret B must already be uniformly random-looking (the fuzzy extractor's output); HKDF
#   does not add entropy, it only makes the use of Secret B for signing independent of any
#   other use of it (e.g. the secure-channel keys derive from it with different labels).
from . import secp256k1 as ec
from .hmac_sha256 import hkdf_expand, hkdf_extract

VERSION = 1
SALT = b"bioshard/card-share/v1/salt"
INFO = b"bioshard/card-share/v1"


def card_share(secret_b, context=b""):
    """32-byte secret key of the card's MuSig2 share. ValueError on short input."""
    if len(secret_b) < 16:
        raise ValueError("Secret B must be at least 16 bytes")
    if len(context) > 255:
        raise ValueError("context too long")
    prk = hkdf_extract(SALT, secret_b)
    base = INFO + bytes((len(context),)) + context
    for i in range(256):
        okm = hkdf_expand(prk, base + bytes((i,)), 32)
        d = int.from_bytes(okm, "big")
        if 0 < d < ec.N:
            return okm
    raise RuntimeError("no valid share in 256 draws")  # probability < 2^-32000


def card_share_pubkey(secret_b, context=b""):
    """33-byte plain public key of the share (what enrollment hands to the host)."""
    return ec.cbytes(ec.mul_g(int.from_bytes(card_share(secret_b, context), "big")))
