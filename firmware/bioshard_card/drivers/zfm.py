# Driver for the R307 / R503 / AS608 ("ZFM") optical fingerprint sensors over a UART.
#
# The card never lets the sensor match or store fingerprints (its flash is outside our
# trust boundary): it only captures images (GetImage) and uploads them (UpImage) so the
# key can be re-derived on the card. So the image path is the hot one: 36,864 bytes in
# 288 data packets, each read straight into the caller's preallocated bytearray and each
# checked by the link layer (zfm_link.py), which also resynchronises after any failure so
# the driver stays usable. This module is the command layer.
try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

from . import zfm_codes as C
from .zfm_codes import ZFMError, ZFMTimeout, ZFMProtocolError, ZFMChecksumError, ZFMException  # noqa: F401
from .zfm_link import ZFMLink, ticks_ms, ticks_diff, sleep_ms
from .zfm_packet import PACKET_SIZES
from .zfm_image import IMAGE_BYTES

_POLL_ERRORS_MAX = const(3)  # garbled GetImage replies in a row before wait_finger gives up

# AuraLedConfig (R503) modes and colours
LED_BREATHE = const(1)
LED_FLASH = const(2)
LED_ON = const(3)
LED_OFF = const(4)
LED_FADE_ON = const(5)
LED_FADE_OFF = const(6)
LED_RED = const(1)
LED_BLUE = const(2)
LED_PURPLE = const(3)


class SysPara:
    """ReadSysPara result. packet_size in bytes, baud in bit/s."""

    def __init__(self, p):
        self.status = (p[0] << 8) | p[1]
        self.system_id = (p[2] << 8) | p[3]
        self.capacity = (p[4] << 8) | p[5]
        self.security_level = (p[6] << 8) | p[7]
        self.address = (p[8] << 24) | (p[9] << 16) | (p[10] << 8) | p[11]
        code = (p[12] << 8) | p[13]
        if code >= len(PACKET_SIZES):
            raise ZFMProtocolError("bad packet size code %d" % code)
        self.packet_size = PACKET_SIZES[code]
        self.baud = 9600 * ((p[14] << 8) | p[15])

    def __repr__(self):
        return "SysPara(capacity=%d, security_level=%d, packet_size=%d, baud=%d, status=0x%04x)" % (
            self.capacity, self.security_level, self.packet_size, self.baud, self.status)


