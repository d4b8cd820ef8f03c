# heapsize: 100k
# BCH(255, k, t) codec of the fuzzy commitment: known generator polynomials, correction up to t,
# clean failure beyond. Runs under CPython and MicroPython.
from ptest import raises

from bioshard_card.bio.ecc_bch import BCH, N, bitlen, code


def _lcg(seed):
    # deterministic pseudo-random stream identical on both interpreters (no `random` needed)
    state = [seed & 0x7FFFFFFF]

    def nxt(mod):
        state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return (state[0] >> 8) % mod

    return nxt


def _error(rnd, weight):
    e = 0
    while bin(e).count("1") < weight:
        e |= 1 << rnd(N)
    return e


def test_generator_polynomials_match_published_table():
    # Lin & Costello, "Error Control Coding", Appendix C, n = 255 (octal, primitive poly 435)
    assert BCH(1).gen == 0o435
    assert BCH(2).gen == 0o267543
    assert BCH(3).gen == 0o156720665


def test_dimensions_match_published_table():
    # (n, k, t) from the same table
    for t, k in ((1, 247), (5, 215), (10, 179), (20, 115), (25, 91), (30, 63), (42, 47), (55, 21)):
        assert BCH(t).k == k, (t, BCH(t).k)


def test_codewords_are_multiples_of_generator():
    c = code(10)
    rnd = _lcg(7)
    for _ in range(5):
        msg = 0
        for _ in range(c.k):
            msg = (msg << 1) | rnd(2)
        cw = c.encode(msg)
        assert c.message(cw) == msg
        # remainder of cw by g must be zero
        r, g = cw, c.gen
        while bitlen(r) >= bitlen(g):
            r ^= g << (bitlen(r) - bitlen(g))
        assert r == 0


def test_corrects_up_to_t_errors():
    rnd = _lcg(1)
    for t in (3, 16, 30):
        c = code(t)
        for w in (0, 1, t // 2, t):
            msg = rnd(1 << 20) & ((1 << c.k) - 1)
            cw = c.encode(msg)
            assert c.decode(cw ^ _error(rnd, w)) == cw


def test_fails_cleanly_beyond_t():
    rnd = _lcg(2)
    c = code(16)
    cw = c.encode(12345)
    failures = 0
    for _ in range(6):
        got = c.decode(cw ^ _error(rnd, 40))
        # bounded-distance decoding: either a clean failure or a codeword within t of the input
        assert got != cw
        failures += got is None
    assert failures >= 5


def test_rejects_bad_input():
    raises(ValueError, BCH, 0)
    raises(ValueError, BCH, 64)
    c = code(5)
    raises(ValueError, c.encode, 1 << c.k)
    raises(ValueError, c.decode, 1 << N)
