# The outline primitives every drawing surface derives from its own fill_rect: the CPython
# FrameBuffer stand-in (fb.py) and the landscape Canvas (canvas.py, which maps fill_rect onto
# the portrait panel). One definition, so both draw lines and boxes alike.


class Rects:
    """hline, vline and rect in terms of self.fill_rect(x, y, w, h, c)."""

    def hline(self, x, y, w, c):
        self.fill_rect(x, y, w, 1, c)

    def vline(self, x, y, h, c):
        self.fill_rect(x, y, 1, h, c)

    def rect(self, x, y, w, h, c, fill=False):
        if fill:
            self.fill_rect(x, y, w, h, c)
            return
        self.fill_rect(x, y, w, 1, c)
        self.fill_rect(x, y + h - 1, w, 1, c)
        self.fill_rect(x, y, 1, h, c)
        self.fill_rect(x + w - 1, y, 1, h, c)
