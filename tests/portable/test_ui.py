# heapsize: 100k
# The card's UI under the card's interpreter and heap: every screen renders within 100 KB, and
# the bytes MicroPython's C framebuf produces equal the CPython render that made the golden PNGs
# (tests/golden/screens.sha256.json, written by tools/render_screens.py --update-golden).
import gc
import hashlib

from ptest import b2h, load_json, raises, repo_path

# Import order matters in a 100 KB heap when modules compile from source (the card loads
# .mpy): the fonts' 4 KB bytes objects and the one frame buffer are allocated first, before
# compiling the rest fragments the heap.
from bioshard_card.ui.screens import BIG, BODY, MONO
from bioshard_card.ui.canvas import BLACK, BUF_SIZE, WHITE, Canvas

CANVAS = Canvas()
CANVAS_270 = Canvas(CANVAS.buf, rotation=270)  # same bytes, other orientation

from bioshard_card.ui import gallery  # noqa: E402
from bioshard_card.ui.text import chunk_lines, format_btc, format_int, group, wrap  # noqa: E402


def test_every_screen_matches_the_golden_render():
    golden = load_json(repo_path("tests/golden/screens.sha256.json"))
    assert sorted(golden) == sorted(gallery.NAMES), "golden hashes out of date: run tools/render_screens.py --update-golden"
    c = CANVAS
    bad = []
    for name in gallery.NAMES:
        gc.collect()
        gallery.draw(c, name)
        if b2h(hashlib.sha256(c.buf).digest()) != golden[name]:
            bad.append(name)
    assert not bad, "renders differ from tests/golden for %s (regenerate with tools/render_screens.py --update-golden if intended)" % bad


def test_screens_draw_ink_and_leave_margins_white():
    c = CANVAS
    for name in gallery.NAMES:
        gallery.draw(c, name)
        ink = BUF_SIZE * 8 - sum(bin(b).count("1") for b in c.buf)
        assert ink > 300, name  # something readable was drawn
        # Bits 122..127 of each RAM row are outside the glass; framebuf never touches them, so
        # they keep the 0 of the fresh buffer (the CPython stand-in must behave the same).
        for row in range(250):
            assert c.buf[row * 16 + 15] & 0x3F == 0, (name, row)


def test_canvas_rotation_maps_to_documented_ram_bits():
    for rot in (90, 270):
        c = CANVAS if rot == 90 else CANVAS_270
        c.fill(WHITE)
        c.pixel(0, 0, BLACK)  # landscape top-left
        found = []
        for i in range(BUF_SIZE):
            b = c.buf[i] | (0x3F if i % 16 == 15 else 0)  # ignore the off-glass padding bits
            if b != 0xFF:
                found.append(i)
        assert len(found) == 1, found
        i = found[0]
        b = c.buf[i] | (0x3F if i % 16 == 15 else 0)
        px = (i % 16) * 8 + (7 - _bitpos(b ^ 0xFF))
        py = i // 16
        # canvas.py: rotation 90 -> px = y, py = 249 - x; rotation 270 -> px = 121 - y, py = x
        assert (px, py) == ((0, 249) if rot == 90 else (121, 0)), (rot, px, py)
        assert c.get(0, 0) == BLACK and c.get(1, 0) == WHITE and c.get(0, 1) == WHITE


def _bitpos(v):
    n = 0
    while v > 1:
        v >>= 1
        n += 1
    return n


def test_canvas_primitives_are_the_transposed_portrait_ones():
    c = CANVAS
    c.fill(WHITE)
    c.fill_rect(10, 5, 7, 3, BLACK)
    c.hline(200, 100, 60, BLACK)  # runs off the right edge: clipped, not wrapped
    c.vline(3, 110, 30, BLACK)
    for y in range(122):
        for x in range(250):
            inside = (10 <= x < 17 and 5 <= y < 8) or (y == 100 and x >= 200) or (x == 3 and y >= 110)
            assert c.get(x, y) == (BLACK if inside else WHITE), (x, y)
    c.fill_rect(5, 5, 0, 9, WHITE)  # empty rectangles draw nothing
    assert c.get(10, 5) == BLACK


def test_format_btc_is_exact():
    assert format_btc(0) == "0.00000000"
    assert format_btc(1) == "0.00000001"
    assert format_btc(100000000) == "1.00000000"
    assert format_btc(2100000000000000) == "21000000.00000000"
    assert format_btc(-250000) == "-0.00250000"
    assert format_btc(1500000, True) == "+0.01500000"
    assert format_btc(0, True) == "+0.00000000"
    assert format_int(1234567) == "1,234,567" and format_int(-12) == "-12" and format_int(999) == "999"


def test_addresses_are_grouped_never_elided():
    addr = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"
    assert "".join(group(addr)) == addr
    for s in (addr, addr + addr[4:32], "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "x"):
        for width in (240, 120, 40):
            lines = chunk_lines(MONO, s, width, 4, 5)
            assert "".join("".join(line) for line in lines) == s  # every character, in order
            for line in lines:
                w = sum(MONO.width(g) for g in line) + 5 * (len(line) - 1)
                assert w <= width or len(line) == 1, (s, width, line)
    # The 62-character taproot address fits the 242 px content width in 3 lines.
    assert len(chunk_lines(MONO, addr, 242, 4, 5)) == 3


def test_wrap_keeps_every_word_and_respects_the_width():
    s = "The fingerprint sensor does not answer. Check its cable and restart the card."
    lines = wrap(BODY, s, 120)
    assert " ".join(lines) == s
    assert all(BODY.width(line) <= 120 for line in lines)
    long_word = "x" * 80
    lines = wrap(BODY, long_word, 50)
    assert "".join(lines) == long_word and all(BODY.width(line) <= 50 for line in lines)
    assert wrap(BODY, "a\nb", 200) == ["a", "b"]


def test_font_metrics_and_ink_stay_in_the_line_box():
    for font in (BODY, MONO, BIG):
        assert font.width("") == 0
        assert font.width("ab") == font.advance("a") + font.advance("b")
        assert font.advance("\u20ac") == font.advance("?")  # unknown characters show as "?"
        c = CANVAS
        c.fill(WHITE)
        x0, y0 = 20, 30
        end = font.draw(c, "Wg|0.1", x0, y0)
        assert end == x0 + font.width("Wg|0.1")
        for y in range(122):
            for x in range(250):
                if c.get(x, y) == BLACK:
                    assert y0 <= y < y0 + font.height and x0 - 2 <= x < end + 2, (x, y)


def test_digits_have_equal_advance_so_amounts_line_up():
    for font in (BODY, MONO, BIG):
        assert len(set(font.advance(d) for d in "0123456789")) == 1


def test_rotation_is_validated():
    raises(ValueError, Canvas, None, 180)
