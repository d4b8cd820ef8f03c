# The boot-time sensor link bring-up (drivers/zfm_link_setup.py) against an in-process fake
# sensor that has a baud rate: a command written while the card's UART is at another rate
# is garbage to the sensor and gets no reply, as on a real line. Runs under CPython and
# MicroPython. (The wire-level version, with real bit re-sampling, is tests/sim/test_sensor_link.py.)
from zfm_fake import FakeSensorUart, IMAGE_BYTES

from bioshard_card.drivers import zfm_codes as C
from bioshard_card.drivers.zfm import ZFM, ZFMError, ZFMTimeout
from bioshard_card.drivers.zfm_link_setup import (
    FAST_BAUD, FAST_PACKET, PROBE_BAUDS, PROBE_ROUNDS, SensorLink, ZFMNoLink, bring_up, open_sensor)

PROBE_MS = 10  # the fake answers at once; a short probe keeps the failing ones cheap


class RateFake(FakeSensorUart):
    """FakeSensorUart with a line rate. baud: the sensor's UART now; setting: its flash.
    at_ack=False: a baud write applies only at the next power-up (reboot())."""

    def __init__(self, baud=57600, packet_size=128, at_ack=True, dead=False, **kw):
        FakeSensorUart.__init__(self, packet_size=packet_size, **kw)
        self.baud = baud
        self.setting = baud
        self.at_ack = at_ack
        self.dead = dead
        self.uart_baud = 0
        self.writes = 0  # packets the card sent (probes included)
        self.flash_writes = 0  # SetSysPara the sensor accepted
        self.inits = []

    def init(self, baudrate=0, timeout=None, **kw):
        if baudrate:
            self.uart_baud = baudrate
            self.inits.append(baudrate)

    def write(self, data):
        self.writes += 1
        if self.dead or self.uart_baud != self.baud:
            return len(data)  # decoded as garbage by the sensor: no valid packet, no reply
        return FakeSensorUart.write(self, data)

    def _dispatch(self, cmd, params):
        if cmd == C.CMD_SET_SYS_PARA:
            self.flash_writes += 1
            if params[0] == 4 and 1 <= params[1] <= 12:
                self.setting = 9600 * params[1]
                if not self.at_ack:
                    return self._ack(C.OK)
        return FakeSensorUart._dispatch(self, cmd, params)

    def reboot(self):
        """Power cut: the sensor comes back at its flash setting, the card's UART is new."""
        self.baud = self.setting
        self.uart_baud = 0
        self.faults = {}
        self._gen = None
        self._cur = None


def test_factory_sensor_ends_at_115200_and_256_byte_packets():
    u = RateFake()
    link = bring_up(u, probe_ms=PROBE_MS)
    assert (link.baud, link.packet_size) == (FAST_BAUD, FAST_PACKET) == (115200, 256)
    assert (u.baud, u.packet_size, u.uart_baud) == (115200, 256, 115200)
    assert link.writes == 2 and u.flash_writes == 2
    assert u.inits[0] == 115200  # the fast rate is probed first
    # and it survives the next boot with no flash write at all
    u.reboot()
    again = bring_up(u, probe_ms=PROBE_MS)
    assert (again.baud, again.packet_size, again.probes, again.writes) == (115200, 256, 1, 0)
    assert u.flash_writes == 2


def test_already_fast_sensor_is_not_rewritten():
    u = RateFake(baud=115200, packet_size=256)
    link = bring_up(u, probe_ms=PROBE_MS)
    assert (link.baud, link.packet_size, link.probes, link.writes) == (115200, 256, 1, 0)
    assert u.flash_writes == 0
    assert C.CMD_SET_SYS_PARA not in u.commands


def test_fast_sensor_with_small_packets_only_gets_the_packet_size():
    u = RateFake(baud=115200, packet_size=32)
    link = bring_up(u, probe_ms=PROBE_MS)
    assert (link.baud, link.packet_size, link.writes) == (115200, 256, 1)
    assert u.flash_writes == 1


def test_sensor_left_at_an_odd_rate_is_found_and_moved():
    for rate in (9600, 19200, 67200, 105600):
        u = RateFake(baud=rate, packet_size=64)
        link = bring_up(u, probe_ms=PROBE_MS)
        assert (link.baud, link.packet_size) == (115200, 256), rate
        # probed in PROBE_BAUDS order up to the rate, then once at the new rate
        assert link.probes == PROBE_BAUDS.index(rate) + 2, (rate, link.probes)


def test_power_cut_right_after_the_baud_ack_recovers_next_boot():
    u = RateFake(packet_size=256)
    u.uart_baud = 57600
    dev = ZFM(u, timeout_ms=50)
    dev.verify_password()
    # The card sends SetSysPara(baud = 12 x 9600) and loses power before reading the ack:
    # the sensor's flash and UART already say 115200, the card's next boot knows nothing.
    dev._send(C.CMD_SET_SYS_PARA, bytes((4, 12)))
    u.reboot()
    assert u.baud == 115200
    link = bring_up(u, probe_ms=PROBE_MS)
    assert (link.baud, link.packet_size, link.probes, link.writes) == (115200, 256, 1, 0)


