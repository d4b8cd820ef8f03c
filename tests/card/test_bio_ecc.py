"""Property tests of the card's BCH decoder (hypothesis, CPython only)."""
from hypothesis import given, settings, strategies as st

from bioshard_card.bio.ecc_bch import N, code

TS = (4, 12, 25, 42)


def _pm(word, g):
    # remainder of a GF(2) polynomial division, written independently of the module
    while word and word.bit_length() >= g.bit_length():
        word ^= g << (word.bit_length() - g.bit_length())
    return word


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TS), st.data())
def test_decodes_any_pattern_of_at_most_t_errors(t, data):
    c = code(t)
    msg = data.draw(st.integers(0, (1 << c.k) - 1))
    pos = data.draw(st.sets(st.integers(0, N - 1), max_size=t))
    cw = c.encode(msg)
    assert _pm(cw, c.gen) == 0
    err = sum(1 << p for p in pos)
    assert c.decode(cw ^ err) == cw


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TS), st.data())
def test_beyond_t_never_returns_a_far_word(t, data):
    c = code(t)
    msg = data.draw(st.integers(0, (1 << c.k) - 1))
    pos = data.draw(st.sets(st.integers(0, N - 1), min_size=t + 1, max_size=min(N, 3 * t)))
    received = c.encode(msg) ^ sum(1 << p for p in pos)
    got = c.decode(received)
    if got is not None:  # a miscorrection must still be a codeword within t of what was received
        assert _pm(got, c.gen) == 0
        assert bin(got ^ received).count("1") <= t
