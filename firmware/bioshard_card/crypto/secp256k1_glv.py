# k*Q by the GLV endomorphism and width-5 wNAF over an effective-affine table; see secp256k1.py.
from .secp256k1_jac import N, P, jdouble

# Endomorphism: lambda*(x, y) = (beta*x, y); lattice basis for splitting scalars (GLV).
BETA = 0x7AE96A2B657C07106E64479EAC3434E99CF0497512F58995C1396C28719501EE
LAMBDA = 0x5363AD4CC05C30E0A5261C028812645A122E22EA20816678DF02967C1B23BD72
_A1 = 0x3086D221A7D46BCDE86C90E49284EB15
_B1 = -0xE4437ED6010E88286F547FA90ABFE4C3
_A2 = 0x114CA50F7A8E2F3F657C1108D9D44CFD8
_B2 = _A1
_HALF_N = N >> 1


def split_scalar(k):
    """(k1, k2) with k = k1 + k2*LAMBDA (mod N) and |k1|, |k2| < 2^129."""
    n = N
    c1 = (_B2 * k + _HALF_N) // n
    c2 = (-_B1 * k + _HALF_N) // n
    return k - c1 * _A1 - c2 * _A2, -c1 * _B1 - c2 * _B2


def _wnaf5(k, out):
    """Width-5 NAF of k >= 0 into bytearray `out`, LSB first. A digit d (odd, -15..15) is
    stored as its table slot (d + 17) >> 1 (1..16); 0 means no digit. Returns the length."""
    i = 0
    while k:
        if k & 1:
            d = k & 31
            if d >= 16:
                d -= 32
            k -= d
            out[i] = (d + 17) >> 1
        else:
            out[i] = 0
        k >>= 1
        i += 1
    return i


def _slots(xs, ys, negate):
    """Lists indexed by digit slot 1..16 (slot 0 unused): slot v holds d*P, d = 2v - 17."""
    p = P
    X = [0] * 17
    Y = [0] * 17
    for j in range(8):
        y = p - ys[j] if negate else ys[j]
        X[9 + j] = xs[j]
        Y[9 + j] = y
        X[8 - j] = xs[j]
        Y[8 - j] = p - y
    return X, Y


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
    # Table 2 is lambda * table 1, i.e. (beta*x, y); the signs of k1, k2 go into the y's.
    beta = BETA
    X1, Y1 = _slots(xs, ys, k1 < 0)
    X2, Y2 = _slots([xx * beta % p for xx in xs], ys, k2 < 0)
    w1 = bytearray(132)
    w2 = bytearray(132)
    n1 = _wnaf5(-k1 if k1 < 0 else k1, w1)
    n2 = _wnaf5(-k2 if k2 < 0 else k2, w2)
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
        # Two digits per position (k1 on table 1, k2 on table 2): the same mixed addition
        # written out twice, because a loop or call here costs more than a mulmod.
        v = w1[i]
        if v:
            x2 = X1[v]
            y2 = Y1[v]
            if inf:
                X, Y, Z = x2, y2, 1
                inf = False
            else:
                z2 = Z * Z % p
                H = (x2 * z2 - X) % p
                r = (y2 * z2 * Z - Y) % p
                if H == 0:
                    if r == 0:
                        X, Y, Z = jdouble((X, Y, Z))
                    else:
                        inf = True
                else:
                    HH = H * H % p
                    HHH = H * HH % p
                    V = X * HH % p
                    X = (r * r - HHH - 2 * V) % p
                    Y = (r * (V - X) - Y * HHH) % p
                    Z = Z * H % p
        v = w2[i]
        if v:
            x2 = X2[v]
            y2 = Y2[v]
            if inf:
                X, Y, Z = x2, y2, 1
                inf = False
            else:
                z2 = Z * Z % p
                H = (x2 * z2 - X) % p
                r = (y2 * z2 * Z - Y) % p
                if H == 0:
                    if r == 0:
                        X, Y, Z = jdouble((X, Y, Z))
                    else:
                        inf = True
                else:
                    HH = H * H % p
                    HHH = H * HH % p
                    V = X * HH % p
                    X = (r * r - HHH - 2 * V) % p
                    Y = (r * (V - X) - Y * HHH) % p
                    Z = Z * H % p
    if inf:
        return None
    return (X, Y, Z * zg % p)
