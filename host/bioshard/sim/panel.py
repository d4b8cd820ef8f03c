"""SSD1680 e-ink panel simulator: SPI command/data bytes in, PNG/PBM of the glass out.

It consumes the panel.sock record stream of docs/architecture.md (``b"S" + dc + len u16 BE +
bytes`` per SPI transfer, ``b"R" + level`` for the reset line), runs the part of the SSD1680
command state machine the card uses (RAM windows, address counters, data entry mode, writes to
the B/W RAM 0x24 and the RED/"old" RAM 0x26, update control, deep sleep) and renders the visible
B/W RAM on every master activation (0x20) whose sequence includes "display".

Use it directly (``sim.feed(records)``, ``sim.render()``) or serve the socket in a thread
(``PanelServer(sim, path).start()``). See docs/display.md.
"""
import os
import socket
import struct
import threading

from PIL import Image

# Controller geometry: the SSD1680 has RAM for 176 sources x 296 gates; the 2.13" panel shows
# the first 122 x 250 of it.
RAM_X_BYTES = 22
RAM_Y_ROWS = 296
PANEL_W = 122
PANEL_H = 250

DISPLAY_BIT = 0x04  # in the 0x22 sequence: "display" step
MODE2_BIT = 0x08  # in the 0x22 sequence: display mode 2 (partial refresh)


class ProtocolError(ValueError):
    """The byte stream is not a valid panel.sock record stream."""