def test_power_cut_before_the_write_keeps_the_old_rate_and_retries():
    u = RateFake(packet_size=256)
    u.uart_baud = 57600
    ZFM(u, timeout_ms=50).verify_password()
    u.reboot()  # nothing written: the next boot does the whole bring-up
    link = bring_up(u, probe_ms=PROBE_MS)
    assert (link.baud, link.writes) == (115200, 1)


def test_lost_ack_of_the_baud_write_is_recovered_in_the_same_boot():
    u = RateFake(packet_size=256)
    u.uart_baud = 57600
    dev = ZFM(u, timeout_ms=50)
    dev.verify_password()
    u.faults = {}
    # Drop exactly the SetSysPara(4) ack: arm the fault from inside the sensor.
    orig = u._dispatch

    def dispatch(cmd, params):
        if cmd == C.CMD_SET_SYS_PARA and params[0] == 4:
            u.faults = {0: ("silent", None)}
        return orig(cmd, params)

    u._dispatch = dispatch
    u.reboot()
    link = bring_up(u, probe_ms=PROBE_MS)
    assert (link.baud, link.packet_size) == (115200, 256)
    assert u.baud == 115200


def test_sensor_that_applies_the_baud_at_power_up_keeps_working_at_the_old_rate():
    u = RateFake(at_ack=False)
    link = bring_up(u, probe_ms=PROBE_MS)
    # this boot: still 57600 (the sensor did not switch yet), but 256-byte packets
    assert (link.baud, link.packet_size) == (57600, 256)
    assert u.uart_baud == 57600 and u.setting == 115200
    u.reboot()
    link = bring_up(u, probe_ms=PROBE_MS)
    assert (link.baud, link.packet_size, link.probes, link.writes) == (115200, 256, 1, 0)


def test_dead_sensor_raises_the_named_error_after_a_bounded_number_of_probes():
    u = RateFake(dead=True)
    try:
        bring_up(u, probe_ms=PROBE_MS)
    except ZFMNoLink as e:
        assert isinstance(e, ZFMTimeout)  # callers that catch timeouts keep working
        assert "%d probes" % (PROBE_ROUNDS * len(PROBE_BAUDS)) in str(e)
    else:
        assert False, "no error from a dead sensor"
    assert u.writes == PROBE_ROUNDS * len(PROBE_BAUDS) == 24
    assert sorted(set(u.inits[:12])) == sorted(PROBE_BAUDS) and len(PROBE_BAUDS) == 12
    assert u.uart_baud == 115200  # left at the target rate for the app's own VfyPwd
    u2 = RateFake(dead=True)
    try:
        bring_up(u2, probe_ms=PROBE_MS, rounds=1)
    except ZFMNoLink:
        pass
    assert u2.writes == 12


def test_every_legal_rate_is_probed_and_no_other():
    assert len(PROBE_BAUDS) == 12 and len(set(PROBE_BAUDS)) == 12
    for b in PROBE_BAUDS:
        assert b % 9600 == 0 and 1 <= b // 9600 <= 12
    assert PROBE_BAUDS[0] == 115200 and PROBE_BAUDS[1] == 57600


def test_wrong_password_is_a_sensor_error_not_a_missing_link():
    u = RateFake(password=0x1234)
    try:
        bring_up(u, probe_ms=PROBE_MS)
    except ZFMNoLink:
        assert False, "a sensor that answers is not a missing link"
    except ZFMError as e:
        assert e.code == C.WRONG_PASSWORD
    else:
        assert False
    assert u.writes == 2  # 115200 (silence), 57600 (the answer): no further probing
    link = bring_up(RateFake(password=0x1234), password=0x1234, probe_ms=PROBE_MS)
    assert link.baud == 115200


def test_image_at_256_byte_packets_is_identical_to_128():
    u = RateFake(packet_size=128)
    u.uart_baud = 57600
    dev = ZFM(u, timeout_ms=200)
    dev.verify_password()
    assert dev.read_sys_para().packet_size == 128
    a = bytearray(IMAGE_BYTES)
    assert dev.upload_image(a) == IMAGE_BYTES
    n128 = u.writes
    dev = open_sensor(u, probe_ms=PROBE_MS, timeout_ms=200)
    assert isinstance(dev.link, SensorLink) and dev.packet_size == 256
    b = bytearray(IMAGE_BYTES)
    assert dev.upload_image(b) == IMAGE_BYTES
    assert a == b
    assert u.writes > n128
    del a, b


class NoisyLine(RateFake):
    """No sensor, but the RX line never stops producing bytes (a floating pin)."""

    def any(self):
        return 64

    def readinto(self, buf, nbytes=None):
        n = min(len(buf) if nbytes is None else nbytes, 64)
        for i in range(n):
            buf[i] = 0xE5  # never a start code
        return n


def test_noisy_line_without_a_sensor_still_ends_with_the_named_error():
    u = NoisyLine(dead=True)
    try:
        bring_up(u, probe_ms=PROBE_MS)
    except ZFMNoLink:
        pass
    else:
        assert False, "no error from a line without a sensor"
    assert u.writes == 24
