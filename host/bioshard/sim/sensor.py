"""A wire-level simulator of an R307 / R503 / AS608 ("ZFM") fingerprint sensor.

`ZFMSensorSim` answers ZFM packets on a byte stream exactly as the module would on its UART:
the card's driver (firmware/bioshard_card/drivers/zfm.py, via boards/sim.py's sensor.sock)
and the unmodified `adafruit_fingerprint` library both talk to it. The finger "on the glass"
is set with place_finger()/lift_finger(); GetImage copies it into the image buffer, UpImage
streams that buffer as 4-bit packed data packets. Faults can be injected into the next reply
(corrupt checksum, truncation, dropped bytes, garbage, delay, silence) to test the driver.

Img2Tz is a stub: it answers protocol-correctly and fills the char buffer with a digest of
the image, not real minutiae (the card never uses the sensor's matcher; see docs/sensor.md).

The baud rate is modelled on the wire: a card UART opened at another rate than the sensor's
gets what a real mismatched UART gets (`resample`: the bits re-sampled at the wrong rate,
i.e. garbage or nothing). SetSysPara register 4 (baud) takes effect right after its
acknowledge (or at the next power-up with baud_applies="reboot"), register 6 (packet size)
at once; both live in this object, which outlives card connections like the module's flash
outlives power cuts. The card side tells its rate in-band (boards/sim_bus.LINE_MAGIC); a
raw client that never does is taken to be at the sensor's rate.

Framing is shared with the card: bioshard_card.drivers.zfm_packet.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import socket
import threading
import time

from bioshard_card.drivers import zfm_codes as C
from bioshard_card.drivers import zfm_packet as P
from bioshard_card.drivers.zfm_image import IMAGE_BYTES

MODELS = {
    # model: (capacity, has the R503 Aura ring LED)
    "R307": (1000, False),
    "AS608": (300, False),
    "R503": (200, True),
}
SYSTEM_ID = 0x0009  # "fixed value" in the R307 manual
STATUS_PWD = 0x0004  # status register: password verified
STATUS_IMG = 0x0008  # status register: image buffer holds a valid image
CHAR_BYTES = 512  # R307/AS608 template size (4 packets of 128)
FAULT_KINDS = ("checksum", "truncate", "drop", "garbage", "delay", "silent", "stop", "pid")
_PUBLIC_CMDS = (C.CMD_VFY_PWD, C.CMD_HANDSHAKE, C.CMD_GET_ECHO)  # allowed before VfyPwd
LINE_MAGIC = b"\x00ZFMLINE1"  # boards/sim_bus.py: card -> sensor records carry the UART rate
LEGAL_BAUDS = tuple(9600 * n for n in range(1, 13))


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


class ZFMSensorSim:
    def __init__(self, model: str = "R307", address: int = 0xFFFFFFFF, password: int = 0,
                 packet_size: int = 128, baud: int = 57600, realtime: bool = False,
                 unknown_reply: int | None = C.PACKET_RECEIVE_ERR, baud_applies: str = "ack"):
        if model not in MODELS:
            raise ValueError("model must be one of %s" % ", ".join(MODELS))
        if packet_size not in P.PACKET_SIZES:
            raise ValueError("packet size must be one of %s" % (P.PACKET_SIZES,))
        if baud not in LEGAL_BAUDS:
            raise ValueError("baud must be N x 9600, N = 1..12")
        if baud_applies not in ("ack", "reboot"):
            raise ValueError('baud_applies must be "ack" or "reboot"')
        self.model = model
        self.capacity, self.has_aura_led = MODELS[model]
        self.address = address
        self.password = password
        self.packet_size = packet_size
        self.baud = baud  # the rate the sensor's UART runs at now
        self.baud_setting = baud  # the rate stored in its flash (ReadSysPara reports this)
        self.baud_applies = baud_applies  # "ack": right after SetSysPara's ack; "reboot"
        self.power_cycles = 0
        self.security_level = 3
        self.realtime = realtime  # pace replies at the UART's byte rate
        self.unknown_reply = unknown_reply  # None: stay silent on unknown instructions
        self.verified = password == 0
        self.image = bytearray(b"\xff" * IMAGE_BYTES)  # white: nothing captured
        self.image_valid = False
        self.char = {1: None, 2: None}
        self.library: dict[int, bytes] = {}
        self.led = None  # last AuraLedConfig (mode, speed, colour, cycles)
        self.capture_failures = 0  # the next N GetImage with a finger answer IMAGE_FAIL
        self.commands: list[int] = []  # instruction codes received, in order
        self._finger: bytes | None = None
        self._faults: list[tuple[str, int, object]] = []
        self._expect = None  # ("char", slot) / ("image",) while receiving data packets
        self._rx_data = bytearray()
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self._stop = threading.Event()

    # ---- the finger --------------------------------------------------------------------

    def place_finger(self, image) -> None:
        """Put a finger on the glass: 36,864 packed bytes, a path, a PIL image or a 2-D array,
        or a callable returning one of those, called at every capture (a real finger never
        gives the same image twice: e.g. successive synthetic impressions)."""
        packed = image if callable(image) else _to_packed(image)
        with self._lock:
            self._finger = packed

    def lift_finger(self) -> None:
        with self._lock:
            self._finger = None

    @property
    def finger_present(self) -> bool:
        return self._finger is not None

    # ---- fault injection ---------------------------------------------------------------

    def inject_fault(self, kind: str, packet: int = 0, arg=None) -> None:
        """Damage packet number `packet` (0 = the acknowledge) of the NEXT reply, once.

        checksum: flip checksum bits; truncate: keep only `arg` bytes; drop: lose byte `arg`;
        garbage: `arg` random bytes before it; delay: wait `arg` ms before it; pid: replace
        the packet ID with `arg`; silent: send nothing from it on; stop: send it, then stop.
        """
        if kind not in FAULT_KINDS:
            raise ValueError("fault kind must be one of %s" % ", ".join(FAULT_KINDS))
        with self._lock:
            self._faults.append((kind, packet, arg))

    def _apply_faults(self, packets: list[bytes]) -> list[bytes | float]:
        with self._lock:
            faults, self._faults = self._faults, []
        out: list[bytes | float] = []
        for i, pkt in enumerate(packets):
            here = [(k, a) for k, p, a in faults if p == i]
            pkt = bytearray(pkt)
            stop = False
            for kind, arg in here:
                if kind == "silent":
                    return out
                if kind == "checksum":
                    pkt[-1] ^= 0x5A
                elif kind == "truncate":
                    pkt = pkt[: int(arg)]
                elif kind == "drop":
                    del pkt[int(arg)]
                elif kind == "garbage":
                    pkt[0:0] = os.urandom(int(arg or 1))
                elif kind == "delay":
                    out.append(float(arg or 100) / 1000)
                elif kind == "pid":
                    pkt[6] = int(arg)
                elif kind == "stop":
                    stop = True
            out.append(bytes(pkt))
            if stop:
                break
        return out

    # ---- protocol ----------------------------------------------------------------------

    def _ack(self, code: int, extra: bytes = b"") -> list[bytes]:
        return [P.encode(self.address, C.PID_ACK, bytes((code,)) + extra)]

    def _data(self, blob: bytes) -> list[bytes]:
        size = self.packet_size
        out = []
        for start in range(0, len(blob), size):
            chunk = blob[start : start + size]
            pid = C.PID_END if start + size >= len(blob) else C.PID_DATA
            out.append(P.encode(self.address, pid, chunk))
        return out

    def _sys_para(self) -> bytes:
        status = (STATUS_PWD if self.verified and self.password else 0) | (STATUS_IMG if self.image_valid else 0)
        return b"".join((
            status.to_bytes(2, "big"), SYSTEM_ID.to_bytes(2, "big"), self.capacity.to_bytes(2, "big"),
            self.security_level.to_bytes(2, "big"), self.address.to_bytes(4, "big"),
            P.PACKET_SIZES.index(self.packet_size).to_bytes(2, "big"), (self.baud_setting // 9600).to_bytes(2, "big"),
        ))

    def _features(self) -> bytes | None:
        # Stub feature extraction: a blank or uniform image has no features (0x07).
        img = bytes(self.image)
        if len(set(img[:: 97])) < 3:
            return None
        out = bytearray()
        seed = hashlib.sha256(b"zfm-sim-char" + img).digest()
        while len(out) < CHAR_BYTES:
            out += hashlib.sha256(seed + len(out).to_bytes(4, "big")).digest()
        out[0:2] = b"\x03\x01"  # R307 char files begin with a type marker
        return bytes(out[:CHAR_BYTES])

    def handle(self, cmd: int, params: bytes) -> list[bytes]:
        """One command's reply packets (acknowledge first, then any data packets)."""
        self.commands.append(cmd)
        if not self.verified and cmd not in _PUBLIC_CMDS:
            return self._ack(C.MUST_VERIFY_PASSWORD)
        h = getattr(self, "_cmd_%02x" % cmd, None)
        if cmd == C.CMD_AURA_LED and not self.has_aura_led:
            h = None
        if h is None:
            return [] if self.unknown_reply is None else self._ack(self.unknown_reply)
        try:
            return h(params)
        except (IndexError, ValueError):
            return self._ack(C.PACKET_RECEIVE_ERR)  # parameters missing or out of range

    def _cmd_13(self, p):  # VfyPwd
        ok = int.from_bytes(p[:4], "big") == self.password and len(p) >= 4
        self.verified = self.verified or ok
        return self._ack(C.OK if ok else C.WRONG_PASSWORD)

    def _cmd_40(self, p):  # HandShake
        return self._ack(C.OK)

    def _cmd_53(self, p):  # GetEcho
        return self._ack(C.MODULE_OK)

    def _cmd_3d(self, p):  # SoftReset: acknowledge, then the power-on handshake byte
        self.image_valid = False
        self.verified = self.password == 0
        return self._ack(C.OK) + [bytes((C.MODULE_OK,))]

    def _cmd_01(self, p):  # GetImage
        with self._lock:
            finger = self._finger
        if finger is None:
            return self._ack(C.NO_FINGER)
        if self.capture_failures > 0:
            self.capture_failures -= 1
            return self._ack(C.IMAGE_FAIL)
        self.image[:] = _to_packed(finger()) if callable(finger) else finger
        self.image_valid = True
        return self._ack(C.OK)

    _cmd_28 = _cmd_01  # GetImageEx

    def _cmd_02(self, p):  # Img2Tz
        slot = p[0]
        if slot not in (1, 2):
            return self._ack(C.PACKET_RECEIVE_ERR)
        if not self.image_valid:
            return self._ack(C.INVALID_IMAGE)
        feats = self._features()
        if feats is None:
            return self._ack(C.FEATURE_FAIL)
        self.char[slot] = feats
        return self._ack(C.OK)

    def _cmd_03(self, p):  # Match
        a, b = self.char[1], self.char[2]
        if a is not None and a == b:
            return self._ack(C.OK, (100).to_bytes(2, "big"))
        return self._ack(C.NO_MATCH, b"\x00\x00")

    def _cmd_04(self, p):  # Search(slot, start, count)
        slot, start, count = p[0], int.from_bytes(p[1:3], "big"), int.from_bytes(p[3:5], "big")
        want = self.char.get(slot)
        for page in range(start, min(start + count, self.capacity)):
            if want is not None and self.library.get(page) == want:
                return self._ack(C.OK, page.to_bytes(2, "big") + (100).to_bytes(2, "big"))
        return self._ack(C.NOT_FOUND, b"\x00\x00\x00\x00")

    _cmd_1b = _cmd_04  # HighSpeedSearch

    def _cmd_05(self, p):  # RegModel
        if self.char[1] is None or self.char[2] is None:
            return self._ack(C.ENROLL_MISMATCH)
        self.char[2] = self.char[1]
        return self._ack(C.OK)

    def _cmd_06(self, p):  # Store(slot, page)
        slot, page = p[0], int.from_bytes(p[1:3], "big")
        if page >= self.capacity:
            return self._ack(C.BAD_LOCATION)
        if self.char.get(slot) is None:
            return self._ack(C.READ_TEMPLATE_FAIL)
        self.library[page] = self.char[slot]
        return self._ack(C.OK)

    def _cmd_07(self, p):  # LoadChar(slot, page)
        slot, page = p[0], int.from_bytes(p[1:3], "big")
        if page >= self.capacity:
            return self._ack(C.BAD_LOCATION)
        if page not in self.library or slot not in (1, 2):
            return self._ack(C.READ_TEMPLATE_FAIL)
        self.char[slot] = self.library[page]
        return self._ack(C.OK)

    def _cmd_08(self, p):  # UpChar(slot)
        blob = self.char.get(p[0])
        if blob is None:
            return self._ack(C.UPLOAD_FEATURE_FAIL)
        return self._ack(C.OK) + self._data(blob)

    def _cmd_09(self, p):  # DownChar(slot): data packets follow from the host
        if p[0] not in (1, 2):
            return self._ack(C.PACKET_RECEIVE_ERR)
        self._expect, self._rx_data = ("char", p[0]), bytearray()
        return self._ack(C.OK)

    def _cmd_0a(self, p):  # UpImage
        return self._ack(C.OK) + self._data(bytes(self.image))

    def _cmd_0b(self, p):  # DownImage
        self._expect, self._rx_data = ("image",), bytearray()
        return self._ack(C.OK)

    def _cmd_0c(self, p):  # DeleteChar(page, n)
        page, n = int.from_bytes(p[0:2], "big"), int.from_bytes(p[2:4], "big")
        if page + n > self.capacity:
            return self._ack(C.DELETE_FAIL)
        for i in range(page, page + n):
            self.library.pop(i, None)
        return self._ack(C.OK)

    def _cmd_0d(self, p):  # Empty
        self.library.clear()
        return self._ack(C.OK)

    def _cmd_0e(self, p):  # SetSysPara(register, value)
        reg, val = p[0], p[1]
        if reg == 4 and 1 <= val <= 12:
            self.baud_setting = 9600 * val  # the UART switches after the ack (see _send)
        elif reg == 5 and 1 <= val <= 5:
            self.security_level = val
        elif reg == 6 and val < len(P.PACKET_SIZES):
            self.packet_size = P.PACKET_SIZES[val]
        else:
            return self._ack(C.INVALID_REGISTER)
        return self._ack(C.OK)

    def _cmd_0f(self, p):  # ReadSysPara
        return self._ack(C.OK, self._sys_para())

    def _cmd_1d(self, p):  # TemplateNum
        return self._ack(C.OK, len(self.library).to_bytes(2, "big"))

    def _cmd_1f(self, p):  # ReadIndexTable(page of 256 entries)
        bits = bytearray(32)
        for i in self.library:
            if i // 256 == p[0]:
                bits[(i % 256) // 8] |= 1 << (i % 8)
        return self._ack(C.OK, bytes(bits))

    def _cmd_35(self, p):  # AuraLedConfig(mode, speed, colour, cycles) - R503 only
        self.led = (p[0], p[1], p[2], p[3])
        return self._ack(C.OK)

    def _receive_data(self, pid: int, payload: bytes) -> None:
        self._rx_data += payload
        if pid != C.PID_END:
            return
        kind, self._expect = self._expect, None
        if kind[0] == "char":
            self.char[kind[1]] = bytes(self._rx_data)
        elif len(self._rx_data) == IMAGE_BYTES:
            self.image[:] = self._rx_data
            self.image_valid = True

    # ---- byte stream -------------------------------------------------------------------

    def serve(self, conn) -> None:
        """Answer packets on `conn` (a socket, or a (reader, writer) pair of binary files)
        until it closes or stop() is called."""
        io = _Stream(conn, self._line_in)
        while not self._stop.is_set():
            try:
                if not io.sync():
                    return
                hdr = bytes((P.START_HI, P.START_LO)) + io.read_exact(P.HEADER_LEN - 2)
                try:
                    addr, pid, n = P.parse_header(hdr)
                except C.ZFMProtocolError:
                    continue  # resync on the next start code
                body = io.read_exact(n + P.CHECKSUM_LEN)
            except EOFError:
                return
            if addr != self.address:
                continue  # addressed to another module on the bus
            try:
                P.check(pid, body[:n], body[n:])
            except C.ZFMChecksumError:
                self._send(io, self._ack(C.PACKET_RECEIVE_ERR))
                continue
            if pid in (C.PID_DATA, C.PID_END) and self._expect:
                self._receive_data(pid, body[:n])
                continue
            if pid != C.PID_COMMAND or n == 0:
                self._send(io, self._ack(C.PACKET_RECEIVE_ERR))
                continue
            self._send(io, self.handle(body[0], body[1:n]))

    def _send(self, io: "_Stream", packets: list[bytes]) -> None:
        # This reply goes out at the current rate; a baud change it acknowledges takes effect
        # right after it (switched before the bytes leave, so nobody can observe the old
        # rate after having seen the ack).
        rate = self.baud
        if self.baud_applies == "ack":
            self.baud = self.baud_setting
        for item in self._apply_faults(packets):
            if isinstance(item, float):
                time.sleep(item)
                continue
            # A card UART at another rate decodes garbage (or nothing) from the burst.
            io.write(item if io.rate in (None, rate) else resample(item, rate, io.rate))
            if self.realtime:
                time.sleep(len(item) * 10 / rate)

    def _line_in(self, rate: int | None, data: bytes) -> bytes:
        """What the sensor's UART decodes from bytes the card sent at `rate`."""
        return data if rate in (None, self.baud) else resample(data, rate, self.baud)

    def power_cycle(self) -> None:
        """The module loses power (the card rebooted): volatile state goes, flash stays."""
        self.power_cycles += 1
        self.baud = self.baud_setting
        self.verified = self.password == 0
        self.image_valid = False
        self._expect = None

    def serve_socket(self, conn) -> None:
        """One card connection (the sim runner's per-connection handler): a fresh link
        means a power-cycled card (and sensor): the password must be verified again, a baud
        change waiting for the power-up applies."""
        self.power_cycle()
        self.serve(conn)

    def start(self, conn) -> threading.Thread:
        """serve(conn) on a daemon thread."""
        t = threading.Thread(target=self.serve, args=(conn,), name="zfm-sim", daemon=True)
        t.start()
        return t

    def serve_unix(self, path: str) -> None:
        """Listen on a Unix socket (BIOSHARD_SIM_DIR/sensor.sock) and serve each card
        connection in turn (a rebooting card reconnects)."""
        if os.path.exists(path):
            os.unlink(path)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        self._server = srv
        try:
            while not self._stop.is_set():
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                with conn:
                    self.serve_socket(conn)
        finally:
            srv.close()

    def start_unix(self, path: str) -> threading.Thread:
        t = threading.Thread(target=self.serve_unix, args=(path,), name="zfm-sim", daemon=True)
        t.start()
        deadline = time.monotonic() + 5
        while self._server is None and time.monotonic() < deadline:
            time.sleep(0.005)
        return t

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()

    @classmethod
    def loopback(cls, timeout: float = 1.0, uart_baud: int | None = None, **kw) -> tuple["ZFMSensorSim", "SocketUART"]:
        """A simulator on a thread and the UART that talks to it (a socketpair). With
        uart_baud the UART has a rate (init(baudrate=...) / .baudrate change it) and the
        simulator garbles what crosses at a mismatched rate; without, it always matches."""
        a, b = socket.socketpair()
        sim = cls(**kw)
        sim.start(a)
        return sim, SocketUART(b, timeout, baudrate=uart_baud)


def _to_packed(image) -> bytes:
    if isinstance(image, (bytes, bytearray, memoryview)) and len(image) == IMAGE_BYTES:
        return bytes(image)
    from .fingerimage import to_sensor_image

    return to_sensor_image(os.fspath(image) if isinstance(image, os.PathLike) else image)


class _Stream:
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
        out = bytearray()
        while len(out) < n:
            try:
                chunk = self._raw_recv(n - len(out))
            except OSError:
                chunk = b""
            if not chunk:
                raise EOFError
            out += chunk
        return bytes(out)

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
        out = bytearray()
        while len(out) < n:
            chunk = self._recv(n - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return bytes(out)

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


def main(argv=None) -> None:
    """python -m bioshard.sim.sensor --sock DIR/sensor.sock [--finger IMAGE]"""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--sock", required=True, help="Unix socket path to listen on")
    ap.add_argument("--finger", help="image kept on the sensor (any PIL-readable file)")
    ap.add_argument("--model", default="R307", choices=sorted(MODELS))
    ap.add_argument("--realtime", action="store_true", help="pace replies at the sensor's current baud rate")
    ap.add_argument("--baud", type=int, default=57600, choices=LEGAL_BAUDS, help="rate the module starts at (factory 57600)")
    ap.add_argument("--packet-size", type=int, default=128, choices=P.PACKET_SIZES)
    args = ap.parse_args(argv)
    sim = ZFMSensorSim(model=args.model, realtime=args.realtime, baud=args.baud, packet_size=args.packet_size)
    if args.finger:
        sim.place_finger(args.finger)
    sim.serve_unix(args.sock)


if __name__ == "__main__":
    main()
