"""The simulated UART line between the card and a simulated ZFM sensor, both ends.

The baud rate is modelled on the wire: a UART opened at another rate than the sender's gets
what a real mismatched UART gets (`resample`: the bits re-sampled at the wrong rate, i.e.
garbage or nothing). The card's end tells its rate in-band: after LINE_MAGIC its bytes travel
as records, b"B" + u32 BE baud (the UART was re-opened at that rate) and b"D" + u16 BE length +
the bytes sent at that rate (boards/sim_bus.py on the card, `SocketUART` here). A raw peer that
never sends LINE_MAGIC (the unmodified adafruit_fingerprint library) is taken to be at the
sensor's rate. `LineStream` is the sensor's end: exact reads of what its UART decodes.
"""
from __future__ import annotations

import socket
import time

from bioshard_card.drivers import zfm_packet as P

LINE_MAGIC = b"\x00ZFMLINE1"  # boards/sim_bus.py: card -> sensor records carry the UART rate


def resample(data: bytes, tx_baud: int, rx_baud: int) -> bytes:
    """What a UART receiving at rx_baud decodes from `data` sent 8N1 at tx_baud in one burst
    (idle line before and after): the receiver waits for a low level (start bit), samples
    the middle of its own 10 bit times, and delivers the byte whatever the stop bit was
    (framing errors included, as the ESP32 driver does). Same rates: `data` unchanged."""
    if tx_baud == rx_baud:
        return bytes(data)
    bits = bytearray()
    for b in data:
        bits.append(0)
        bits.extend((b >> i) & 1 for i in range(8))
        bits.append(1)
    n = len(bits)
    step = tx_baud / rx_baud  # sender bit times per receiver bit time

    def level(t: float) -> int:
        i = int(t)
        return bits[i] if i < n else 1

    out = bytearray()
    t = 0.0
    while True:
        # next low level at or after t (the sender only changes level at whole bit times)
        i = int(t)
        if level(t) != 0:
            i += 1
            while i < n and bits[i] != 0:
                i += 1
            if i >= n:
                return bytes(out)
            t = float(i)
        if level(t + 0.5 * step) != 0:  # glitch shorter than half a bit: not a start bit
            t = float(int(t) + 1)
            continue
        v = 0
        for k in range(8):
            v |= level(t + (1.5 + k) * step) << k
        out.append(v)
        t += 9.5 * step  # ready for the next start bit after the middle of the stop bit


def _read_exact(recv, n: int) -> bytes:
    """n bytes from recv(max), EOFError if the stream ends (or fails) first."""
    out = bytearray()
    while len(out) < n:
        try:
            chunk = recv(n - len(out))
        except OSError:
            chunk = b""
        if not chunk:
            raise EOFError
        out += chunk
    return bytes(out)


