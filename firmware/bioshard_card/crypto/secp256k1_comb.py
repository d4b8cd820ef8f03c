# k*G by a Lim-Lee comb (8 teeth x 32 columns) over the committed table; see secp256k1.py.
from .secp256k1_gtable import TABLE as _GT
from .secp256k1_jac import GX, GY, N, P, jdouble

# Comb layout: bit (32*j + c) of k is tooth j of column c. Multiplying the masked column by
# _MAGIC gathers the 8 tooth bits into bits 217..224 with no carries (all partial products land
# on distinct positions), so one column index costs 4 big-int operations instead of 8 bit tests.
_TEETH_MASK = sum(1 << (32 * j) for j in range(8))
_MAGIC = sum(1 << (217 - 31 * i) for i in range(8))


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
    # jac.jdouble and jac.madd inlined (as in secp256k1_ladder): a call per column costs about
    # as much as the formula; the comb reads its own byte table and adds dummies, so not ladder.
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
            ch = T[0]
            o = 0
        else:
            ch = T[(m - 1) >> 4]
            o = ((m - 1) & 15) << 6
        x2 = int.from_bytes(ch[o:o + 32], "big")
        y2 = int.from_bytes(ch[o + 32:o + 64], "big")
        if m == 0:
            # Throw-away mixed addition, the same formula as a real one. Its result is
            # meaningless (and may degenerate to Z = 0, which is harmless): only its cost counts.
            z2 = dZ * dZ % p
            H = (x2 * z2 - dX) % p
            r = (y2 * z2 * dZ - dY) % p
            HH = H * H % p
            HHH = H * HH % p
            V = dX * HH % p
            dX = (r * r - HHH - 2 * V) % p
            dY = (r * (V - dX) - dY * HHH) % p
            dZ = dZ * H % p or 1
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