class SSD1680Sim:
    def __init__(self, out_dir=None, rotation=90, width=PANEL_W, height=PANEL_H, write_pbm=True):
        if rotation not in (0, 90, 270):
            raise ValueError("rotation must be 0 (portrait), 90 or 270")
        self.out_dir = out_dir
        self.rotation = rotation
        self.width = width
        self.height = height
        self.write_pbm = write_pbm
        self.bw = bytearray(b"\xff" * (RAM_X_BYTES * RAM_Y_ROWS))
        self.red = bytearray(b"\xff" * (RAM_X_BYTES * RAM_Y_ROWS))
        self.frames = 0  # renders so far
        self.refreshes = []  # "full" / "partial" per render
        self.ignored = 0  # bytes sent while in deep sleep or reset (a real chip drops them)
        self.callbacks = []
        self.last_image = None
        self._stream = bytearray()
        self._in_reset = False
        self._por()
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)

    # ---- registers -------------------------------------------------------------------------

    def _por(self):
        """Register values after power-on / reset (datasheet defaults)."""
        self.entry = 0x03
        self.x_start, self.x_end = 0, RAM_X_BYTES - 1
        self.y_start, self.y_end = 0, RAM_Y_ROWS - 1
        self.x = 0
        self.y = 0
        self.mux = RAM_Y_ROWS - 1
        self.gate_flags = 0
        self.ram_option = 0
        self.sequence = 0xFF
        self.border = 0xC0
        self.asleep = False
        self.cmd = None
        self.params = bytearray()

    def on_render(self, fn):
        """Register fn(image, info) called after every render; info has index, mode, path."""
        self.callbacks.append(fn)
        return fn

    # ---- record stream ---------------------------------------------------------------------

    def feed(self, data):
        """Consume bytes of the panel.sock stream; partial records are kept for the next call."""
        s = self._stream
        s += data
        i = 0
        n = len(s)
        while i < n:
            op = s[i]
            if op == 0x53:  # "S"
                if n - i < 4:
                    break
                dc = s[i + 1]
                ln = (s[i + 2] << 8) | s[i + 3]
                if n - i < 4 + ln:
                    break
                if dc not in (0, 1):
                    raise ProtocolError("bad dc byte %d" % dc)
                self.spi(dc, bytes(s[i + 4 : i + 4 + ln]))
                i += 4 + ln
            elif op == 0x52:  # "R"
                if n - i < 2:
                    break
                self.reset_line(s[i + 1])
                i += 2
            else:
                raise ProtocolError("unknown record type 0x%02x" % op)
        del s[:i]

    def reset_line(self, level):
        if not level:
            self._in_reset = True
        elif self._in_reset:
            self._in_reset = False
            self._por()  # a reset pulse also wakes the chip from deep sleep

    def spi(self, dc, data):
        """One SPI transfer: dc 0 = command byte(s), 1 = parameters or RAM data."""
        if self._in_reset or self.asleep:
            self.ignored += len(data)
            return
        if dc == 0:
            for b in data:
                self._command(b)
        elif self.cmd in (0x24, 0x26):
            self._write_ram(self.bw if self.cmd == 0x24 else self.red, data)
        elif self.cmd is not None:
            self.params += data
            self._apply_params()

    def _command(self, c):
        if self.asleep:
            self.ignored += 1
            return
        self.cmd = c
        self.params = bytearray()
        if c == 0x12:  # SW reset: registers back to defaults, RAM kept
            self._por()
        elif c == 0x20:
            self._activate()

    def _apply_params(self):
        c, p = self.cmd, self.params
        n = len(p)
        if c == 0x01:
            if n >= 2:
                self.mux = p[0] | ((p[1] & 1) << 8)
            if n >= 3:
                self.gate_flags = p[2]
        elif c == 0x11 and n >= 1:
            self.entry = p[0] & 0x07
        elif c == 0x44 and n >= 2:
            self.x_start, self.x_end = p[0] & 0x3F, p[1] & 0x3F
        elif c == 0x45 and n >= 4:
            self.y_start = p[0] | ((p[1] & 1) << 8)
            self.y_end = p[2] | ((p[3] & 1) << 8)
        elif c == 0x4E and n >= 1:
            self.x = p[0] & 0x3F
        elif c == 0x4F and n >= 2:
            self.y = p[0] | ((p[1] & 1) << 8)
        elif c == 0x21 and n >= 1:
            self.ram_option = p[0]
        elif c == 0x22 and n >= 1:
            self.sequence = p[0]
        elif c == 0x3C and n >= 1:
            self.border = p[0]
        elif c == 0x10 and n >= 1 and p[0] & 0x03:
            self.asleep = True

    def _write_ram(self, ram, data):
        xlo, xhi = sorted((self.x_start, self.x_end))
        ylo, yhi = sorted((self.y_start, self.y_end))
        xinc = self.entry & 1
        yinc = self.entry & 2
        y_first = self.entry & 4
        for b in data:
            if 0 <= self.x < RAM_X_BYTES and 0 <= self.y < RAM_Y_ROWS:
                ram[self.y * RAM_X_BYTES + self.x] = b
            # Advance the counters inside the window, as the chip does: the fast axis wraps
            # to the other end of the window and steps the slow axis.
            if y_first:
                self.y, wrapped = _step(self.y, ylo, yhi, yinc)
                if wrapped:
                    self.x, _ = _step(self.x, xlo, xhi, xinc)
            else:
                self.x, wrapped = _step(self.x, xlo, xhi, xinc)
                if wrapped:
                    self.y, _ = _step(self.y, ylo, yhi, yinc)

    def _activate(self):
        if self.sequence & DISPLAY_BIT:
            self._render_and_save("partial" if self.sequence & MODE2_BIT else "full")

    # ---- output ----------------------------------------------------------------------------

    def portrait_bytes(self, ram=None):
        """The visible B/W RAM as portrait rows of ceil(width/8) bytes (the driver's layout)."""
        ram = self.bw if ram is None else ram
        rb = (self.width + 7) // 8
        rows = min(self.height, self.mux + 1)
        out = bytearray(b"\xff" * (rb * self.height))
        for y in range(rows):
            src = (rows - 1 - y) if self.gate_flags & 0x01 else y  # TB: gates scanned upwards
            out[y * rb : (y + 1) * rb] = ram[src * RAM_X_BYTES : src * RAM_X_BYTES + rb]
        if self.ram_option & 0x08:  # 0x21 A[3]: inverse B/W RAM content
            out = bytearray(b ^ 0xFF for b in out)
        return bytes(out)

    def render(self):
        """PIL image (mode "1", white = 1) of what the glass shows, rotated to landscape."""
        rb = (self.width + 7) // 8
        img = Image.frombytes("1", (rb * 8, self.height), self.portrait_bytes())
        img = img.crop((0, 0, self.width, self.height))
        if self.rotation == 90:  # landscape x runs up the gates (see bioshard_card.ui.canvas)
            img = img.transpose(Image.Transpose.ROTATE_270)
        elif self.rotation == 270:
            img = img.transpose(Image.Transpose.ROTATE_90)
        return img

    def _render_and_save(self, mode):
        img = self.render()
        self.frames += 1
        self.refreshes.append(mode)
        self.last_image = img
        path = None
        if self.out_dir:
            path = os.path.join(self.out_dir, "%04d.png" % self.frames)
            img.save(path)
            if self.write_pbm:
                img.save(path[:-4] + ".pbm")
            tmp = os.path.join(self.out_dir, ".latest.png.tmp")
            img.save(tmp, format="PNG")
            os.replace(tmp, os.path.join(self.out_dir, "latest.png"))  # viewers never see half a file
        info = {"index": self.frames, "mode": mode, "path": path}
        for fn in self.callbacks:
            fn(img, info)

    # ---- socket ----------------------------------------------------------------------------

    def serve_connection(self, conn):
        """Consume one connection until the card closes it."""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            self.feed(data)

    serve_socket = serve_connection  # the name host/bioshard/sim/runner.py uses


