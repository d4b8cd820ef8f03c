# A tiny in-process ZFM sensor behind a machine.UART-like object, small enough for the
# card's 100 KB heap: the image is never stored, its bytes are a function of their index
# and are framed packet by packet as the driver reads. Faults can be injected per packet
# of the next reply. (The full simulator is host/bioshard/sim/sensor.py; this one exists so
# the driver is tested under MicroPython itself.)
from bioshard_card.drivers import zfm_codes as C
from bioshard_card.drivers import zfm_packet as P

IMAGE_BYTES = 36864


def image_byte(i):
    """Packed image byte i of the fake finger (both nibbles vary with position)."""
    return (i * 37 + (i >> 7) * 11 + 5) & 0xFF


def char_byte(i):
    return (i * 13 + 7) & 0xFF


class FakeSensorUart:
    def __init__(self, password=0, address=0xFFFFFFFF, packet_size=128, aura=False, chunk=61):
        self.password = password
        self.address = address
        self.packet_size = packet_size
        self.aura = aura  # R503 ring LED; R307 answers the instruction with `unknown_reply`
        self.unknown_reply = C.PACKET_RECEIVE_ERR  # or None: stay silent
        self.chunk = chunk  # bytes per readinto, to exercise partial reads
        self.finger_script = []  # GetImage outcomes popped per call, then `finger`
        self.finger = False
        self.faults = {}  # packet index in the next reply -> (kind, arg)
        self.commands = []
        self.led = None
        self.baud = 57600
        self.uart_baud = 57600
        self._buf = bytearray(P.OVERHEAD + P.MAX_PAYLOAD)
        self._gen = None
        self._cur = None
        self._pos = 0

    # ---- machine.UART surface ----
    def write(self, data):
        data = bytes(data)
        try:
            _, pid, payload = P.decode(data)
        except C.ZFMException:
            self._reply(self._ack(C.PACKET_RECEIVE_ERR))
            return len(data)
        self.commands.append(payload[0])
        self._reply(self._dispatch(payload[0], payload[1:]))
        return len(data)

    def init(self, baudrate=57600, **kw):  # machine.UART.init
        self.uart_baud = baudrate

    def any(self):
        self._fill()
        return 0 if self._cur is None else len(self._cur) - self._pos

    def readinto(self, buf, nbytes=None):
        self._fill()
        if self._cur is None:
            return None
        n = min(len(buf) if nbytes is None else nbytes, len(self._cur) - self._pos, self.chunk)
        buf[:n] = self._cur[self._pos:self._pos + n]
        self._pos += n
        return n

    def read(self, n):
        b = bytearray(n)
        got = self.readinto(b)
        return bytes(b[:got]) if got else None

    # ---- internals ----
    def _fill(self):
        while self._cur is None or self._pos >= len(self._cur):
            self._cur = None
            self._pos = 0
            if self._gen is None:
                return
            try:
                self._cur = next(self._gen)
            except StopIteration:
                self._gen = None
                return

    def _reply(self, packets):
        faults = self.faults
        self.faults = {}
        self._gen = self._apply(packets, faults)
        self._cur = None

    def _apply(self, packets, faults):
        k = 0
        for pkt in packets:
            kind, arg = faults.get(k, (None, None))
            k += 1
            if kind == "silent":
                return
            if kind == "checksum":
                pkt[len(pkt) - 1] ^= 0x5A
            if kind == "truncate":
                yield pkt[:arg]
                continue
            if kind == "drop":
                yield pkt[:arg]
                yield pkt[arg + 1:]
                continue
            if kind == "garbage":
                yield bytearray(arg)
            if kind == "pid":
                pkt[6] = arg
            if kind == "flip":
                pkt[arg[0] % len(pkt)] ^= arg[1]
            if kind == "replace":
                yield arg
                continue
            yield pkt
            if kind == "stop":
                return

    def _packet(self, pid, payload):
        n = P.build_into(self._buf, self.address, pid, payload)
        return memoryview(self._buf)[:n]

    def _ack(self, code, extra=b""):
        yield self._packet(C.PID_ACK, bytes((code,)) + extra)

    def _data(self, total, byte_fn):
        size = self.packet_size
        buf = self._buf
        for start in range(0, total, size):
            n = min(size, total - start)
            for i in range(n):
                buf[P.HEADER_LEN + i] = byte_fn(start + i)
            pid = C.PID_END if start + n >= total else C.PID_DATA
            yield memoryview(buf)[:P.finish_into(buf, self.address, pid, n)]

    def _ack_then_data(self, total, byte_fn):
        yield self._packet(C.PID_ACK, b"\x00")
        for p in self._data(total, byte_fn):
            yield p

    def _dispatch(self, cmd, params):
        if cmd == C.CMD_VFY_PWD:
            pw = (params[0] << 24) | (params[1] << 16) | (params[2] << 8) | params[3]
            return self._ack(C.OK if pw == self.password else C.WRONG_PASSWORD)
        if cmd == C.CMD_READ_SYS_PARA:
            code = P.PACKET_SIZES.index(self.packet_size)
            a = self.address
            p = bytes((0, 0, 0, 0, 0x03, 0xE8, 0, 3, a >> 24 & 0xFF, a >> 16 & 0xFF, a >> 8 & 0xFF, a & 0xFF, 0, code, 0, self.baud // 9600))
            return self._ack(C.OK, p)
        if cmd == C.CMD_SET_SYS_PARA:
            if params[0] == 6 and params[1] < 4:
                self.packet_size = P.PACKET_SIZES[params[1]]
            elif params[0] == 4 and 1 <= params[1] <= 12:
                self.baud = 9600 * params[1]
            else:
                return self._ack(C.INVALID_REGISTER)
            return self._ack(C.OK)
        if cmd == C.CMD_TEMPLATE_NUM:
            return self._ack(C.OK, b"\x00\x00")
        if cmd == C.CMD_GET_IMAGE:
            outcome = self.finger_script.pop(0) if self.finger_script else self.finger
            if outcome is True:
                return self._ack(C.OK)
            if outcome is False:
                return self._ack(C.NO_FINGER)
            return self._ack(outcome)  # a confirmation code, e.g. IMAGE_FAIL
        if cmd == C.CMD_UP_IMAGE:
            return self._ack_then_data(IMAGE_BYTES, image_byte)
        if cmd == C.CMD_UP_CHAR:
            return self._ack_then_data(512, char_byte)
        if cmd == C.CMD_IMG2TZ:
            return self._ack(C.OK)
        if cmd == C.CMD_AURA_LED and self.aura:
            self.led = tuple(params)
            return self._ack(C.OK)
        if self.unknown_reply is None:
            return iter(())
        return self._ack(self.unknown_reply)
