# SSD1680 e-ink controller (Waveshare 2.13" V3/V4, LilyGO T5 2.13": 122 x 250, black/white).
#
# Bus per the board contract: spi.write(buf); cs, dc, rst pins with .value([v]); busy reads 1
# while the controller works. Every command is one spi.write of its byte with DC low, its
# parameters one spi.write with DC high; a frame is a single write of the whole buffer.
#
# Frame layout = the chip's RAM layout: rows of (width + 7) // 8 bytes, MSB = leftmost pixel,
# bit 1 = white, data entry mode 0x03 (X increments, then Y). Landscape is drawn by the UI
# (bioshard_card.ui.canvas), so no rotation or copy happens here.
#
# Refresh: full = both RAMs (0x24 new, 0x26 base) + update sequence 0xF7 (mode 1, flashes, clears
# ghosting). Partial = new image to 0x24, sequence 0xFF (mode 2: only changed pixels move, no
# flashing) and then the same image to 0x26, so the next partial refresh diffs against what
# is actually on the glass.
import time

try:
    from micropython import const
except ImportError:
    const = lambda x: x

try:
    from time import ticks_diff, ticks_ms, sleep_ms
except ImportError:  # CPython

    def ticks_ms():
        return int(time.monotonic() * 1000)

    def ticks_diff(a, b):
        return a - b

    def sleep_ms(ms):
        time.sleep(ms / 1000)

DRIVER_OUTPUT = const(0x01)
DEEP_SLEEP = const(0x10)
DATA_ENTRY = const(0x11)
SW_RESET = const(0x12)
TEMP_SENSOR = const(0x18)
MASTER_ACTIVATION = const(0x20)
UPDATE_CTRL1 = const(0x21)
UPDATE_CTRL2 = const(0x22)
WRITE_RAM_BW = const(0x24)
WRITE_RAM_RED = const(0x26)  # the "old image" base for partial refresh on a B/W panel
BORDER = const(0x3C)
RAM_X_WINDOW = const(0x44)
RAM_Y_WINDOW = const(0x45)
RAM_X_COUNTER = const(0x4E)
RAM_Y_COUNTER = const(0x4F)

SEQ_FULL = const(0xF7)  # clock, analog, temperature, LUT (mode 1), display, power off
SEQ_PARTIAL = const(0xFF)  # same with display mode 2
ENTRY_XINC_YINC = const(0x03)
BORDER_FULL = const(0x05)  # border follows the LUT (white)
BORDER_PARTIAL = const(0x80)  # border held at VSS during partial updates: no border flicker
TEMP_INTERNAL = const(0x80)


class PanelTimeout(OSError):
    """BUSY stayed high: the panel is unplugged, unpowered or its FPC is loose."""


