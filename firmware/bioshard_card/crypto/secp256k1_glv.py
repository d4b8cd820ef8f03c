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
    """Width-5 NAF of k into bytearray `out`, LSB first: digit d (odd, -15..15) is stored as
    d & 0xFF, 0 means none. A negative k gives the negated digits (so its table needs no
    negated copy). Returns the number of digits."""
    neg = k < 0
    if neg:
        k = -k
    i = 0
    while k:
        if k & 1:
            d = k & 31
            if d >= 16:
                d -= 32
            k -= d
            out[i] = (-d if neg else d) & 0xFF
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


def jmul_multi(pts, ks):
    """sum(k_i * pt_i) in Jacobian coordinates (Strauss-Shamir): all scalars share one run
    of ~128 doublings. Each affine pt_i gets its odd-multiples table, its lambda-table, and
    the tables are rescaled to one common Z so the loop uses mixed additions throughout."""
    p = P
    tabs = []
    zgs = []
    raw = []
    top = 0
    for idx in range(len(pts)):
        k = ks[idx] % N
        if k == 0 or pts[idx] is None:
            continue
        k1, k2 = split_scalar(k)
        xs, ys, zg = _odd_multiples(pts[idx][0], pts[idx][1])
        raw.append((xs, ys, k1, k2))
        zgs.append(zg)
    if not raw:
        return None
    # Common Z = product of the tables' Zs; table i is scaled by f_i = prod_{j != i} zg_j.
    zc = 1
    for zg in zgs:
        zc = zc * zg % p
    for idx in range(len(raw)):
        xs, ys, k1, k2 = raw[idx]
        raw[idx] = None
        if len(zgs) > 1:
            f = 1
            for j in range(len(zgs)):
                if j != idx:
                    f = f * zgs[j] % p
            f2 = f * f % p
            f3 = f2 * f % p
            xs = [xx * f2 % p for xx in xs]
            ys = [yy * f3 % p for yy in ys]
        # The table for k2 is lambda * table = (beta*x, y): it shares the y list.
        for k, XT in ((k1, xs), (k2, [xx * BETA % p for xx in xs])):
            w = bytearray(132)
            n = _wnaf5(k, w)
            if n:
                top = n if n > top else top
                tabs.append((w, XT, ys))
    inf = True
    X = Y = Z = 0
    for i in range(top - 1, -1, -1):
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
        for w, XT, YT in tabs:
            v = w[i]
            if not v:
                continue
            if v < 128:
                v >>= 1
                x2 = XT[v]
                y2 = YT[v]
            else:
                v = (256 - v) >> 1
                x2 = XT[v]
                y2 = p - YT[v]
            if inf:
                X, Y, Z = x2, y2, 1
                inf = False
                continue
            # Mixed addition (Z2 = 1 in the common-Z frame): 8M + 3S
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
    return (X, Y, Z * zc % p)


def jmul(pt, k):
    """k*pt in Jacobian coordinates, pt affine."""
    return jmul_multi((pt,), (k,))