class ZFM(ZFMLink):
    def __init__(self, uart, address=0xFFFFFFFF, password=0, timeout_ms=2000, poll_ms=50):
        super().__init__(uart, address, timeout_ms)
        self.password = password
        self.poll_ms = poll_ms  # pause between GetImage polls (never a busy loop)
        self.has_aura_led = None  # None = not tried yet, then True/False
        self._poll_errors = 0

    # ---- commands --------------------------------------------------------------------

    def verify_password(self):
        """VfyPwd. True, or ZFMError WRONG_PASSWORD."""
        p = self.password
        self._command(C.CMD_VFY_PWD, bytes(((p >> 24) & 0xFF, (p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF)))
        return True

    def read_sys_para(self):
        """ReadSysPara: a SysPara (capacity, security level, packet size, baud...)."""
        _, p = self._command(C.CMD_READ_SYS_PARA)
        if len(p) < 16:
            raise ZFMProtocolError("short system parameters")
        sp = SysPara(p)
        self.packet_size = sp.packet_size
        return sp

    def set_sys_para(self, register, value):
        """SetSysPara: 4 = baud (N x 9600), 5 = security level, 6 = packet size code."""
        self._command(C.CMD_SET_SYS_PARA, bytes((register, value)))

    def set_baud(self, baud):
        """Switch sensor and UART to `baud` (9600..115200, multiple of 9600). At 57600 an
        image upload takes ~7 s on the wire, at 115200 ~3.5 s. The setting persists in the
        sensor's flash, so boards must open the UART at the baud they last set: the boards
        use zfm_link_setup.bring_up at boot instead, which probes and survives power cuts."""
        n = baud // 9600
        if n < 1 or n > 12 or n * 9600 != baud:
            raise ValueError("baud must be N x 9600, N = 1..12")
        self.set_sys_para(4, n)  # acknowledged at the old rate
        if hasattr(self._uart, "init"):
            self._uart.init(baudrate=baud)

    def set_packet_size(self, size):
        """Data packet size 32/64/128/256 bytes (fewer headers per image at 256)."""
        self.set_sys_para(6, PACKET_SIZES.index(size))
        self.packet_size = size

    def template_count(self):
        _, p = self._command(C.CMD_TEMPLATE_NUM)
        if len(p) < 2:
            raise ZFMProtocolError("short template count")
        return (p[0] << 8) | p[1]

    def get_image(self):
        """GetImage: True when a finger was imaged, False when none is on the sensor."""
        code, _ = self._command(C.CMD_GET_IMAGE, ok=(C.OK, C.NO_FINGER))
        return code == C.OK

    def _poll(self, want_finger):
        # One GetImage attempt; True when the finger state is the wanted one. A failed
        # capture (0x03: finger moving, partial contact) counts as "finger there, not imaged".
        # A garbled reply (line noise) counts as "not yet" a few times in a row, so one bad
        # byte does not abort a 15-second wait; the third in a row is raised.
        try:
            have = self.get_image()
        except ZFMError as e:
            if e.code != C.IMAGE_FAIL:
                raise
            return False
        except ZFMProtocolError:
            self._poll_errors += 1
            if self._poll_errors >= _POLL_ERRORS_MAX:
                self._poll_errors = 0
                raise
            return False
        self._poll_errors = 0
        return have == want_finger

    def wait_finger(self, timeout_ms=10000):
        """Poll until a finger is imaged (image buffer filled); ZFMTimeout otherwise."""
        self._wait(True, timeout_ms)

    def wait_finger_removed(self, timeout_ms=10000):
        """Poll until the sensor reports no finger; ZFMTimeout otherwise."""
        self._wait(False, timeout_ms)

    def _wait(self, want_finger, timeout_ms):
        start = ticks_ms()
        while not self._poll(want_finger):
            if ticks_diff(ticks_ms(), start) >= timeout_ms:
                raise ZFMTimeout("finger %s" % ("not placed" if want_finger else "not removed"))
            sleep_ms(self.poll_ms)

    async def wait_finger_async(self, timeout_ms=10000):
        """wait_finger for the asyncio app: yields to other tasks between polls."""
        await self._wait_async(True, timeout_ms)

    async def wait_finger_removed_async(self, timeout_ms=10000):
        await self._wait_async(False, timeout_ms)

    async def _wait_async(self, want_finger, timeout_ms):
        import asyncio

        start = ticks_ms()
        while not self._poll(want_finger):
            if ticks_diff(ticks_ms(), start) >= timeout_ms:
                raise ZFMTimeout("finger %s" % ("not placed" if want_finger else "not removed"))
            if hasattr(asyncio, "sleep_ms"):
                await asyncio.sleep_ms(self.poll_ms)
            else:
                await asyncio.sleep(self.poll_ms / 1000)

    def upload_image(self, buf):
        """UpImage into buf (bytearray(36864), packed 4-bit, see zfm_image). Returns 36864."""
        if len(buf) != IMAGE_BYTES:
            raise ValueError("image buffer must be %d bytes" % IMAGE_BYTES)
        self._command(C.CMD_UP_IMAGE)
        n = self._receive_data(buf)
        if n != IMAGE_BYTES:
            raise ZFMProtocolError("image of %d bytes, expected %d" % (n, IMAGE_BYTES))
        return n

    def img2tz(self, slot=1):
        """Img2Tz: features of the image buffer into char buffer `slot` (sensor-side)."""
        self._command(C.CMD_IMG2TZ, bytes((slot,)))

    def up_char(self, buf, slot=1):
        """UpChar: the char buffer's template into buf; returns its length."""
        self._command(C.CMD_UP_CHAR, bytes((slot,)))
        return self._receive_data(buf)

    def led_control(self, mode=LED_ON, color=LED_BLUE, speed=0x80, cycles=0):
        """R503 AuraLedConfig. True if applied; False on sensors without the ring LED.

        An R307/AS608 answers the unknown instruction with an error code or not at all;
        either way the driver remembers it and later calls cost nothing.
        """
        if self.has_aura_led is False:
            return False
        try:
            self._command(C.CMD_AURA_LED, bytes((mode, speed, color, cycles)), timeout_ms=500)
        except (ZFMError, ZFMTimeout):
            if self.has_aura_led is None:
                self.has_aura_led = False
                return False
            raise
        self.has_aura_led = True
        return True
