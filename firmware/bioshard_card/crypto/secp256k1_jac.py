# secp256k1 constants and the Jacobian point formulas, the one home of the curve arithmetic:
# (X, Y, Z) = (X/Z^2, Y/Z^3), None = infinity (or an `inf` flag where a loop carries one).
# The scalar-multiplication loops (secp256k1_comb, secp256k1_ladder) inline jdouble and madd:
# under MicroPython a call and the tuple it returns cost about as much as the formula.
P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8
G = (GX, GY)


def to_jacobian(pt):
    return None if pt is None else (pt[0], pt[1], 1)


def _affine(X, Y, zi):
    p = P
    zi2 = zi * zi % p
    return (X * zi2 % p, Y * zi2 * zi % p)


def to_affine(j):
    if j is None:
        return None
    return _affine(j[0], j[1], pow(j[2], P - 2, P))


def to_affine2(j1, j2):
    """Two Jacobian points (neither infinity) as affine points, one shared inversion
    (Montgomery's trick)."""
    p = P
    zi = pow(j1[2] * j2[2] % p, p - 2, p)
    return _affine(j1[0], j1[1], zi * j2[2] % p), _affine(j2[0], j2[1], zi * j1[2] % p)


def jdouble(j):
    """Jacobian doubling (a = 0): 2M + 5S."""
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


def madd_h(X, Y, Z, x2, y2):
    """Mixed addition (X, Y, Z) + affine (x2, y2), 8M + 3S, without its special cases: returns
    (X3, Y3, H, r), the sum being (X3, Y3, Z*H) when H != 0. H == 0 means equal x: the same
    point if r == 0 too (a doubling), else its negation (the sum is infinity)."""
    p = P
    z2 = Z * Z % p
    H = (x2 * z2 - X) % p
    r = (y2 * z2 * Z - Y) % p
    HH = H * H % p
    HHH = H * HH % p
    V = X * HH % p
    X3 = (r * r - HHH - 2 * V) % p
    return X3, (r * (V - X3) - Y * HHH) % p, H, r


def madd(X, Y, Z, inf, x2, y2):
    """Mixed addition (X, Y, Z) + affine (x2, y2), all special cases handled; `inf` flags the
    infinity on the left. Returns (X, Y, Z, inf). The affine side may also be a point of a
    table made affine on an isomorphic curve (one shared Z; secp256k1_ladder)."""
    if inf:
        return x2, y2, 1, False
    X3, Y3, H, r = madd_h(X, Y, Z, x2, y2)
    if H == 0:
        if r == 0:
            X, Y, Z = jdouble((X, Y, Z))
            return X, Y, Z, False
        return 0, 0, 0, True
    return X3, Y3, Z * H % P, False


def jadd(j1, j2):
    """Full Jacobian addition, all special cases handled: a mixed addition on the isomorphic
    curve (x, y) -> (x*Z2^2, y*Z2^3), where j2 is affine, and the result's Z times Z2 to come
    back; 12M + 4S, as the textbook formula."""
    if j1 is None:
        return j2
    if j2 is None:
        return j1
    X2, Y2, Z2 = j2
    p = P
    zz = Z2 * Z2 % p
    X, Y, Z, inf = madd(j1[0] * zz % p, j1[1] * zz * Z2 % p, j1[2], False, X2, Y2)
    return None if inf else (X, Y, Z * Z2 % p)