class SSD1680:
    def __init__(self, spi, cs, dc, rst, busy, width=122, height=250, busy_timeout_ms=10000, partial_seq=SEQ_PARTIAL):
        # partial_seq: 0xFF (Waveshare V4: OTP waveform for display mode 2, reloads LUT);
        # 0xFC skips the temperature/LUT reload (GxEPD2 uses it for DEPG0213BN). None turns
        # partial refresh off (V3 glass whose OTP has no mode-2 waveform): every show is full.
        self.spi = spi
        self.cs = cs
        self.dc = dc
        self.rst = rst
        self.busy = busy
        self.width = width
        self.height = height
        self.row_bytes = (width + 7) // 8
        self.buf_size = self.row_bytes * height
        self.busy_timeout_ms = busy_timeout_ms
        self.partial_seq = partial_seq
        self._cmdbuf = bytearray(1)
        self._args = bytearray(4)
        self._based = False  # 0x26 holds what is on the glass: partial refresh is possible
        self._ready = False  # initialised and not in deep sleep
        cs.value(1)
        dc.value(1)
        rst.value(1)

    # ---- bus -------------------------------------------------------------------------------

    def _command(self, cmd, data=None):
        self._cmdbuf[0] = cmd
        self.cs.value(0)
        self.dc.value(0)
        self.spi.write(self._cmdbuf)
        if data is not None:
            self.dc.value(1)
            self.spi.write(data)
        self.cs.value(1)

    def _command_args(self, cmd, *args):
        n = len(args)
        a = self._args
        for i in range(n):
            a[i] = args[i]
        self._command(cmd, memoryview(a)[:n])

    def is_busy(self):
        return self.busy.value() == 1

    def wait_idle(self):
        t0 = ticks_ms()
        while self.busy.value() == 1:
            if ticks_diff(ticks_ms(), t0) > self.busy_timeout_ms:
                raise PanelTimeout("SSD1680 busy for more than %d ms" % self.busy_timeout_ms)
            sleep_ms(5)

    async def wait_idle_async(self):
        """Like wait_idle but yields to other tasks (BLE keeps running during a refresh)."""
        import asyncio  # here, not at the top: callers that never await should not pay 4 KB

        t0 = ticks_ms()
        while self.busy.value() == 1:
            if ticks_diff(ticks_ms(), t0) > self.busy_timeout_ms:
                raise PanelTimeout("SSD1680 busy for more than %d ms" % self.busy_timeout_ms)
            await asyncio.sleep(0.02)

    # ---- setup -----------------------------------------------------------------------------

    def reset(self):
        self.rst.value(1)
        sleep_ms(10)
        self.rst.value(0)
        sleep_ms(2)
        self.rst.value(1)
        sleep_ms(10)
        self.wait_idle()

    def init(self):
        """Hardware + software reset and the register set for this panel (from the datasheet
        and Waveshare's V4 reference): all 250 gates, X/Y increment, full RAM window."""
        self.reset()
        self._command(SW_RESET)
        self.wait_idle()
        last = self.height - 1
        self._command_args(DRIVER_OUTPUT, last & 0xFF, last >> 8, 0x00)
        self._command_args(DATA_ENTRY, ENTRY_XINC_YINC)
        self._command_args(RAM_X_WINDOW, 0, self.row_bytes - 1)
        self._command_args(RAM_Y_WINDOW, 0, 0, last & 0xFF, last >> 8)
        self._command_args(BORDER, BORDER_FULL)
        self._command_args(UPDATE_CTRL1, 0x00, 0x80)  # normal RAM, source S8..S167 (122 px)
        self._command_args(TEMP_SENSOR, TEMP_INTERNAL)
        self._set_counters()
        self.wait_idle()
        self._ready = True
        self._based = False

    def _set_counters(self):
        self._command_args(RAM_X_COUNTER, 0)
        self._command_args(RAM_Y_COUNTER, 0, 0)

    def _write_ram(self, cmd, buf):
        if len(buf) != self.buf_size:
            raise ValueError("frame must be %d bytes" % self.buf_size)
        self._set_counters()
        self._command(cmd, buf)

    # ---- refresh ---------------------------------------------------------------------------

    def _start(self, buf, full):
        if not self._ready:
            self.init()
        if full or not self._based or self.partial_seq is None:
            self._command_args(BORDER, BORDER_FULL)
            self._write_ram(WRITE_RAM_BW, buf)
            self._write_ram(WRITE_RAM_RED, buf)
            self._command_args(UPDATE_CTRL2, SEQ_FULL)
            self._based = True
            partial = False
        else:
            self._command_args(BORDER, BORDER_PARTIAL)
            self._write_ram(WRITE_RAM_BW, buf)
            self._command_args(UPDATE_CTRL2, self.partial_seq)
            partial = True
        self._command(MASTER_ACTIVATION)
        return partial

    def show(self, buf, full=True):
        """Display a frame (bytes of buf_size) and block until the panel is done (~2-3 s full,
        ~0.3-0.5 s partial). The first refresh after init or sleep is always full."""
        if self._start(buf, full):
            self.wait_idle()
            self._write_ram(WRITE_RAM_RED, buf)
        else:
            self.wait_idle()

    async def show_async(self, buf, full=True):
        if self._start(buf, full):
            await self.wait_idle_async()
            self._write_ram(WRITE_RAM_RED, buf)
        else:
            await self.wait_idle_async()

    def clear(self):
        self.show(b"\xff" * self.buf_size, True)

    def sleep(self):
        """Deep sleep (~1 uA); the image stays on the glass. The next show() re-initialises."""
        if self._ready:
            self._command_args(DEEP_SLEEP, 0x01)
        self._ready = False
        self._based = False
