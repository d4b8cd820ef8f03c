# secp256k1 constants and Jacobian-coordinate primitives (X, Y, Z) = (X/Z^2, Y/Z^3),
# None = infinity. Off the hot loops (those inline the same formulas); see secp256k1.py.
P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8
G = (GX, GY)


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


