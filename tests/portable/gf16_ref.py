# GF(2^16) from the definition, for the tests of bio/gf16.py and its users: GF(2^8) =
# GF(2)[z]/(z^8 + z^4 + z^3 + z^2 + 1), GF(2^16) = GF(2^8)[x]/(x^2 + x + beta), with
# polynomial arithmetic only (no tables, no code under test). Runs under MicroPython too.


def clmul8(a, b):
    """GF(2^8) product: carry-less shift-and-add, reduced by 0x11D as it goes."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a & 0x100:
            a ^= 0x11D
    return r


def mul16(a, b, beta):
    """(a1 x + a0)(b1 x + b0) with x^2 = x + beta, schoolbook, on clmul8."""
    a1, a0, b1, b0 = a >> 8, a & 255, b >> 8, b & 255
    hh = clmul8(a1, b1)
    hi = clmul8(a1, b0) ^ clmul8(a0, b1) ^ hh
    lo = clmul8(a0, b0) ^ clmul8(beta, hh)
    return (hi << 8) | lo


def distinct_points(r, n):
    """n distinct field elements from the Lcg `r` (x coordinates for interpolation)."""
    xs = []
    while len(xs) < n:
        x = r.next(65536)
        if x not in xs:
            xs.append(x)
    return xs
