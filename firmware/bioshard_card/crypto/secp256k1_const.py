# k*Q for a SECRET k (ECDH, e.g. pairing): GLV halves, each written in regular signed-odd
# window form (every 4-bit window holds one odd digit in -15..15, never 0), so the sequence of
# doublings and additions is the same for every scalar: 33 x 4 doublings and 2 x 34 additions,
# plus one fixed correction addition per half. About 25% slower than the wNAF in
# secp256k1_glv, which skips zero digits and so follows the scalar's bits (fine for public
# scalars, not for secret ones); both walk their digits with secp256k1_ladder. Python big
# ints are still not constant time; this removes the operation-pattern leak, the largest one
# we control.
from .secp256k1_glv import BETA, split_scalar
from .secp256k1_jac import N, P, madd
from .secp256k1_ladder import ladder, odd_multiples

_L = 34  # 4-bit windows per half-scalar: |half| < 2^129, made odd, fits 33 windows + top digit
_TOP = 4 * (_L - 1) + 1  # digit positions: a digit every 4th, 0 between (no addition there)


def _regular(h, out):
    """Odd h with 0 < h < 2^131 -> _L signed odd digits (stored d & 0xFF) at every 4th
    position of `out` (the others stay 0), LSB first."""
    for i in range(0, _TOP - 1, 4):
        d = (h & 31) - 16  # odd since h is odd; h - d is 16 mod 32, so h stays odd
        out[i] = d & 0xFF
        h = (h - d) >> 4
    out[_TOP - 1] = h  # 1 here for every h in range


def jmul_const(pt, k):
    """k*pt in Jacobian coordinates with a scalar-independent operation sequence."""
    k %= N
    if k == 0 or pt is None:
        return None
    p = P
    xs, ys, zg = odd_multiples(pt[0], pt[1])
    tabs = []
    fixes = []
    for h, XT in zip(split_scalar(k), (xs, [xx * BETA % p for xx in xs])):
        # Fold the sign into the table and force the half odd; an even half is computed as
        # h + 1 and corrected by subtracting the base point at the end (always one addition).
        neg_ys = [p - yy for yy in ys]
        YT = neg_ys if h < 0 else ys
        a = -h if h < 0 else h
        fix = 1 - (a & 1)
        w = bytearray(_TOP)
        _regular(a + fix, w)
        tabs.append((w, XT, YT))
        fixes.append(fix)
    X, Y, Z, inf = ladder(tabs, _TOP)  # 4 doublings between additions, for every scalar
    # Throw-away accumulator for a correction step that is not needed. It starts at 3P: from P
    # the first one (-P or +P, by the secret sign of the first half) would hit madd's
    # infinity or doubling case, whose costs differ from a plain addition's.
    dX, dY, dZ = xs[1], ys[1], 1
    for (_, XT, YT), fix in zip(tabs, fixes):
        if fix:
            X, Y, Z, inf = madd(X, Y, Z, inf, XT[0], p - YT[0])
        else:
            dX, dY, dZ, _ = madd(dX, dY, dZ, False, XT[0], p - YT[0])
    if inf:
        return None
    return (X, Y, Z * zg % p)
