# Binary BCH codes of length 255 over GF(2^8): the error-correcting code of the fuzzy commitment.
#
# Why BCH: the template noise is (roughly) independent bit flips, which is exactly what a binary
# BCH code corrects, with a bounded-distance decoder that *fails* (returns None) instead of
# guessing when there are more than t errors - the card can then say "wrong finger, try again".
#
# Representation: a word of n = 255 bits is a Python int, bit i = coefficient of x^i (bigints
# work on MicroPython's mpz builds, which ESP32 firmware uses). The code is systematic: the k
# message bits sit in the high part, bits n-k..n-1, and the parity in bits 0..n-k-1.
# Decoder: syndromes -> Berlekamp-Massey (binary simplification) -> Chien search. No recursion;
# the GF(2^8) tables (512 + 256 bytes) are gf16's.

# GF(2^8) = GF(2)[x] / (x^8 + x^4 + x^3 + x^2 + 1): the log/antilog tables and product of
# gf16 (the finger vault's base field is the same field), not a second copy of them.
from .gf16 import EXP as _EXP, LOG as _LOG, mul8 as _mul

N = 255


def _inv(a):
    return _EXP[255 - _LOG[a]]


def bitlen(x):
    # int.bit_length() is missing on MicroPython
    return len(bin(x)) - 2 if x > 0 else 0


def _gf2_mulpoly(a, b):
    # carry-less product of two GF(2) polynomials held in ints
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        b >>= 1
    return r


def _gf2_mod(a, m):
    dm = bitlen(m)
    da = bitlen(a)
    while da >= dm:
        a ^= m << (da - dm)
        da = bitlen(a)
    return a


def _min_poly(i):
    # minimal polynomial of alpha^i over GF(2): product of (x - alpha^j) over i's cyclotomic coset
    coset = []
    j = i % 255
    while j not in coset:
        coset.append(j)
        j = (j * 2) % 255
    poly = [1]  # coefficients in GF(256), lowest degree first
    for c in coset:
        root = _EXP[c]
        nxt = [0] * (len(poly) + 1)
        for d in range(len(poly)):
            nxt[d + 1] ^= poly[d]
            nxt[d] ^= _mul(poly[d], root)
        poly = nxt
    out = 0
    for d in range(len(poly)):
        if poly[d] > 1:
            raise ValueError("minimal polynomial not binary")
        out |= poly[d] << d
    return out, coset


class BCH:
    """Narrow-sense binary BCH code (255, k, t); designed distance 2t+1."""

    def __init__(self, t):
        if not 1 <= t <= 63:
            raise ValueError("t out of range 1..63")
        self.t = t
        g = 1
        done = []
        for i in range(1, 2 * t + 1):
            if i in done:
                continue
            mp, coset = _min_poly(i)
            done.extend(coset)
            g = _gf2_mulpoly(g, mp)
        self.gen = g
        self.n = N
        self.k = N - (bitlen(g) - 1)
        if self.k < 1:
            raise ValueError("no message bits left for t=%d" % t)

    def encode(self, msg):
        """msg: int of k bits -> codeword int of n bits (systematic)."""
        if msg < 0 or msg >> self.k:
            raise ValueError("message does not fit in k bits")
        shifted = msg << (self.n - self.k)
        return shifted | _gf2_mod(shifted, self.gen)

    def message(self, codeword):
        return codeword >> (self.n - self.k)

    def _syndromes(self, r):
        t2 = 2 * self.t
        s = bytearray(t2 + 1)  # s[j] = r(alpha^j), j = 1..2t
        i = 0
        while r:
            if r & 1:
                for j in range(1, t2 + 1, 2):
                    s[j] ^= _EXP[(i * j) % 255]
            r >>= 1
            i += 1
        for j in range(2, t2 + 1, 2):
            s[j] = _mul(s[j // 2], s[j // 2])  # binary code: S_2j = S_j^2
        return s

    def decode(self, r):
        """Corrected codeword (int), or None when more than t errors are detected."""
        if r < 0 or r >> self.n:
            raise ValueError("received word longer than n bits")
        s = self._syndromes(r)
        if not any(s):
            return r
        t2 = 2 * self.t
        # Berlekamp-Massey: connection polynomial lam (lowest degree first).
        lam = bytearray(t2 + 2)
        lam[0] = 1
        prev = bytearray(t2 + 2)
        prev[0] = 1
        L = 0
        m = 1
        b = 1
        for n_ in range(t2):
            d = s[n_ + 1]
            for i in range(1, L + 1):
                d ^= _mul(lam[i], s[n_ + 1 - i])
            if d == 0:
                m += 1
                continue
            coef = _mul(d, _inv(b))
            if 2 * L <= n_:
                tmp = bytearray(lam)
                for i in range(t2 + 2 - m):
                    lam[i + m] ^= _mul(coef, prev[i])
                L = n_ + 1 - L
                prev = tmp
                b = d
                m = 1
            else:
                for i in range(t2 + 2 - m):
                    lam[i + m] ^= _mul(coef, prev[i])
                m += 1
        if L > self.t:
            return None
        # Chien search: error at position p iff lam(alpha^-p) == 0.
        logs = [(_LOG[lam[i]] if lam[i] else -1) for i in range(L + 1)]
        found = 0
        for p in range(self.n):
            acc = lam[0]
            e = (255 - p) % 255
            for i in range(1, L + 1):
                if logs[i] >= 0:
                    acc ^= _EXP[(logs[i] + e * i) % 255]
            if acc == 0:
                r ^= 1 << p
                found += 1
        if found != L:
            return None  # the error locator has roots outside the code: too many errors
        return r


_CACHE = {}


def code(t):
    """Shared BCH(255, k, t) instance (building the generator costs a few ms)."""
    c = _CACHE.get(t)
    if c is None:
        c = BCH(t)
        _CACHE[t] = c
    return c
