"""The point arithmetic of the MuSig2 protocol code on libsecp256k1 (coincurve), for the host.

The card's `bioshard_card.crypto.musig2` implements BIP-327 once, against a few public names
of the card's secp256k1 module (listed in musig2_keyagg.py); the card passes that module, the
host passes this one, so every curve operation of a host signing session runs in
libsecp256k1. Points are coincurve PublicKey objects, None is the point at infinity; the
card's Jacobian working form is the same object here (to_jacobian and to_affine do nothing).
Host only: nothing here goes into the card image.
"""
from coincurve import PrivateKey, PublicKey

from bioshard_card.crypto.secp256k1 import N

_ZERO33 = bytes(33)


def _b32(k):
    return k.to_bytes(32, "big")


def mul_g(k):
    k %= N
    return None if k == 0 else PrivateKey(_b32(k)).public_key


G = mul_g(1)


def mul_g2(k1, k2):
    return mul_g(k1), mul_g(k2)


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


def negate(pt):
    if pt is None:
        return None
    c = pt.format(compressed=True)
    return PublicKey(bytes((5 - c[0],)) + c[1:])


def jadd(a, b):
    if a is None:
        return b
    if b is None:
        return a
    try:
        return PublicKey.combine_keys([a, b])
    except ValueError:  # libsecp256k1 refuses a sum at infinity
        return None


jmul_g = mul_g  # public scalars; libsecp256k1's k*G is constant time anyway


def jmul_multi(pts, ks):
    """sum(ks[i] * pts[i]), None entries and zero scalars skipped."""
    acc = None
    for pt, k in zip(pts, ks):
        k %= N
        if pt is not None and k:
            acc = jadd(acc, pt.multiply(_b32(k)))
    return acc


def jmul(pt, k):
    return jmul_multi((pt,), (k,))


def to_jacobian(pt):
    return pt


def to_affine(pt):
    return pt


def remember_point(b, pt):
    """coincurve decodes points in C: nothing to cache."""
