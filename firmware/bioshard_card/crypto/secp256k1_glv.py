# k*Q for public k: the GLV endomorphism and width-5 wNAF digits walked by secp256k1_ladder;
# see secp256k1.py.
from .secp256k1_jac import N, P
from .secp256k1_ladder import ladder, odd_multiples

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
        xs, ys, zg = odd_multiples(pts[idx][0], pts[idx][1])
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
    X, Y, Z, inf = ladder(tabs, top)
    if inf:
        return None
    return (X, Y, Z * zc % p)


def jmul(pt, k):
    """k*pt in Jacobian coordinates, pt affine."""
    return jmul_multi((pt,), (k,))
