# What host and card compute from the pairing messages (pairing_codec.py): the commitment, the
# transcript hash T, the 6-digit short authentication string (SAS), the link and confirmation
# keys, and the EC operations behind them. Shared: the card runs these with its portable
# secp256k1, the host (host/bioshard/pairing.py) with coincurve for the EC operations.
#
#   T = SHA256(tag || M1 || M2 || M3); SAS = 6 digits of SHA256(tag || T); both sides show it
#   IKM = ECDH(host_eph, card_eph) || ECDH(host_eph, card_id), salt = T
#   k_link, k_confirm = HKDF-Expand(PRK, tag "/link" | "/confirm", 32)
#
# The host commits to its key before it sees the card's, so a man in the middle has to fix both
# of its keys before learning the values that determine either SAS: each SAS is then uniform
# and they agree with probability 1e-6 per attempt (the ZRTP / Bluetooth numeric-comparison
# argument). The second ECDH, with the card's identity key, makes the link key also prove that
# the card holds its identity key. ECDH output = SHA256(compressed shared point), the
# libsecp256k1 / coincurve default, so host and card agree byte for byte.
import hashlib
import os

from bioshard_card.crypto.hmac_sha256 import hkdf_expand, hkdf_extract, hmac_sha256
from bioshard_card.crypto.secp256k1_jac import N  # the group order; secp256k1 itself loads lazily

PAIRING_ID_LEN = 16
SAS_DIGITS = 6

_TAG = b"bioshard/pair/v1"
_TAG_COMMIT = _TAG + b"/commit"
_TAG_SAS = _TAG + b"/sas"
_INFO_LINK = _TAG + b"/link"
_INFO_CONFIRM = _TAG + b"/confirm"


# --- EC operations: the card's portable secp256k1 by default, injectable ------------------

def ec_pubkey(seckey):
    from bioshard_card.crypto import secp256k1 as ec

    return ec.cbytes(ec.mul_g(int.from_bytes(seckey, "big")))


def ec_ecdh(seckey, pub):
    """SHA256(compressed(seckey * pub)); ValueError for an invalid point."""
    from bioshard_card.crypto import secp256k1 as ec

    pt = ec.mul(ec.cpoint(bytes(pub)), int.from_bytes(seckey, "big"))
    if pt is None:
        raise ValueError("ECDH result is infinity")
    return hashlib.sha256(ec.cbytes(pt)).digest()


def valid_seckey(k):
    return 0 < int.from_bytes(k, "big") < N


def new_seckey(rng=os.urandom):
    while True:
        k = rng(32)
        if valid_seckey(k):
            return bytearray(k)


def wipe(buf):
    if isinstance(buf, bytearray):
        for i in range(len(buf)):
            buf[i] = 0


# --- The protocol's values ---------------------------------------------------------------

def commitment(host_eph_pub, host_nonce):
    return hashlib.sha256(_TAG_COMMIT + bytes(host_eph_pub) + bytes(host_nonce)).digest()


def transcript_hash(m1, m2, m3):
    h = hashlib.sha256(_TAG)
    h.update(m1)
    h.update(m2)
    h.update(m3)
    return h.digest()


def sas_code(t):
    """The 6-digit string both sides show. 64 bits mod 10**6: bias below 2**-40."""
    v = int.from_bytes(hashlib.sha256(_TAG_SAS + t).digest()[:8], "big") % 1000000
    s = str(v)
    return "0" * (SAS_DIGITS - len(s)) + s


def derive_keys(ee, es, t):
    """(k_link, k_confirm) from the two ECDH secrets and the transcript hash."""
    ikm = bytearray(ee)
    ikm.extend(es)
    prk = hkdf_extract(t, ikm)
    wipe(ikm)
    return hkdf_expand(prk, _INFO_LINK, 32), hkdf_expand(prk, _INFO_CONFIRM, 32)


def confirm_mac(k_confirm, who, t):
    """The key confirmation of `who` (b"host" in M4, b"card" in M5)."""
    return hmac_sha256(k_confirm, who + t)


def pairing_id(t):
    """Public name of this pairing (not secret: derived from the public transcript)."""
    return t[:PAIRING_ID_LEN]
