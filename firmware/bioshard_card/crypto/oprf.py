# The client half of the backup service's 2HashDH OPRF over secp256k1, on the card.
#
# Same protocol as the service (host/bioshard_backup/oprf.py, libsecp256k1 through coincurve):
#   P         = hash_to_curve(input): the first counter whose
#               x = SHA256("bioshard/oprf/h2c/v1" || u32be(counter) || input) is on the curve, even y
#   blinded   = r*P                 (card -> host -> service; r is fresh and stays on the card)
#   evaluated = k*blinded           (service, after its email check and rate limit)
#   output    = SHA256("bioshard/oprf/out/v1" || input || r^-1 * evaluated)
# The host and the service see r*P only: the input (derived from the fingers) and the output
# (the card factor) never leave the card. Points are 33-byte compressed, scalars 32 bytes.
import hashlib
import os

from . import secp256k1 as ec

H2C_TAG = b"bioshard/oprf/h2c/v1"
OUT_TAG = b"bioshard/oprf/out/v1"
_MAX_TRIES = 256  # ~1/2 success per try


class OprfError(ValueError):
    pass


def hash_to_curve(data):
    """The curve point (affine) for `data`; matches the service's hash_to_curve."""
    for ctr in range(_MAX_TRIES):
        x = hashlib.sha256(H2C_TAG + ctr.to_bytes(4, "big") + bytes(data)).digest()
        pt = ec.lift_x(int.from_bytes(x, "big"))
        if pt is not None:
            return pt
    raise OprfError("hash_to_curve: no point found")  # probability 2^-256


def _random_scalar(rng):
    while True:
        r = int.from_bytes(rng(32), "big")
        if 0 < r < ec.N:
            return r


def blind(data, rng=os.urandom):
    """(r, blinded): r is an int kept by the caller, blinded the 33 bytes to send."""
    r = _random_scalar(rng)
    return r, ec.cbytes(ec.mul(hash_to_curve(data), r))


def finalize(data, r, evaluated):
    """The 32-byte OPRF output from the service's answer; OprfError for a bad point."""
    try:
        pt = ec.cpoint(bytes(evaluated))
    except Exception:
        pt = None
    if pt is None:
        raise OprfError("the service's answer is not a secp256k1 point")
    # r^-1 is as secret as r: the constant-sequence multiplication (secp256k1.mul)
    n = ec.mul(pt, ec.inv_n(r))
    return hashlib.sha256(OUT_TAG + bytes(data) + ec.cbytes(n)).digest()
