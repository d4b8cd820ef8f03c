"""2HashDH OPRF over secp256k1 — the one implementation shared by service and client.

Protocol (docs/backup-api.md): the client maps its input to a curve point
`P = hash_to_curve(input)`, sends `blinded = r·P`; the service answers `k·blinded`; the
client unblinds `N = r⁻¹·(k·r·P) = k·P` and outputs `SHA256(OUT_TAG || input || N)`.
The service never sees `input`, `P` or the output, and without `k` nobody can compute the
output, so the service (holder of `k`) gates and rate-limits every guess at `input`.

All points are 33-byte compressed SEC1; scalars are 32-byte big-endian in [1, n-1].
"""
import hashlib
import os

from coincurve import PublicKey

H2C_TAG = b"bioshard/oprf/h2c/v1"
OUT_TAG = b"bioshard/oprf/out/v1"
# Order of the secp256k1 group.
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
# try-and-increment succeeds with probability ~1/2 per try; 256 failures never happen in practice.
_MAX_TRIES = 256


class OprfError(ValueError):
    """A malformed point or scalar (never carries secret material in its message)."""


def hash_to_curve(data):
    """Map bytes to a point with unknown discrete log: the first counter whose
    x = SHA256(H2C_TAG || u32be(ctr) || data) is a valid x coordinate, with even y (0x02)."""
    for ctr in range(_MAX_TRIES):
        x = hashlib.sha256(H2C_TAG + ctr.to_bytes(4, "big") + bytes(data)).digest()
        try:
            # libsecp256k1 rejects x >= p and x with no square root for y²: exactly "invalid".
            return PublicKey(b"\x02" + x).format(compressed=True)
        except ValueError:
            continue
    raise OprfError("hash_to_curve: no point found")  # pragma: no cover (probability 2^-256)


def _scalar(b):
    if len(b) != 32:
        raise OprfError("scalar must be 32 bytes")
    v = int.from_bytes(b, "big")
    if not 0 < v < N:
        raise OprfError("scalar out of range")
    return v


def _point(b):
    b = bytes(b)
    if len(b) != 33 or b[0] not in (2, 3):
        raise OprfError("point must be 33-byte compressed")
    try:
        return PublicKey(b)
    except ValueError:
        raise OprfError("not a point on secp256k1") from None


def random_scalar(rng=os.urandom):
    """A uniform scalar in [1, n-1] by rejection sampling (rng(32) -> 32 bytes)."""
    while True:
        b = rng(32)
        v = int.from_bytes(b, "big")
        if 0 < v < N:
            return v.to_bytes(32, "big")


def generate_key(rng=os.urandom):
    """A fresh OPRF key k (32 bytes)."""
    return random_scalar(rng)


def public_key(k):
    """k·G, 33 bytes: published so a client could check a DLEQ proof if one is added later."""
    _scalar(k)
    return PublicKey.from_secret(bytes(k)).format(compressed=True)


def blind(data, rng=os.urandom):
    """Client step 1: returns (r, blinded) with blinded = r·hash_to_curve(data)."""
    r = random_scalar(rng)
    blinded = PublicKey(hash_to_curve(data)).multiply(r).format(compressed=True)
    return r, blinded


def evaluate(k, blinded):
    """Service step: k·blinded. Rejects anything that is not a valid compressed point."""
    _scalar(k)
    return _point(blinded).multiply(bytes(k)).format(compressed=True)


def finalize(data, r, evaluated):
    """Client step 2: N = r⁻¹·evaluated, output SHA256(OUT_TAG || data || N) (32 bytes)."""
    inv = pow(_scalar(r), -1, N).to_bytes(32, "big")
    n_point = _point(evaluated).multiply(inv).format(compressed=True)
    return hashlib.sha256(OUT_TAG + bytes(data) + n_point).digest()
