# Proportional bitmap text on a Canvas: measuring, drawing, alignment, word wrap, and grouping
# of addresses into chunks. Glyphs come from the generated font_*.py modules (tools/gen_font.py).
#
# Drawing scans each glyph row once and emits one hline per run of ink, so no per-glyph buffer
# is allocated and the cost is a few calls per row instead of one per pixel.
from ..btc.amounts import format_btc as _format_btc


class Font:
    def __init__(self, mod):
        self.height = mod.HEIGHT
        self.baseline = mod.BASELINE
        self._first = mod.FIRST
        self._last = mod.LAST
        self._index = mod.INDEX
        self._bits = mod.BITMAPS

    def _glyph(self, ch):
        cp = ord(ch)
        if cp < self._first or cp > self._last:
            cp = 63  # "?" marks anything the font does not have, never silently drops it
        return (cp - self._first) * 7  # INDEX entry size, see tools/gen_font.py

    def advance(self, ch):
        return self._index[self._glyph(ch) + 2]

    def width(self, s):
        idx = self._index
        w = 0
        for ch in s:
            w += idx[self._glyph(ch) + 2]
        return w

    def draw(self, c, s, x, y, color=0):
        """Draw s with the top of its line box at y; return the pen x after the last glyph."""
        idx = self._index
        bits = self._bits
        for ch in s:
            g = self._glyph(ch)
            off = idx[g] | (idx[g + 1] << 8)
            gw = idx[g + 3]
            left = idx[g + 4]
            if left > 127:
                left -= 256
            top = y + idx[g + 5]  # only the inked rows are stored
            rb = (gw + 7) >> 3
            gx = x + left
            for row in range(idx[g + 6]):
                run = -1
                for col in range(gw):
                    if bits[off + (col >> 3)] & (0x80 >> (col & 7)):
                        if run < 0:
                            run = col
                    elif run >= 0:
                        c.hline(gx + run, top + row, col - run, color)
                        run = -1
                if run >= 0:
                    c.hline(gx + run, top + row, gw - run, color)
                off += rb
            x += idx[g + 2]
        return x


def draw_right(c, font, s, right, y, color=0):
    """Right-align s so its last glyph ends at x = right (exclusive); return its left x."""
    x = right - font.width(s)
    font.draw(c, s, x, y, color)
    return x


def draw_center(c, font, s, y, color=0, left=0, right=None):
    if right is None:
        right = c.width
    x = left + (right - left - font.width(s)) // 2
    font.draw(c, s, x, y, color)
    return x


def wrap(font, s, max_w):
    """Greedy word wrap into lines no wider than max_w; a word too long for a line is split
    between characters rather than cut, so no text is ever lost."""
    lines = []
    for para in s.split("\n"):
        line = ""
        for word in para.split(" "):
            cand = word if not line else line + " " + word
            if font.width(cand) <= max_w:
                line = cand
                continue
            if line:
                lines.append(line)
            line = ""
            while font.width(word) > max_w:
                n = 1
                while n < len(word) and font.width(word[: n + 1]) <= max_w:
                    n += 1
                lines.append(word[:n])
                word = word[n:]
            line = word
        lines.append(line)
    return lines


def fit(font, s, max_w):
    """Shorten s with '...' to fit max_w. Only for names and labels the user chose: addresses
    and amounts are never passed through here (they wrap or change font instead)."""
    if font.width(s) <= max_w:
        return s
    while s and font.width(s + "...") > max_w:
        s = s[:-1]
    return s + "..."


def group(s, n=4):
    """'bc1qxyz...' -> ['bc1q', 'xyz.', ...]: fixed-size chunks a person can compare one by one."""
    return [s[i : i + n] for i in range(0, len(s), n)]


def chunk_lines(font, s, max_w, n=4, gap=None):
    """Lay out the groups of s (see group) in lines no wider than max_w. Every character of s
    appears exactly once, in order: an address is never elided, only spread over lines."""
    if gap is None:
        gap = font.advance(" ")
    lines = []
    cur = []
    w = 0
    for g in group(s, n):
        gw = font.width(g)
        need = gw if not cur else w + gap + gw
        if cur and need > max_w:
            lines.append(cur)
            cur = [g]
            w = gw
        else:
            cur.append(g)
            w = need
    if cur:
        lines.append(cur)
    return lines


def format_btc(sat, sign=False):
    """Integer satoshis -> 'B.BBBBBBBB' with all 8 decimals, exact (btc.amounts does the
    arithmetic: one implementation for the review and the panel); sign=True adds '+'."""
    s = _format_btc(sat, False)
    return "+" + s if sign and sat >= 0 else s


def format_int(n):
    """12345678 -> '12,345,678' (MicroPython's format() has no ',' option)."""
    neg = n < 0
    s = str(-n if neg else n)
    out = ""
    while len(s) > 3:
        out = "," + s[-3:] + out
        s = s[:-3]
    return ("-" if neg else "") + s + out
