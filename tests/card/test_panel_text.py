"""Properties of the card's text layout (hypothesis): amounts are exact, addresses keep every
character, wrapping loses no word, shortening only ever applies to labels."""
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from bioshard_card.ui.screens import BODY, BOLD, MONO, W, MARGIN, ADDR_GAP
from bioshard_card.ui.text import chunk_lines, fit, format_btc, wrap

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


@given(st.integers(-(2**63), 2**63))
def test_format_btc_parses_back_to_the_same_satoshis(sat):
    s = format_btc(sat)
    whole, _, frac = s.lstrip("-").partition(".")
    assert len(frac) == 8 and whole.isdigit()
    assert Decimal(s) * 100000000 == sat  # an independent decimal reading of the string


@settings(max_examples=200)
@given(st.text(alphabet=BECH32 + "BC1", min_size=1, max_size=120), st.integers(40, 250))
def test_address_chunks_keep_every_character_in_order(addr, width):
    lines = chunk_lines(MONO, addr, width, 4, ADDR_GAP)
    assert "".join("".join(line) for line in lines) == addr
    assert all(len(g) == 4 for line in lines for g in line[:-1])


def test_longest_segwit_address_fits_the_output_screen():
    # BIP-173 caps an address at 90 characters: it must fit 4 lines of the 242 px content width.
    assert len(chunk_lines(MONO, "bc1p" + "q" * 86, W - 2 * MARGIN, 4, ADDR_GAP)) == 4


@settings(max_examples=200)
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzW0123456789.,", min_size=1, max_size=30), max_size=20),
       st.integers(30, 250))
def test_wrap_loses_no_word_and_respects_width(words, width):
    s = " ".join(words)
    lines = wrap(BODY, s, width)
    assert all(BODY.width(line) <= width for line in lines)
    joined = [w for line in lines for w in line.split(" ") if w]
    assert "".join(joined) == "".join(words)


@given(st.text(alphabet="abcdefgh WXYZ0123", max_size=60), st.integers(20, 250))
def test_fit_only_shortens_when_needed(s, width):
    out = fit(BOLD, s, width)
    if BOLD.width(s) <= width:
        assert out == s
    else:
        assert out.endswith("...") and s.startswith(out[:-3])
        assert BOLD.width(out) <= width or out == "..."
