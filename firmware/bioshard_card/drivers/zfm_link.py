# ZFM link layer: packets over the UART, with every check and the resync after a failure.
#
# Reads stream straight into caller buffers (uart.readinto + memoryview): no per-byte
# objects, no list-of-ints, no recursion. A framing failure (timeout, bad start code,
# address, PID, length or checksum) drains the line until it is quiet before raising, so the
# next command starts on a packet boundary. The command layer is zfm.py; this split keeps
# each module small enough to compile from source in the card's 100 KB heap.
#
# uart: the board contract's UART-like object (write, read(n), readinto(buf), any()),
# where read/readinto return None when nothing arrived within the UART's own timeout.
try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

from . import zfm_codes as C
from .zfm_codes import ZFMError, ZFMTimeout, ZFMProtocolError, ZFMException
from .zfm_packet import HEADER_LEN, PACKET_SIZES, finish_into, parse_header, check

from ..ticks import sleep_ms, ticks_diff, ticks_ms  # also what zfm_link_setup uses
from ..ticks import ticks_add as _add


_ACK_MAX = const(64)  # largest acknowledge payload we accept (ReadIndex: 33 bytes)
_DRAIN_QUIET_MS = const(60)  # line silent this long = the sensor finished talking
_DRAIN_MAX_MS = const(12000)  # longer than a whole image upload at 57600 baud


class ZFMLink:
    def __init__(self, uart, address=0xFFFFFFFF, timeout_ms=2000):
        self._uart = uart
        self.address = address
        self.timeout_ms = timeout_ms  # per packet: command -> ack, and between data packets
        self.packet_size = None  # when known, every data packet must have exactly this size
        self.quiet_ms = _DRAIN_QUIET_MS  # silence that ends a resync drain
        self._tx = bytearray(32)  # the longest command we send is 16 bytes
        self._hdr = bytearray(HEADER_LEN)
        self._ck = bytearray(2)
        self._ack = bytearray(_ACK_MAX)
        self._scratch = bytearray(64)

    def _read_exact(self, mv, timeout_ms):
        # Streams into mv (a memoryview) until full; ZFMTimeout if the line goes quiet.
        n = len(mv)
        got = 0
        deadline = _add(ticks_ms(), timeout_ms)
        uart = self._uart
        while got < n:
            r = uart.readinto(mv[got:])
            if r:
                got += r
                continue
            if ticks_diff(deadline, ticks_ms()) <= 0:
                raise ZFMTimeout("sensor timeout: got %d of %d bytes" % (got, n))
            sleep_ms(1)

    def _discard_pending(self):
        # Read only what any() says is there: readinto(buf) on a UART waits for a full buf.
        # (any() is a byte count on ESP32 and at least 1 in the simulator.)
        n = self._uart.any()
        if not n:
            return False
        s = memoryview(self._scratch)
        return bool(self._uart.readinto(s[:min(n, len(s))]))

    def _flush_input(self):
        # Stale bytes (late reply, power-on 0x55) must not be taken for the next answer.
        # Bounded like drain(): a line that never stops talking (noise) must not hang us.
        start = ticks_ms()
        while self._discard_pending() and ticks_diff(ticks_ms(), start) < _DRAIN_MAX_MS:
            pass

    def drain(self):
        """Discard input until the line has been silent quiet_ms (resync after an error)."""
        quiet_ms = self.quiet_ms
        start = last = ticks_ms()
        while ticks_diff(ticks_ms(), start) < _DRAIN_MAX_MS:
            if self._discard_pending():
                last = ticks_ms()
            elif ticks_diff(ticks_ms(), last) >= quiet_ms:
                return
            else:
                sleep_ms(2)

    def _send(self, cmd, params=b""):
        self._flush_input()
        tx = self._tx
        n = len(params)
        tx[HEADER_LEN] = cmd
        tx[HEADER_LEN + 1:HEADER_LEN + 1 + n] = params
        m = finish_into(tx, self.address, C.PID_COMMAND, 1 + n)
        self._uart.write(memoryview(tx)[:m])

    def _read_packet(self, into, want_pid, timeout_ms):
        # One packet: header, payload straight into `into` (memoryview), checksum.
        # Returns (pid, payload length). Raises without draining (callers drain once).
        hdr = memoryview(self._hdr)
        self._read_exact(hdr, timeout_ms)
        _, pid, n = parse_header(hdr, self.address)
        if pid not in want_pid:
            raise ZFMProtocolError("unexpected packet ID 0x%02x" % pid)
        if n > len(into):
            raise ZFMProtocolError("packet of %d bytes, room for %d" % (n, len(into)))
        body = into[:n]
        self._read_exact(body, timeout_ms)
        ck = memoryview(self._ck)
        self._read_exact(ck, timeout_ms)
        check(pid, body, ck)
        return pid, n

    def _command(self, cmd, params=b"", timeout_ms=None, ok=(C.OK,)):
        """Send a command, read its acknowledge; return (code, ack payload after the code).

        Framing failures drain the line and raise; confirmation codes outside `ok` raise
        ZFMError.
        """
        self._send(cmd, params)
        ack = memoryview(self._ack)
        try:
            _, n = self._read_packet(ack, (C.PID_ACK,), timeout_ms or self.timeout_ms)
        except ZFMException:
            self.drain()
            raise
        if n < 1:
            self.drain()
            raise ZFMProtocolError("empty acknowledge")
        code = ack[0]
        if code not in ok:
            raise ZFMError(code, cmd)
        return code, ack[1:n]

    def _receive_data(self, buf):
        # Data packets (PID 0x02 ... 0x08) after an acknowledge, straight into buf.
        mv = memoryview(buf)
        total = len(buf)
        got = 0
        size = self.packet_size
        want = (C.PID_DATA, C.PID_END)
        try:
            while True:
                if got >= total:
                    raise ZFMProtocolError("sensor sent more than %d bytes" % total)
                pid, n = self._read_packet(mv[got:], want, self.timeout_ms)
                if n == 0 or (size and (n > size or (pid == C.PID_DATA and n != size))):
                    raise ZFMProtocolError("data packet of %d bytes, packet size %s" % (n, size))
                if not size and n not in PACKET_SIZES and pid == C.PID_DATA:
                    raise ZFMProtocolError("data packet of %d bytes" % n)
                got += n
                if pid == C.PID_END:
                    return got
        except ZFMException:
            self.drain()
            raise