def _step(v, lo, hi, inc):
    if inc:
        return (lo, True) if v >= hi else (v + 1, False)
    return (hi, True) if v <= lo else (v - 1, False)


def record(dc, data):
    """Encode one SPI transfer as a panel.sock record (used by tests and fake buses)."""
    return b"S" + bytes([dc]) + struct.pack(">H", len(data)) + bytes(data)


class PanelServer:
    """Serve panel.sock for a simulator in a daemon thread; one card connection at a time."""

    def __init__(self, sim, path):
        self.sim = sim
        self.path = path
        self._sock = None
        self._thread = None
        self._stop = threading.Event()
        self.error = None

    def start(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(self.path)
        self._sock.listen(1)
        self._sock.settimeout(0.2)
        self._thread = threading.Thread(target=self._run, name="panel-sim", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                try:
                    self.sim.serve_connection(conn)
                except ProtocolError as e:  # keep serving; the next connection starts clean
                    self.error = e
                    self.sim._stream = bytearray()

    def stop(self):
        self._stop.set()
        if self._sock:
            self._sock.close()
        if self._thread:
            self._thread.join(timeout=2)
        if os.path.exists(self.path):
            os.unlink(self.path)


class _Pin:
    def __init__(self, on_change=None, level=1):
        self.level = level
        self._on_change = on_change

    def value(self, v=None):
        if v is None:
            return self.level
        v = 1 if v else 0
        if v != self.level and self._on_change:
            self._on_change(v)
        self.level = v


class _DirectSPI:
    def __init__(self, sim, cs, dc):
        self.sim, self.cs, self.dc = sim, cs, dc
        self.transfers = 0

    def write(self, buf):
        if self.cs.level == 0:  # a deselected chip ignores the clock
            self.sim.feed(record(self.dc.level, buf))
            self.transfers += 1


def direct_bus(sim):
    """(spi, cs, dc, rst, busy) wired straight into sim, through the same record encoding as
    panel.sock: for tools and tests that run the card's driver in-process. BUSY reads 0, as in
    the socket simulator, because rendering is synchronous."""
    cs = _Pin()
    dc = _Pin()
    rst = _Pin(lambda v: sim.feed(b"R" + bytes([v])))
    busy = _Pin(level=0)
    return _DirectSPI(sim, cs, dc), cs, dc, rst, busy
