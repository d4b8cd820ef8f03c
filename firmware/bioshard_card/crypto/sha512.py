# SHA-512 (FIPS 180-4) and HMAC-SHA512 (RFC 2104) in pure Python.
#
# MicroPython's hashlib has no sha512, and BIP-32 child derivation (CKDpub for BIP-328
# aggregate xpubs) needs HMAC-SHA512. Only public data goes through here (chain codes and
# public keys), so speed and side channels do not matter; size does, so the round constants
# are derived at import (fractional parts of cube roots of the first 80 primes, integer
# arithmetic only) instead of being listed. Tests compare with CPython's hashlib.
_M = 0xFFFFFFFFFFFFFFFF


def _primes(n):
    out = []
    c = 2
    while len(out) < n:
        if all(c % q for q in out):
            out.append(c)
        c += 1
    return out


def _iroot(x, k):
    """floor(x ** (1/k)) for big ints, by Newton's method."""
    # Start above the root: 4 * hex digits bounds the bit length (no int.bit_length on MicroPython).
    r = 1 << ((4 * len("%x" % x) + k - 1) // k)
    while True:
        s = ((k - 1) * r + x // r ** (k - 1)) // k
        if s >= r:
            return r
        r = s


def _frac_root_bits(p, k):
    # First 64 bits of the fractional part of p^(1/k).
    return _iroot(p << (64 * k), k) & _M


_PR = _primes(80)
_K = [_frac_root_bits(p, 3) for p in _PR]
_H0 = [_frac_root_bits(p, 2) for p in _PR[:8]]
del _PR


def _rotr(x, n):
    return ((x >> n) | (x << (64 - n))) & _M


def _compress(h, block):
    w = [int.from_bytes(block[i:i + 8], "big") for i in range(0, 128, 8)]
    for t in range(16, 80):
        a = w[t - 15]
        b = w[t - 2]
        s0 = _rotr(a, 1) ^ _rotr(a, 8) ^ (a >> 7)
        s1 = _rotr(b, 19) ^ _rotr(b, 61) ^ (b >> 6)
        w.append((w[t - 16] + s0 + w[t - 7] + s1) & _M)
    a, b, c, d, e, f, g, hh = h
    for t in range(80):
        t1 = (hh + (_rotr(e, 14) ^ _rotr(e, 18) ^ _rotr(e, 41)) + ((e & f) ^ (~e & g))
              + _K[t] + w[t]) & _M
        t2 = ((_rotr(a, 28) ^ _rotr(a, 34) ^ _rotr(a, 39)) + ((a & b) ^ (a & c) ^ (b & c))) & _M
        hh = g
        g = f
        f = e
        e = (d + t1) & _M
        d = c
        c = b
        b = a
        a = (t1 + t2) & _M
    return [(x + y) & _M for x, y in zip(h, (a, b, c, d, e, f, g, hh))]


def sha512(data):
    data = bytes(data)
    ml = len(data)
    pad = b"\x80" + bytes((111 - ml) % 128) + (ml * 8).to_bytes(16, "big")
    msg = data + pad
    h = list(_H0)
    for i in range(0, len(msg), 128):
        h = _compress(h, msg[i:i + 128])
    return b"".join(x.to_bytes(8, "big") for x in h)


def hmac_sha512(key, msg):
    if len(key) > 128:
        key = sha512(key)
    key = bytes(key) + bytes(128 - len(key))
    ipad = bytes(k ^ 0x36 for k in key)
    opad = bytes(k ^ 0x5C for k in key)
    return sha512(opad + sha512(ipad + bytes(msg)))
