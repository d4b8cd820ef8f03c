# Bus-level stand-ins for the simulated card (boards/sim.py), MicroPython unix port.
#
# Each object has the exact interface of the machine.* object it replaces, and carries the
# exact bytes the real bus would carry to a CPython simulator on a Unix socket (wire formats in
# docs/architecture.md). The drivers above them are the hardware drivers, unchanged.
import socket
import struct
import time

try:
    import select
except ImportError:  # pragma: no cover - every port we run on has select
    select = None


def _connect(path, attempts=50):
    # The simulator creates its sockets before it starts the card; retry briefly anyway so a
    # slow start is not a crash.
    last = None
    for _ in range(attempts):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # MicroPython's unix port takes a raw struct sockaddr_un, not a path string.
            s.connect(struct.pack("H", socket.AF_UNIX) + path.encode() + b"\0")
            return s
        except OSError as e:
            last = e
            s.close()
            time.sleep_ms(100)
    raise OSError("sim peripheral socket %s not reachable: %s" % (path, last))


def _readable(sock, timeout_ms):
    p = select.poll()
    p.register(sock, select.POLLIN)
    return bool(p.poll(timeout_ms))


# The card -> sensor direction carries the UART's baud rate with the bytes, so the simulator
# can do what a real sensor does with bytes sent at the wrong rate (decode them as the
# garbage they are): after LINE_MAGIC, records b"B" + u32 BE baud (the UART was re-opened)
# and b"D" + u16 BE length + bytes (one write). Sensor -> card stays the raw byte stream;
# the simulator garbles it itself when the two rates differ. (host/bioshard/sim/uart_line.py)
LINE_MAGIC = b"\x00ZFMLINE1"


class SimUART:
    """machine.UART over a Unix stream socket: the ZFM sensor's byte stream, with its rate."""

    def __init__(self, path, timeout_ms=1000, baudrate=57600):
        self._s = _connect(path)
        self.timeout_ms = timeout_ms
        self._s.send(LINE_MAGIC)
        self.init(baudrate)

    def init(self, baudrate=0, timeout=None, **_):
        # Like machine.UART.init: only the settings given change.
        if timeout is not None:
            self.timeout_ms = timeout
        if baudrate:
            self.baudrate = baudrate
            self._s.send(b"B" + struct.pack(">I", baudrate))

    def write(self, buf):
        mv = memoryview(buf)
        for i in range(0, len(buf), 0xFFFF):
            part = mv[i : i + 0xFFFF]
            self._s.send(b"D" + struct.pack(">H", len(part)))
            self._s.send(part)
        return len(buf)

    def any(self):
        return 1 if _readable(self._s, 0) else 0

    def read(self, n=None):
        # machine.UART.read(n): wait up to the timeout for data, return what arrived or None.
        n = n or 4096
        out = b""
        deadline = time.ticks_add(time.ticks_ms(), self.timeout_ms)
        while len(out) < n:
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0 or not _readable(self._s, left):
                break
            chunk = self._s.recv(n - len(out))
            if not chunk:
                break
            out += chunk
        return out or None

    def readinto(self, buf, nbytes=None):
        n = len(buf) if nbytes is None else nbytes
        mv = memoryview(buf)
        got = 0
        deadline = time.ticks_add(time.ticks_ms(), self.timeout_ms)
        while got < n:
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0 or not _readable(self._s, left):
                break
            k = self._s.readinto(mv[got:n]) if hasattr(self._s, "readinto") else None
            if k is None:
                chunk = self._s.recv(n - got)
                k = len(chunk)
                mv[got : got + k] = chunk
            if not k:
                break
            got += k
        return got or None

    def deinit(self):
        self._s.close()


class SimPin:
    """machine.Pin for outputs (CS, DC, RST) and inputs fed by the simulator (BUSY, button)."""

    def __init__(self, name, value=0, on_change=None):
        self.name = name
        self._v = value
        self._on_change = on_change

    def value(self, v=None):
        if v is None:
            return self._v
        v = 1 if v else 0
        if v != self._v and self._on_change:
            self._on_change(self.name, v)
        self._v = v

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class SimSPI:
    """machine.SPI whose transfers go to the SSD1680 simulator, tagged with the DC level."""

    def __init__(self, path):
        self._s = _connect(path)
        self.dc = SimPin("dc", 0)
        self.cs = SimPin("cs", 1)
        self.rst = SimPin("rst", 1, self._reset_edge)
        self.busy = SimPin("busy", 0)

    def _reset_edge(self, _name, level):
        self._s.send(b"R" + bytes((level,)))

    def write(self, buf):
        # Large panel writes are split only to fit the u16 length field.
        mv = memoryview(buf)
        dc = b"\x01" if self.dc.value() else b"\x00"
        for i in range(0, len(buf), 0xFFFF):
            part = mv[i : i + 0xFFFF]
            self._s.send(b"S" + dc + struct.pack(">H", len(part)))
            self._s.send(part)


class SimGPIO:
    """Input levels pushed by the simulator (buttons): b"G" + len + name + level records. The
    other way, the screen the card shows: b"V" + u16 BE len + JSON [name, arg, ...]."""

    def __init__(self, path):
        self._s = _connect(path)
        self._buf = b""
        self.pins = {}

    def screen(self, name, args):
        import json

        try:
            raw = json.dumps([name] + list(args))
        except (TypeError, ValueError):  # an argument JSON cannot carry: the name still tells
            raw = json.dumps([name])
        raw = raw.encode()
        self._s.send(b"V" + struct.pack(">H", len(raw)) + raw)

    def pin(self, name, idle=1):
        p = self.pins.get(name)
        if p is None:
            p = SimPin(name, idle)
            p.value = self._reader(p)
            self.pins[name] = p
        return p

    def _reader(self, p):
        def value(v=None):
            self.poll()
            return SimPin.value(p, v)

        return value

    def poll(self):
        while _readable(self._s, 0):
            chunk = self._s.recv(256)
            if not chunk:
                break
            self._buf += chunk
        b = self._buf
        while len(b) >= 2 and b[0] == 0x47 and len(b) >= 3 + b[1]:
            n = b[1]
            name = b[2 : 2 + n].decode()
            level = b[2 + n]
            SimPin.value(self.pin(name), level)
            b = b[3 + n :]
        self._buf = b
