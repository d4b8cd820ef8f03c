# GF(2^16) arithmetic and Lagrange interpolation (finger vault and its Reed-Solomon decoder).
#
# Why a tower field: full GF(2^16) log/antilog tables are 2 x 128 KB, more than the whole heap
# of an ESP32-WROOM card. GF(2^16) is built instead as GF(2^8)[x] / (x^2 + x + BETA), which is a
# field of 65,536 elements whenever x^2 + x + BETA has no root in GF(2^8), i.e. when the
# absolute trace of BETA is 1 (checked at import). Only GF(2^8) log/antilog tables are needed:
# 768 bytes. An element is an int 0..65535: high byte = coefficient of x, low byte = constant.
# Multiplication is 4 GF(2^8) products (Karatsuba), inversion goes through the norm.
try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_POLY8 = const(0x11D)   # x^8 + x^4 + x^3 + x^2 + 1, primitive: 2 generates GF(2^8)*
BETA = const(0x20)      # smallest-weight BETA we use; its trace is checked below

EXP = bytearray(512)    # EXP[i] = 2^i, doubled so EXP[LOG[a] + LOG[b]] needs no reduction
LOG = bytearray(256)    # LOG[0] is unused


def _build():
    v = 1
    for i in range(255):
        EXP[i] = v
        EXP[i + 255] = v
        LOG[v] = i
        v <<= 1
        if v & 0x100:
            v ^= _POLY8
    EXP[510] = EXP[0]
    EXP[511] = EXP[1]


_build()


def mul8(a, b):
    if a == 0 or b == 0:
        return 0
    return EXP[LOG[a] + LOG[b]]


def trace8(a):
    """Absolute trace GF(2^8) -> GF(2): a + a^2 + a^4 + ... + a^128."""
    t = 0
    s = a
    for _ in range(8):
        t ^= s
        s = mul8(s, s)
    return t


if trace8(BETA) != 1:  # x^2 + x + BETA would factor: not a field
    raise ValueError("gf16: BETA does not give an irreducible quadratic")

_LOG_BETA = LOG[BETA]


def mul(a, b):
    """Product in GF(2^16) = GF(2^8)[x]/(x^2 + x + BETA)."""
    if a == 0 or b == 0:
        return 0
    a1 = a >> 8
    a0 = a & 0xFF
    b1 = b >> 8
    b0 = b & 0xFF
    m00 = mul8(a0, b0)
    m11 = mul8(a1, b1)
    # (a1 x + a0)(b1 x + b0) = a1b1 x^2 + (a1b0 + a0b1) x + a0b0, and x^2 = x + BETA
    hi = mul8(a1 ^ a0, b1 ^ b0) ^ m00
    lo = m00
    if m11:
        lo ^= EXP[LOG[m11] + _LOG_BETA]
    return (hi << 8) | lo


def inv(a):
    """Multiplicative inverse; ZeroDivisionError for 0."""
    if a == 0:
        raise ZeroDivisionError("gf16: inverse of 0")
    a1 = a >> 8
    a0 = a & 0xFF
    # conjugate of (a1 x + a0) is a1 x + (a0 + a1); their product is the norm in GF(2^8)
    c0 = a0 ^ a1
    n = mul8(a0, c0)
    s = mul8(a1, a1)
    if s:
        n ^= EXP[LOG[s] + _LOG_BETA]
    ln = 255 - LOG[n]
    hi = EXP[LOG[a1] + ln] if a1 else 0
    lo = EXP[LOG[c0] + ln] if c0 else 0
    return (hi << 8) | lo


def poly_eval(coeffs, x):
    """coeffs[0] + coeffs[1] x + ... (Horner)."""
    acc = 0
    for i in range(len(coeffs) - 1, -1, -1):
        acc = mul(acc, x) ^ coeffs[i]
    return acc


def interpolate(xs, ys, out, work):
    """Coefficients (low degree first) of the unique polynomial of degree < k = len(xs) through
    the points, written into `out` (list of k ints). `work` is a list of k + 1 ints reused
    between calls (no allocation per trial on the card). The xs must be distinct.

    O(k^2): master polynomial M = prod (x - x_i); for each i, q_i = M / (x - x_i) by synthetic
    division and out += y_i / q_i(x_i) * q_i."""
    k = len(xs)
    m = work
    m[0] = 1
    for j in range(1, k + 1):
        m[j] = 0
    for i in range(k):
        xi = xs[i]
        # m *= (x + xi): new[j] = m[j-1] + xi m[j]
        for j in range(i + 1, 0, -1):
            m[j] = m[j - 1] ^ mul(xi, m[j])
        m[0] = mul(xi, m[0])
    for j in range(k):
        out[j] = 0
    for i in range(k):
        xi = xs[i]
        # q = m / (x + xi), computed from the top; d = q(xi) by Horner on the fly
        q = m[k]
        d = q
        coefs_top = q
        # first pass: denominator
        for j in range(k - 1, 0, -1):
            q = m[j] ^ mul(xi, q)
            d = mul(d, xi) ^ q
        if d == 0:
            raise ValueError("gf16: repeated abscissa")
        c = mul(ys[i], inv(d))
        if c == 0:
            continue
        # second pass: add c * q into out
        q = coefs_top
        out[k - 1] ^= mul(c, q)
        for j in range(k - 1, 0, -1):
            q = m[j] ^ mul(xi, q)
            out[j - 1] ^= mul(c, q)
    return out
