# secp256k1 group arithmetic for the card (MicroPython) and CPython, on plain Python ints.
#
# Cost model (MicroPython unix port, x86-64): a 256-bit `a * b % P` is ~1.1 us, of which the
# `%` is ~0.8 us; a modular inversion or square root via 3-arg pow is ~0.45 ms (~400 mulmods).
# So: Jacobian coordinates (no inversion until the very end), mixed Jacobian+affine additions
# (11 mulmods instead of 16), the hot loops inlined (a Python call and a tuple cost as much as
# a mulmod), and products combined before a single `%` where the operand sizes allow.
#
#  * k*G  : Lim-Lee comb, 8 teeth x 32 columns, 255 affine points precomputed and committed as
#           16 bytes constants of 1 KB (secp256k1_gtable.py; `tools/gen_secp256k1_gtable.py`).
#           31 doublings + 32 mixed additions, no table built at run time.
#  * k*P  : GLV endomorphism (k = k1 + k2*lambda, |k1|,|k2| ~ 2^128) + width-5 wNAF over a
#           table of 8 odd multiples made "effective affine" (libsecp256k1's trick: the table
#           shares one global Z, so the main loop uses mixed additions on an isomorphic curve
#           and the global Z is multiplied back at the end). 128 doublings + ~43 additions.
#
# Secret scalars: Python big ints are not constant time on any interpreter, so this cannot be
# a constant-time implementation. What we can do we do: secret scalars (keys, nonces) only
# ever go through the comb, which does one addition per column whatever the bits are (a zero
# column, probability 1/256, adds into a throw-away accumulator; only leading zero columns
# skip a doubling), and secrets never choose between algorithms. The variable-base wNAF code,
# whose operation sequence follows the scalar's digits, only ever sees public scalars
# (key-aggregation and nonce coefficients, verification challenges).
#
# Split in modules small enough to compile from source in a 100 KB heap, one concept each:
#   secp256k1_jac (constants, the Jacobian formulas and conversions: the one home of the
#   curve arithmetic), secp256k1_comb (k*G), secp256k1_ladder (odd-multiple tables and the
#   double-and-add over them), secp256k1_glv (k*Q, public k: GLV + wNAF), secp256k1_const
#   (k*Q, secret k: GLV + regular windows); this module re-exports them with the encodings.
#
# Points: affine (x, y) tuples, None = infinity. Jacobian (X, Y, Z) = (X/Z^2, Y/Z^3), None = inf.
from .secp256k1_comb import jmul_g
from .secp256k1_glv import BETA, LAMBDA, jmul, jmul_multi, split_scalar
from .secp256k1_jac import G, GX, GY, N, P, jadd, jdouble, to_affine, to_affine2, to_jacobian


def inv(a):
    """a^-1 mod P (a != 0 mod P)."""
    return pow(a, P - 2, P)


def inv_n(a):
    return pow(a, N - 2, N)


# --- encodings ---------------------------------------------------------------------------

def int_from_bytes(b):
    return int.from_bytes(b, "big")


def bytes_from_int(x):
    return x.to_bytes(32, "big")


def lift_x(x):
    """The point with x coordinate x (an int) and even y, or None if there is none."""
    if x >= P:
        return None
    p = P
    y_sq = (x * x % p * x + 7) % p
    y = pow(y_sq, (p + 1) >> 2, p)
    if y * y % p != y_sq:
        return None
    return (x, y if y & 1 == 0 else p - y)


def has_even_y(pt):
    return pt[1] & 1 == 0


def xbytes(pt):
    return pt[0].to_bytes(32, "big")


def cbytes(pt):
    return (b"\x03" if pt[1] & 1 else b"\x02") + pt[0].to_bytes(32, "big")


_ZERO33 = bytes(33)


def cbytes_ext(pt):
    return _ZERO33 if pt is None else cbytes(pt)


_cpoint_cache = {}  # public keys and nonces only: decoding costs a square root (~0.45 ms)


def cpoint(b):
    """Decode a 33-byte compressed point; ValueError if it is not one."""
    b = bytes(b)
    pt = _cpoint_cache.get(b)
    if pt is not None:
        return pt
    if len(b) != 33:
        raise ValueError("x is not a valid compressed point.")
    pt = lift_x(int.from_bytes(b[1:33], "big"))
    if pt is None:
        raise ValueError("x is not a valid compressed point.")
    if b[0] == 3:
        pt = (pt[0], P - pt[1])
    elif b[0] != 2:
        raise ValueError("x is not a valid compressed point.")
    if len(_cpoint_cache) >= 8:
        _cpoint_cache.clear()
    _cpoint_cache[b] = pt
    return pt


def remember_point(b, pt):
    """Seed the decode cache with a point whose encoding we just made (e.g. our own public
    nonce, which the sign() self-check decodes again): public data only."""
    if len(_cpoint_cache) >= 8:
        _cpoint_cache.clear()
    _cpoint_cache[bytes(b)] = pt


def cpoint_ext(b):
    if b == _ZERO33:
        return None
    return cpoint(b)


def negate(pt):
    return None if pt is None else (pt[0], P - pt[1])


def is_on_curve(pt):
    x, y = pt
    return 0 <= x < P and 0 <= y < P and (y * y - x * x * x - 7) % P == 0


def point_add(a, b):
    """Affine addition (one inversion): for occasional use, not for loops."""
    return to_affine(jadd(to_jacobian(a), to_jacobian(b)))


def mul_g(k):
    """k*G as an affine point (None for k = 0 mod N)."""
    return to_affine(jmul_g(k))



def mul_g2(k1, k2):
    """(k1*G, k2*G) as affine points with one shared inversion: the two halves of a MuSig2
    nonce. Neither scalar may be 0 mod N."""
    return to_affine2(jmul_g(k1), jmul_g(k2))


def mul(pt, k):
    """k*pt as an affine point (None for infinity), safe for a SECRET k (e.g. ECDH): the
    operation sequence does not depend on k (secp256k1_const). For public scalars the
    Jacobian jmul / jmul_multi are ~20% faster."""
    if pt is None:
        return None
    from .secp256k1_const import jmul_const  # imported on first use: not on the signing path

    return to_affine(jmul_const(pt, k))


def mul_g_add(s, pt, e):
    """s*G + e*pt (affine pt), one inversion: the BIP-340 verification equation."""
    return to_affine(jadd(jmul_g(s), jmul(pt, e)))
