# The variable-base double-and-add shared by secp256k1_glv (wNAF, public scalars) and
# secp256k1_const (regular windows, secret scalars): tables of the odd multiples 1P..15P made
# "effective affine" (libsecp256k1's trick: one shared Z, so the loop does mixed additions on
# an isomorphic curve), and the ladder that adds signed digits from them.
from .secp256k1_jac import P, jdouble, madd_h


def odd_multiples(x, y):
    """Odd multiples 1P, 3P, ..., 15P of affine P, all rescaled to one shared Z.

    Returns (xs, ys, zg): the true point i is (xs[i]/zg^2, ys[i]/zg^3). Built on the curve
    isomorphic by d.Z where d = 2P is affine, so every step is a mixed addition; the z-ratios
    of the chain bring every entry to the last entry's Z without any inversion."""
    p = P
    dx, dy, dz = jdouble((x, y, 1))
    # On the isomorphic curve, d = (dx, dy) is affine and P = (x*dz^2, y*dz^3, 1).
    dz2 = dz * dz % p
    X = x * dz2 % p
    Y = y * dz2 * dz % p
    Z = 1
    xs = [X] * 8
    ys = [Y] * 8
    zr = [1] * 8  # zr[i] = Z_i / Z_{i-1}
    for i in range(1, 8):
        # d is never +-(2i-1)P (madd_h's special cases): the group order is a large prime.
        X, Y, H, _ = madd_h(X, Y, Z, dx, dy)
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


def ladder(tabs, top):
    """sum over tabs (digits, XT, YT) of sum_i d_i * 2^i * T, as (X, Y, Z, inf) in the tables'
    shared-Z frame (the caller multiplies Z by that frame's Z): one doubling per position.

    digits[i] (i < top) holds the odd digit d_i (-15..15) as d_i & 0xFF, 0 for none (no
    addition). XT[j], YT[j] is (2j + 1)*T in the frame; a negative digit takes -YT (one
    subtraction). Which positions are 0 is what steers the sequence of doublings and additions
    (besides madd's special cases, equal or opposite points): the wNAF's follow the scalar
    (public scalars only); secp256k1_const's are every position but each 4th, for every
    scalar."""
    p = P
    inf = True
    X = Y = Z = 0
    # jac.jdouble and jac.madd inlined: a call per step costs about as much as the formula.
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
    return X, Y, Z, inf
