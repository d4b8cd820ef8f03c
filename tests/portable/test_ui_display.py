# heapsize: 100k
# bioshard_card.ui.display: screens go to the panel with partial refreshes and a periodic full
# one. The fake bus only keeps the update-sequence parameters (0x22), so this fits 100 KB.
from bioshard_card.ui import screens  # first: its fonts need 4 KB blocks of a fresh heap
from bioshard_card.drivers.ssd1680 import SSD1680
from bioshard_card.ui import display
from pin_fake import Pin


class SeqSPI:
    """Remembers the parameter byte sent after each 0x22 (display update control 2)."""

    def __init__(self, dc):
        self.dc = dc
        self.after_22 = False
        self.sequences = []

    def write(self, buf):
        if self.dc.level == 0:
            self.after_22 = buf[0] == 0x22
        elif self.after_22:
            self.sequences.append(buf[0])
            self.after_22 = False


def test_display_refreshes_partially_with_a_periodic_full_refresh():
    dc = Pin()
    spi = SeqSPI(dc)
    d = display.Display(SSD1680(spi, Pin(), dc, Pin(), Pin(0)))
    modes = []
    for i in range(2 * display.FULL_EVERY + 2):
        spi.sequences = []
        d.show(screens.pairing, "%06d" % i, full=(i == 12))
        assert len(spi.sequences) == 1
        modes.append({0xF7: "F", 0xFF: "p"}[spi.sequences[0]])
    # first refresh full (no base yet), explicit full at 12, and a full one after FULL_EVERY partials
    assert "".join(modes) == "F" + "p" * 8 + "F" + "pp" + "F" + "p" * 5, "".join(modes)
    d.sleep()
    spi.sequences = []
    d.show(screens.splash, "0.1.0")
    assert spi.sequences == [0xF7]  # after deep sleep the glass state is unknown: full refresh


def test_a_board_hook_hears_each_screen_before_its_refresh():
    # The simulator's board defines screen_shown (its owner reads the screen); real boards do
    # not, and then nothing is reported.
    dc = Pin()
    spi = SeqSPI(dc)
    heard = []

    class Board:
        PANEL_WIDTH = 122
        PANEL_HEIGHT = 250

        def panel_bus(self):
            return spi, Pin(), dc, Pin(), Pin(0)

        def screen_shown(self, name, args):
            heard.append((name, args, len(spi.sequences)))

    d = display.Display.from_board(Board())
    d.show(screens.pairing, "042917")
    assert heard == [("pairing", ("042917",), 0)]  # told before the panel refresh
    del Board.screen_shown
    d = display.Display.from_board(Board())
    d.show(screens.splash, "0.1.0")
    assert len(heard) == 1 and d.shown is None
