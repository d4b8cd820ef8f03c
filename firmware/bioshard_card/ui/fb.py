# FrameBuffer for the UI: MicroPython's C `framebuf` on the card; on CPython a small pure-Python
# stand-in with the same semantics for the subset the UI uses (MONO_HLSB only: fill, pixel,
# hline, vline, rect, fill_rect), so the host renders byte-identical screens.
# tests/card/test_panel_fb_vs_micropython.py checks the stand-in against the real framebuf.
try:
    from framebuf import FrameBuffer, MONO_HLSB  # noqa: F401  (re-exported)
except ImportError:
    from .rects import Rects

    MONO_HLSB = 3  # same value as MicroPython's framebuf.MONO_HLSB

    class FrameBuffer(Rects):
        """Pure-Python MONO_HLSB frame buffer: rows of ceil(stride/8) bytes, bit 7 = leftmost."""

        def __init__(self, buf, width, height, fmt, stride=None):
            if fmt != MONO_HLSB:
                raise ValueError("only MONO_HLSB is implemented on CPython")
            self.buf = buf
            self.width = width
            self.height = height
            self.stride = width if stride is None else stride
            self.rowbytes = (self.stride + 7) >> 3
            if len(buf) < self.rowbytes * height:
                raise ValueError("buffer too small")

        def fill(self, c):
            # framebuf.c fills the width x height rectangle only: the padding bits at the end
            # of each row (122..127 on this panel) keep whatever they held.
            self.fill_rect(0, 0, self.width, self.height, c)

        def pixel(self, x, y, c=None):
            if not (0 <= x < self.width and 0 <= y < self.height):
                return None  # framebuf ignores and reads nothing outside the buffer
            i = y * self.rowbytes + (x >> 3)
            bit = 0x80 >> (x & 7)
            if c is None:
                return 1 if self.buf[i] & bit else 0
            if c:
                self.buf[i] |= bit
            else:
                self.buf[i] &= ~bit & 0xFF

        def fill_rect(self, x, y, w, h, c):
            # Same clipping as framebuf.c: empty or fully outside rectangles draw nothing.
            if h < 1 or w < 1 or x + w <= 0 or y + h <= 0 or y >= self.height or x >= self.width:
                return
            xend = min(self.width, x + w)
            yend = min(self.height, y + h)
            x = max(x, 0)
            y = max(y, 0)
            buf = self.buf
            rb = self.rowbytes
            # Per row: a partial first byte, whole bytes, a partial last byte (bit 7 = left).
            b0, b1 = x >> 3, (xend - 1) >> 3
            m0 = 0xFF >> (x & 7)
            m1 = (0xFF << (7 - ((xend - 1) & 7))) & 0xFF
            for yy in range(y, yend):
                i = yy * rb
                if b0 == b1:
                    self._mask(i + b0, m0 & m1, c)
                    continue
                self._mask(i + b0, m0, c)
                if b1 > b0 + 1:
                    buf[i + b0 + 1 : i + b1] = (b"\xff" if c else b"\x00") * (b1 - b0 - 1)
                self._mask(i + b1, m1, c)

        def _mask(self, i, m, c):
            if c:
                self.buf[i] |= m
            else:
                self.buf[i] &= ~m & 0xFF
