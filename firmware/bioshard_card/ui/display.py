# The app's one entry point to the e-ink: draw a screen function into the single 4000-byte
# frame buffer and put it on the panel. Consecutive screens use partial refresh (fast, no
# flashing); every FULL_EVERY-th refresh is full, to clear the ghosting partial updates leave.
from ..drivers.ssd1680 import SSD1680
from .canvas import Canvas

FULL_EVERY = 8


class Display:
    def __init__(self, panel, rotation=90, shown=None):
        self.panel = panel
        self.shown = shown  # optional board hook: told each screen's name and arguments
        self.canvas = Canvas(rotation=rotation)
        self._partials = FULL_EVERY  # the first refresh is full: the glass state is unknown

    @classmethod
    def from_board(cls, board):
        """Build from the board contract: panel_bus(), PANEL_WIDTH/HEIGHT, optional PANEL_ROTATION
        and screen_shown (the simulator's board: the owner it plays reads the screen)."""
        spi, cs, dc, rst, busy = board.panel_bus()
        panel = SSD1680(spi, cs, dc, rst, busy, board.PANEL_WIDTH, board.PANEL_HEIGHT)
        return cls(panel, getattr(board, "PANEL_ROTATION", 90), getattr(board, "screen_shown", None))

    def _draw(self, screen, args, full):
        screen(self.canvas, *args)
        if self.shown is not None:
            # What the glass is about to show, nothing more: screen arguments are public.
            self.shown(screen.__name__, args)
        if full or self._partials >= FULL_EVERY:
            self._partials = 0
            return True
        self._partials += 1
        return False

    def show(self, screen, *args, full=False):
        """e.g. display.show(screens.pairing, "042917"). Blocks for the refresh."""
        self.panel.show(self.canvas.buf, self._draw(screen, args, full))

    async def show_async(self, screen, *args, full=False):
        await self.panel.show_async(self.canvas.buf, self._draw(screen, args, full))

    def sleep(self):
        self.panel.sleep()
        self._partials = FULL_EVERY
