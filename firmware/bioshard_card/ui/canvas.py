# Landscape drawing surface over the panel's native (portrait) RAM layout.
#
# The SSD1680 RAM of the 2.13" panel is 122 px wide (16 bytes a row, MSB = leftmost, 1 = white)
# and 250 rows high. The card is used in landscape (250 x 122). Rotation is done HERE, in the
# drawing layer: the frame buffer is a MONO_HLSB FrameBuffer over exactly the chip's layout, and
# every landscape primitive is mapped onto the transposed portrait primitive (a landscape hline
# is a portrait vline). So the 4000-byte buffer goes to the chip as-is in one SPI write, with
# the default data entry mode (X then Y increment), and no copy or per-byte conversion is needed.
#
# rotation=90 (default) matches Waveshare's landscape: portrait px = y, py = 249 - x.
# rotation=270 is the panel turned the other way:    portrait px = 121 - y, py = x.
try:
    from micropython import const
except ImportError:
    const = lambda x: x

from .fb import FrameBuffer, MONO_HLSB
from .rects import Rects

PANEL_W = const(122)  # RAM / portrait width (gate lines are rows)
PANEL_H = const(250)
WIDTH = const(250)  # landscape, what screens draw on
HEIGHT = const(122)
ROW_BYTES = const(16)
BUF_SIZE = const(4000)  # ROW_BYTES * PANEL_H

BLACK = const(0)  # the chip's BW RAM: 0 = black ink, 1 = white
WHITE = const(1)


def new_buffer():
    return bytearray(BUF_SIZE)


class Canvas(Rects):
    """Landscape (WIDTH x HEIGHT) primitives drawn into a portrait MONO_HLSB panel buffer."""

    def __init__(self, buf=None, rotation=90):
        if rotation not in (90, 270):
            raise ValueError("rotation must be 90 or 270")
        self.buf = new_buffer() if buf is None else buf
        self.fb = FrameBuffer(self.buf, PANEL_W, PANEL_H, MONO_HLSB)
        self.rot90 = rotation == 90
        self.width = WIDTH
        self.height = HEIGHT

    def fill(self, c):
        self.fb.fill(c)

    def pixel(self, x, y, c):
        if self.rot90:
            self.fb.pixel(y, PANEL_H - 1 - x, c)
        else:
            self.fb.pixel(PANEL_W - 1 - y, x, c)

    def fill_rect(self, x, y, w, h, c):
        if w < 1 or h < 1:
            return
        if self.rot90:
            self.fb.fill_rect(y, PANEL_H - x - w, h, w, c)
        else:
            self.fb.fill_rect(PANEL_W - y - h, x, h, w, c)

    def get(self, x, y):
        """Landscape pixel value (for tests and the simulator cross-check)."""
        if self.rot90:
            return self.fb.pixel(y, PANEL_H - 1 - x)
        return self.fb.pixel(PANEL_W - 1 - y, x)