class LineStream:
    """Blocking exact reads/writes over a socket or a (reader, writer) pair of files.

    If the peer opens with LINE_MAGIC, what it sends is records (B: its UART rate, D: bytes
    sent at that rate) and `line_in(rate, data)` turns each D record into what the sensor's
    UART decodes. The record is decoded only when the parser needs its bytes, i.e. after
    the previous command's reply (and any baud change it made) went out, as on the wire."""

    def __init__(self, conn, line_in=None):
        self.rate: int | None = None  # the peer's UART rate; None: raw peer, always matched
        self._line_in = line_in
        self._mode = None  # None: not known yet, "raw", "line"
        self._pending = bytearray()
        if isinstance(conn, socket.socket):
            self._raw_recv = conn.recv
            self._write = conn.sendall
        else:
            reader, writer = conn
            self._raw_recv = getattr(reader, "read1", reader.read)

            def write(b):
                writer.write(b)
                writer.flush()

            self._write = write

    def _raw_exact(self, n: int) -> bytes:
        return _read_exact(self._raw_recv, n)

    def _recv(self, n: int) -> bytes:
        if self._pending:
            out = bytes(self._pending[:n])
            del self._pending[:n]
            return out
        if self._mode is None:
            head = self._raw_exact(1)
            if head == LINE_MAGIC[:1]:
                head += self._raw_exact(len(LINE_MAGIC) - 1)
            self._mode = "line" if head == LINE_MAGIC else "raw"
            if self._mode == "raw":
                self._pending += head
                return self._recv(n)
        if self._mode == "raw":
            try:
                return self._raw_recv(n)
            except OSError:
                return b""
        while not self._pending:
            try:
                op = self._raw_exact(1)
                if op == b"B":
                    self.rate = int.from_bytes(self._raw_exact(4), "big")
                elif op == b"D":
                    data = self._raw_exact(int.from_bytes(self._raw_exact(2), "big"))
                    self._pending += self._line_in(self.rate, data) if self._line_in else data
                else:
                    return b""  # not our record format: end the connection
            except EOFError:
                return b""
        return self._recv(n)

    def read_exact(self, n: int) -> bytes:
        return _read_exact(self._recv, n)

    def sync(self) -> bool:
        """Skip to the next EF 01 start code; False at end of stream."""
        prev = -1
        while True:
            try:
                b = self.read_exact(1)[0]
            except EOFError:
                return False
            if prev == P.START_HI and b == P.START_LO:
                return True
            prev = b

    def write(self, b: bytes) -> None:
        try:
            self._write(b)
        except OSError:
            pass  # the peer went away; the read side ends the loop


class SocketUART:
    """machine.UART semantics over a socket (and pyserial enough for adafruit_fingerprint):
    read(n)/readinto(buf) wait up to `timeout` seconds and return None if nothing came.
    With `baudrate` it speaks the line records (LINE_MAGIC) so the rate is modelled;
    init(baudrate=, timeout= ms) as machine.UART, `.baudrate = x` as pyserial."""

    def __init__(self, sock: socket.socket, timeout: float = 1.0, baudrate: int | None = None):
        self._sock = sock
        self.timeout = timeout
        self._pending = bytearray()
        self._baud = baudrate
        self._line = bool(baudrate)  # raw (no rate, always matched) unless a rate is given
        if self._line:
            sock.sendall(LINE_MAGIC)
            self.baudrate = baudrate

    @property
    def baudrate(self):
        return self._baud

    @baudrate.setter
    def baudrate(self, baud: int) -> None:
        self._baud = baud
        if self._line:
            self._sock.sendall(b"B" + int(baud).to_bytes(4, "big"))

    def init(self, baudrate: int = 0, timeout: int | None = None, **_) -> None:
        if timeout is not None:
            self.timeout = timeout / 1000
        if baudrate:
            self.baudrate = baudrate

    def _pull(self, wait: float | None) -> None:
        self._sock.settimeout(wait)
        try:
            chunk = self._sock.recv(65536)
        except (BlockingIOError, socket.timeout, TimeoutError):
            return
        except OSError:
            return
        if chunk:
            self._pending += chunk

    def any(self) -> int:
        if not self._pending:
            self._pull(0.0)
        return len(self._pending)

    def read(self, n: int = -1):
        deadline = time.monotonic() + self.timeout
        while len(self._pending) < n and time.monotonic() < deadline:
            self._pull(max(deadline - time.monotonic(), 0.001))
        if n < 0:
            n = len(self._pending)
        out = bytes(self._pending[:n])
        del self._pending[:n]
        return out or None

    def readinto(self, buf, nbytes: int | None = None):
        if not self._pending:
            self._pull(self.timeout)
        n = min(len(buf) if nbytes is None else nbytes, len(self._pending))
        if n == 0:
            return None
        buf[:n] = self._pending[:n]
        del self._pending[:n]
        return n

    def write(self, data) -> int:
        data = bytes(data)
        if self._line:
            for i in range(0, len(data), 0xFFFF):
                part = data[i : i + 0xFFFF]
                self._sock.sendall(b"D" + len(part).to_bytes(2, "big") + part)
        else:
            self._sock.sendall(data)
        return len(data)

    def close(self) -> None:
        self._sock.close()

    @property
    def in_waiting(self) -> int:  # pyserial
        return self.any()
