"""The instruction set of an R307 / R503 / AS608 ("ZFM") fingerprint module, without the wire.

`ZFMSensor` holds what the module holds (image buffer, char buffers, template library, system
parameters, the password state) and answers one command at a time with the packets the module
would send back: `handle(cmd, params)`, and `receive_data(pid, payload)` for the data packets
that follow DownChar / DownImage. sensor.py puts it on a byte stream.

The finger "on the glass" is set with place_finger()/lift_finger(); GetImage copies it into the
image buffer, UpImage streams that buffer as 4-bit packed data packets. Img2Tz is a stub: it
answers protocol-correctly and fills the char buffer with a digest of the image, not real
minutiae (the card never uses the sensor's matcher; see docs/sensor.md).

SetSysPara register 4 (baud) changes the stored rate, which the UART takes up right after the
acknowledge (or at the next power-up with baud_applies="reboot"), register 6 (packet size) at
once; both live in this object, which outlives card connections like the module's flash
outlives power cuts.
"""
from __future__ import annotations

import hashlib
import os
import threading

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
LEGAL_BAUDS = tuple(9600 * n for n in range(1, 13))
_PUBLIC_CMDS = (C.CMD_VFY_PWD, C.CMD_HANDSHAKE, C.CMD_GET_ECHO)  # allowed before VfyPwd


class ZFMSensor:
    def __init__(self, model: str = "R307", address: int = 0xFFFFFFFF, password: int = 0,
                 packet_size: int = 128, baud: int = 57600,
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
        self.unknown_reply = unknown_reply  # None: stay silent on unknown instructions
        self.verified = password == 0
        self.image = bytearray(b"\xff" * IMAGE_BYTES)  # white: nothing captured
        self.image_valid = False
        self.char = {1: None, 2: None}
        self.library: dict[int, bytes] = {}
        self.led = None  # last AuraLedConfig (mode, speed, colour, cycles)
        self.capture_failures = 0  # the next N GetImage with a finger answer IMAGE_FAIL
        self.commands: list[int] = []  # instruction codes received, in order
        self.before_capture = None  # called at each GetImage before the glass is read
        self._finger: bytes | None = None
        self._expect = None  # ("char", slot) / ("image",) while receiving data packets
        self._rx_data = bytearray()
        self._lock = threading.Lock()  # the finger is set from another thread than the link's

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

    def power_cycle(self) -> None:
        """The module loses power (the card rebooted): volatile state goes, flash stays."""
        self.power_cycles += 1
        self.baud = self.baud_setting
        self.verified = self.password == 0
        self.image_valid = False
        self._expect = None

    # ---- commands ----------------------------------------------------------------------

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
        if self.before_capture is not None:
            self.before_capture()
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
            self.baud_setting = 9600 * val  # the UART switches after the ack (sensor.py: ZFMSensorSim._send)
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

    # ---- data packets from the host (DownChar / DownImage) -----------------------------

    @property
    def expecting_data(self) -> bool:
        return self._expect is not None

    def receive_data(self, pid: int, payload: bytes) -> None:
        """One data packet after DownChar / DownImage; the END packet stores what came."""
        self._rx_data += payload
        if pid != C.PID_END:
            return
        kind, self._expect = self._expect, None
        if kind[0] == "char":
            self.char[kind[1]] = bytes(self._rx_data)
        elif len(self._rx_data) == IMAGE_BYTES:
            self.image[:] = self._rx_data
            self.image_valid = True


def _to_packed(image) -> bytes:
    if isinstance(image, (bytes, bytearray, memoryview)) and len(image) == IMAGE_BYTES:
        return bytes(image)
    from .fingerimage import to_sensor_image

    return to_sensor_image(os.fspath(image) if isinstance(image, os.PathLike) else image)
