# secp256k1 group arithmetic for the card (MicroPython) and CPython, on plain Python ints.
#
# Cost model (MicroPython unix port, x86-64): a 256-bit `a * b % P` is ~1.1 us, of which the
# `%` is ~0.8 us; a modular inversion or square root via 3-arg pow is ~0.45 ms (~400 mulmods).
# So: Jacobian coordinates (no inversion until the very end), mixed Jacobian+affine additions
# (11 mulmods instead of 16), the hot loops inlined (a Python call and a tuple cost as much as
# a mulmod), and products combined before a single `%` where the operand sizes allow.
#
#  * k*G  : Lim-Lee comb, 8 teeth x 32 columns, 255 affine points precomputed and committed as
#           a bytes constant (secp256k1_gtable.py, 16 KB; `tools/gen_secp256k1_gtable.py`).
#           31 doublings + 32 mixed additions, no table built at run time.
#  * k*P  : GLV endomorphism (k = k1 + k2*lambda, |k1|,|k2| ~ 2^128) + width-5 wNAF over a
#           table of 8 odd multiples made "effective affine" (libsecp256k1's trick: the table
#           shares one global Z, so the main loop uses mixed additions on an isomorphic curve
#           and the global Z is multiplied back at the end). 128 doublings + ~43 additions.
#
# Secret scalars: Python big ints are not constant time on any interpreter, so this cannot be
# a constant-time implementation. What we can do we do: the comb performs the same sequence of
# doublings and additions for every scalar (a zero column adds into a throw-away accumulator),
# and secret scalars never choose between algorithms. Variable-base multiplication (wNAF) is
# used on secret scalars only for the MuSig2 nonce coefficient path, where the scalar is public.
#
# Points: affine (x, y) tuples, None = infinity. Jacobian (X, Y, Z) = (X/Z^2, Y/Z^3), None = inf.
from .secp256k1_gtable import TABLE as _GT

P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8
G = (GX, GY)

# Endomorphism: lambda*(x, y) = (beta*x, y); lattice basis for splitting scalars (GLV).
BETA = 0x7AE96A2B657C07106E64479EAC3434E99CF0497512F58995C1396C28719501EE
LAMBDA = 0x5363AD4CC05C30E0A5261C028812645A122E22EA20816678DF02967C1B23BD72
_A1 = 0x3086D221A7D46BCDE86C90E49284EB15
_B1 = -0xE4437ED6010E88286F547FA90ABFE4C3
_A2 = 0x114CA50F7A8E2F3F657C1108D9D44CFD8
_B2 = _A1
_HALF_N = N >> 1

# Comb layout: bit (32*j + c) of k is tooth j of column c. Multiplying the masked column by
# _MAGIC gathers the 8 tooth bits into bits 217..224 with no carries (all partial products land
# on distinct positions), so one column index costs 4 big-int operations instead of 8 bit tests.
_TEETH_MASK = sum(1 << (32 * j) for j in range(8))
_MAGIC = sum(1 << (217 - 31 * i) for i in range(8))


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


def cpoint(b):
    """Decode a 33-byte compressed point; ValueError if it is not one."""
    if len(b) != 33:
        raise ValueError("x is not a valid compressed point.")
    pt = lift_x(int.from_bytes(b[1:33], "big"))
    if pt is None:
        raise ValueError("x is not a valid compressed point.")
    if b[0] == 2:
        return pt
    if b[0] == 3:
        return (pt[0], P - pt[1])
    raise ValueError("x is not a valid compressed point.")


def cpoint_ext(b):
    if b == _ZERO33:
        return None
    return cpoint(b)


def negate(pt):
    return None if pt is None else (pt[0], P - pt[1])


def is_on_curve(pt):
    x, y = pt
    return 0 <= x < P and 0 <= y < P and (y * y - x * x * x - 7) % P == 0


# --- Jacobian primitives (used off the hot loops and by tests) ------------------------------

def to_jacobian(pt):
    return None if pt is None else (pt[0], pt[1], 1)


def to_affine(j):
    if j is None:
        return None
    X, Y, Z = j
    p = P
    zi = pow(Z, p - 2, p)
    zi2 = zi * zi % p
    return (X * zi2 % p, Y * zi2 * zi % p)


def jdouble(j):
    if j is None:
        return None
    X, Y, Z = j
    p = P
    A = X * X % p
    B = Y * Y % p
    C = B * B % p
    D = X + B
    D = 2 * (D * D - A - C) % p
    E = 3 * A
    X3 = (E * E - 2 * D) % p
    return (X3, (E * (D - X3) - 8 * C) % p, 2 * Y * Z % p)


