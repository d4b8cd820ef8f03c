# Reed-Solomon decoding over GF(2^16) (gf16) for the aligned finger vault (finger_vault.py).
#
# The vault turns a query into n points (x_i, y_i); those whose x_i was enrolled lie on the
# secret polynomial f of degree < k, the others are errors. Gao's algorithm ("A new algorithm
# for decoding Reed-Solomon codes", 2002) finds f whenever errors <= (n - k) / 2, with O(n^2)
# field operations and no trial loop, so the card's decode time is bounded by n alone.
#   g0 = prod (X - x_i);  g1 = the interpolation polynomial of all n points;
#   run the extended Euclidean algorithm on (g0, g1) until deg(remainder) < (n + k) / 2,
#   keeping remainder g = u g0 + v g1;  f = g / v when v divides g exactly and deg f < k.
# Polynomials are lists of ints, lowest degree first, without trailing zeros ([] is 0).
from . import gf16 as gf

try:
    from .gf16_viper import mul as _mul  # machine code on MicroPython (also replaces gf.mul)
except (ImportError, SyntaxError, ValueError, NotImplementedError, NameError):
    _mul = gf.mul


def trim(p):
    while p and p[-1] == 0:
        p.pop()
    return p


def deg(p):
    return len(p) - 1  # -1 for the zero polynomial


def add(a, b):
    if len(a) < len(b):
        a, b = b, a
    out = list(a)
    for i in range(len(b)):
        out[i] ^= b[i]
    return trim(out)


def mul(a, b):
    if not a or not b:
        return []
    out = [0] * (len(a) + len(b) - 1)
    for i in range(len(a)):
        ai = a[i]
        if ai:
            for j in range(len(b)):
                if b[j]:
                    out[i + j] ^= _mul(ai, b[j])
    return trim(out)


def divmod_(a, b):
    """(quotient, remainder) of a / b; ZeroDivisionError for b = 0."""
    if not b:
        raise ZeroDivisionError("rs_decode: division by the zero polynomial")
    r = list(a)
    trim(r)
    db = len(b) - 1
    if len(r) - 1 < db:
        return [], r
    inv_lead = gf.inv(b[-1])
    q = [0] * (len(r) - db)
    for i in range(len(r) - 1, db - 1, -1):
        c = r[i]
        if c == 0:
            continue
        c = _mul(c, inv_lead)
        q[i - db] = c
        for j in range(db + 1):
            if b[j]:
                r[i - db + j] ^= _mul(c, b[j])
    return trim(q), trim(r[:db] if db > 0 else [])


def master(xs):
    """prod (X - x_i)."""
    m = [1]
    for x in xs:
        # m * (X + x): new[j] = m[j - 1] + x m[j]
        nm = [0] * (len(m) + 1)
        for j in range(len(m)):
            nm[j + 1] ^= m[j]
            nm[j] ^= _mul(x, m[j])
        m = nm
    return m


def interpolate(xs, ys):
    """Coefficients of the polynomial of degree < n through the n points (distinct xs)."""
    n = len(xs)
    if n == 0:
        return []
    out = [0] * n
    gf.interpolate(xs, ys, out, [0] * (n + 1))
    return trim(out)


def decode(xs, ys, k):
    """The polynomial f (list of k coefficients, zero-padded) of degree < k that agrees with
    at least (n + k) / 2 of the points, or None. xs must be distinct."""
    n = len(xs)
    if n < k or k < 1:
        return None
    g0 = master(xs)
    g1 = interpolate(xs, ys)
    if deg(g1) < k:
        # every point lies on one polynomial of degree < k: no errors at all
        return g1 + [0] * (k - len(g1))
    stop = (n + k + 1) // 2  # deg(g) must fall below (n + k) / 2
    r0, r1 = g0, g1
    v0, v1 = [], [1]
    while deg(r1) >= stop:
        q, r = divmod_(r0, r1)
        r0, r1 = r1, r
        v0, v1 = v1, add(v0, mul(q, v1))
    if not v1:
        return None
    f, rem = divmod_(r1, v1)
    if rem or deg(f) >= k:
        return None
    return f + [0] * (k - len(f))