def jadd(j1, j2):
    """Full Jacobian addition, all special cases handled."""
    if j1 is None:
        return j2
    if j2 is None:
        return j1
    X1, Y1, Z1 = j1
    X2, Y2, Z2 = j2
    p = P
    z1z1 = Z1 * Z1 % p
    z2z2 = Z2 * Z2 % p
    U1 = X1 * z2z2 % p
    S1 = Y1 * Z2 * z2z2 % p
    H = (X2 * z1z1 - U1) % p
    r = (Y2 * Z1 * z1z1 - S1) % p
    if H == 0:
        if r == 0:
            return jdouble(j1)
        return None
    HH = H * H % p
    HHH = H * HH % p
    V = U1 * HH % p
    X3 = (r * r - HHH - 2 * V) % p
    return (X3, (r * (V - X3) - S1 * HHH) % p, Z1 * Z2 * H % p)


def point_add(a, b):
    """Affine addition (one inversion): for occasional use, not for loops."""
    return to_affine(jadd(to_jacobian(a), to_jacobian(b)))


# --- k*G: fixed-base comb ------------------------------------------------------------------

def jmul_g(k):
    """k*G in Jacobian coordinates (k is reduced mod N first)."""
    k %= N
    if k == 0:
        return None
    p = P
    T = _GT
    mask = _TEETH_MASK
    magic = _MAGIC
    inf = True
    X = Y = Z = 0
    # Dummy accumulator: a zero column adds into it so the operation sequence does not
    # depend on the scalar's bits.
    dX, dY, dZ = GX, GY, 1
    for c in range(31, -1, -1):
        if not inf:
            # Jacobian doubling (a = 0): 2M + 5S
            A = X * X % p
            B = Y * Y % p
            C = B * B % p
            D = X + B
            D = 2 * (D * D - A - C) % p
            E = 3 * A
            Z = 2 * Y * Z % p
            X = (E * E - 2 * D) % p
            Y = (E * (D - X) - 8 * C) % p
        m = (((k >> c) & mask) * magic >> 217) & 0xFF
        if m == 0:
            o = 0
        else:
            o = (m - 1) << 6
        x2 = int.from_bytes(T[o:o + 32], "big")
        y2 = int.from_bytes(T[o + 32:o + 64], "big")
        if m == 0:
            # Throw-away mixed addition (same cost as a real one).
            z2 = dZ * dZ % p
            H = (x2 * z2 - dX) % p
            r = (y2 * z2 * dZ - dY) % p
            HH = H * H % p
            dZ = (dZ * H) % p or 1
            continue
        if inf:
            X, Y, Z = x2, y2, 1
            inf = False
            continue
        # Mixed addition (Z2 = 1): 8M + 3S
        z2 = Z * Z % p
        H = (x2 * z2 - X) % p
        r = (y2 * z2 * Z - Y) % p
        if H == 0:
            if r == 0:
                X, Y, Z = jdouble((X, Y, Z))
                continue
            inf = True
            continue
        HH = H * H % p
        HHH = H * HH % p
        V = X * HH % p
        X = (r * r - HHH - 2 * V) % p
        Y = (r * (V - X) - Y * HHH) % p
        Z = Z * H % p
    if inf:
        return None
    return (X, Y, Z)


def mul_g(k):
    """k*G as an affine point (None for k = 0 mod N)."""
    return to_affine(jmul_g(k))


# --- k*Q: GLV + wNAF ---------------------------------------------------------------------

def split_scalar(k):
    """(k1, k2) with k = k1 + k2*LAMBDA (mod N) and |k1|, |k2| < 2^129."""
    n = N
    c1 = (_B2 * k + _HALF_N) // n
    c2 = (-_B1 * k + _HALF_N) // n
    return k - c1 * _A1 - c2 * _A2, -c1 * _B1 - c2 * _B2


def _wnaf5(k, out):
    """Width-5 NAF of k >= 0 into bytearray `out` (digit d stored as d & 0xFF), LSB first.
    Returns the number of digits."""
    i = 0
    while k:
        if k & 1:
            d = k & 31
            if d >= 16:
                d -= 32
            k -= d
            out[i] = d & 0xFF
        else:
            out[i] = 0
        k >>= 1
        i += 1
    return i


def _odd_multiples(x, y):
    """Odd multiples 1P, 3P, ..., 15P of affine P, all rescaled to one shared Z.

    Returns (xs, ys, zg): the true point i is (xs[i]/zg^2, ys[i]/zg^3). Built on the curve
    isomorphic by d.Z where d = 2P is affine, so every step is a mixed addition; the z-ratios
    of the chain bring every entry to the last entry's Z without any inversion."""
    p = P
    # d = 2P in Jacobian
    A = x * x % p
    B = y * y % p
    C = B * B % p
    D = x + B
    D = 2 * (D * D - A - C) % p
    E = 3 * A
    dx = (E * E - 2 * D) % p
    dy = (E * (D - dx) - 8 * C) % p
    dz = 2 * y % p
    # On the isomorphic curve, d = (dx, dy) is affine and P = (x*dz^2, y*dz^3, 1).
    dz2 = dz * dz % p
    X = x * dz2 % p
    Y = y * dz2 * dz % p
    Z = 1
    xs = [X] * 8
    ys = [Y] * 8
    zr = [1] * 8  # zr[i] = Z_i / Z_{i-1}
    for i in range(1, 8):
        z2 = Z * Z % p
        H = (dx * z2 - X) % p
        r = (dy * z2 * Z - Y) % p
        HH = H * H % p
        HHH = H * HH % p
        V = X * HH % p
        X = (r * r - HHH - 2 * V) % p
        Y = (r * (V - X) - Y * HHH) % p
        Z = Z * H % p
        xs[i] = X
        ys[i] = Y
        zr[i] = H
    # Bring entry i to Z_7: multiply by (Z_7/Z_i)^2, ^3 with Z_7/Z_i = zr[i+1]*...*zr[7].
    s = 1
    for i in range(6, -1, -1):
        s = s * zr[i + 1] % p
        s2 = s * s % p
        xs[i] = xs[i] * s2 % p
        ys[i] = ys[i] * s2 * s % p
    return xs, ys, Z * dz % p


def jmul(pt, k):
    """k*pt in Jacobian coordinates, pt affine (not None)."""
    k %= N
    if k == 0:
        return None
    p = P
    k1, k2 = split_scalar(k)
    x, y = pt
    xs, ys, zg = _odd_multiples(x, y)
    # Table 2 is lambda * table 1: (beta*x, y); sign of k1, k2 folded into the y coordinates.
    beta = BETA
    xs2 = [xx * beta % p for xx in xs]
    ys1 = ys
    ys2 = ys
    if k1 < 0:
        k1 = -k1
        ys1 = [p - yy for yy in ys]
    if k2 < 0:
        k2 = -k2
        ys2 = [p - yy for yy in ys]
    w1 = bytearray(132)
    w2 = bytearray(132)
    n1 = _wnaf5(k1, w1)
    n2 = _wnaf5(k2, w2)
    inf = True
    X = Y = Z = 0
    for i in range(max(n1, n2) - 1, -1, -1):
        if not inf:
            A = X * X % p
            B = Y * Y % p
            C = B * B % p
            D = X + B
            D = 2 * (D * D - A - C) % p
            E = 3 * A
            Z = 2 * Y * Z % p
            X = (E * E - 2 * D) % p
            Y = (E * (D - X) - 8 * C) % p
        for t in (0, 1):
            d = w1[i] if t == 0 else w2[i]
            if d == 0:
                continue
            if d < 128:
                j = d >> 1
                x2 = xs[j] if t == 0 else xs2[j]
                y2 = ys1[j] if t == 0 else ys2[j]
            else:
                j = (256 - d) >> 1
                x2 = xs[j] if t == 0 else xs2[j]
                y2 = p - (ys1[j] if t == 0 else ys2[j])
            if inf:
                X, Y, Z = x2, y2, 1
                inf = False
                continue
            z2 = Z * Z % p
            H = (x2 * z2 - X) % p
            r = (y2 * z2 * Z - Y) % p
            if H == 0:
                if r == 0:
                    X, Y, Z = jdouble((X, Y, Z))
                else:
                    inf = True
                continue
            HH = H * H % p
            HHH = H * HH % p
            V = X * HH % p
            X = (r * r - HHH - 2 * V) % p
            Y = (r * (V - X) - Y * HHH) % p
            Z = Z * H % p
    if inf:
        return None
    return (X, Y, Z * zg % p)


def mul(pt, k):
    """k*pt as an affine point (None for infinity)."""
    if pt is None:
        return None
    return to_affine(jmul(pt, k))


def mul_g_add(s, pt, e):
    """s*G + e*pt (affine pt), one inversion: the BIP-340 verification equation."""
    return to_affine(jadd(jmul_g(s), jmul(pt, e)))
