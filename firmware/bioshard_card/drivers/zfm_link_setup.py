# Sensor link bring-up at boot: find the rate the sensor talks at, then move it to the
# fastest link the ZFM family offers (115200 baud, 256-byte data packets) so an image upload
# costs ~3.3 s on the wire instead of ~7 s.
#
# Both settings live in the sensor's flash and survive power cuts, while the card's UART
# rate is only ever what this boot chose. So nothing here trusts a remembered rate: every
# boot probes, the target rate FIRST. A sensor that took the new baud while the card lost
# power before hearing the ack is then found by the very first probe of the next boot, and
# at any moment of a power cut the sensor is at one of the legal rates, all of which the
# probe covers (bounded: rounds x 12 probes, then ZFMNoLink). Flash is only written when a
# setting differs, so a card that is already fast never wears the sensor's flash.
#
# uart: the board's UART; re-opened at each rate with uart.init(baudrate=, timeout=). The
# timeout is always passed: older ESP32 ports reset it to 0 when init() omits it.
try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

from .zfm import ZFM
from .zfm_codes import ZFMError, ZFMException, ZFMTimeout
from .zfm_link import sleep_ms, ticks_diff, ticks_ms

FAST_BAUD = const(115200)
FAST_PACKET = const(256)
FACTORY_BAUD = const(57600)
# The target, then the factory default, then every other legal rate (N x 9600, N = 1..12),
# fastest first: the order in which a card is likely to find its sensor.
PROBE_BAUDS = (115200, 57600, 105600, 96000, 86400, 76800, 67200, 48000, 38400, 28800, 19200, 9600)
PROBE_MS = const(100)  # a VfyPwd reply is 12 bytes: 12.5 ms even at 9600 baud
PROBE_ROUNDS = const(2)  # the first round may hit a sensor still booting or a half-parsed packet
_PROBE_QUIET_MS = const(10)  # a mismatched sensor is silent: no long drain after a failed probe


class ZFMNoLink(ZFMTimeout):
    """No legal baud rate got an answer: sensor unpowered, unplugged or its TX/RX swapped."""


class SensorLink:
    """What the bring-up negotiated: baud, packet_size, probes sent, flash writes made."""

    def __init__(self, baud, packet_size, probes, writes):
        self.baud = baud
        self.packet_size = packet_size
        self.probes = probes
        self.writes = writes

    def __repr__(self):
        return "SensorLink(baud=%d, packet_size=%d, probes=%d, writes=%d)" % (
            self.baud, self.packet_size, self.probes, self.writes)


class _ProbeZFM(ZFM):
    def drain(self):
        # The normal resync waits up to 12 s for a quiet line. The RX pin of an unplugged
        # sensor floats and may never be quiet: bound the drain by the packet timeout, so
        # that the probing as a whole stays bounded (rounds x rates x ~2 timeouts).
        start = last = ticks_ms()
        while ticks_diff(ticks_ms(), start) < self.timeout_ms:
            if self._discard_pending():
                last = ticks_ms()
            elif ticks_diff(ticks_ms(), last) >= self.quiet_ms:
                return
            else:
                sleep_ms(1)

    def _flush_input(self):
        # Before each command: the same bound, for the same floating line.
        start = ticks_ms()
        while self._discard_pending() and ticks_diff(ticks_ms(), start) < self.timeout_ms:
            pass


class _Bringup:
    def __init__(self, uart, password, address, probe_ms, timeout_ms):
        self.uart = uart
        self.probe_ms = probe_ms
        self.timeout_ms = timeout_ms
        self.dev = _ProbeZFM(uart, address=address, password=password, timeout_ms=probe_ms)
        self.dev.quiet_ms = _PROBE_QUIET_MS
        self.probes = 0

    def open(self, baud, timeout_ms):
        self.uart.init(baudrate=baud, timeout=timeout_ms)
        self.dev.timeout_ms = timeout_ms
        self.dev.drain()  # bytes received at the old rate are noise at the new one (bounded)

    def probe(self, baud):
        """True if the sensor answers VfyPwd at `baud`. A wrong password is an answer: it
        raises ZFMError (the rate is right, the card is paired with another sensor)."""
        self.open(baud, self.probe_ms)
        self.probes += 1
        try:
            self.dev.verify_password()
        except ZFMError:
            raise
        except ZFMException:  # silence or garbage: not this rate
            return False
        return True

    def find(self, bauds, rounds):
        for _ in range(rounds):
            for b in bauds:
                if self.probe(b):
                    return b
        return 0


def bring_up(uart, password=0, address=0xFFFFFFFF, baud=FAST_BAUD, packet_size=FAST_PACKET,
             probe_ms=PROBE_MS, rounds=PROBE_ROUNDS, timeout_ms=1000, bauds=PROBE_BAUDS):
    """Find the sensor, move it to (baud, packet_size) if it is not there, leave `uart` open
    at the negotiated rate with `timeout_ms`. Returns a SensorLink. Raises ZFMNoLink when
    no rate answers (after at most rounds x len(bauds) probes), ZFMError for a sensor that
    answers but refuses (e.g. WRONG_PASSWORD)."""
    b = _Bringup(uart, password, address, probe_ms, timeout_ms)
    dev = b.dev
    try:
        rate = b.find(bauds, rounds)
        if not rate:
            raise ZFMNoLink("sensor answers at no baud rate (%d probes)" % b.probes)
        b.open(rate, timeout_ms)
        writes = 0
        sp = dev.read_sys_para()
        if sp.packet_size != packet_size:
            dev.set_packet_size(packet_size)
            writes += 1
        if rate != baud:
            writes += 1
            try:
                # Acknowledged at the old rate. A lost ack is not fatal: the sensor may or
                # may not have switched, which the probe below finds out.
                dev.set_sys_para(4, baud // 9600)
            except ZFMError:
                raise
            except ZFMException:
                pass
            # The new rate first; the old one too, for sensors that apply it only at their
            # next power-up (they are found fast at the next boot).
            rate = b.find((baud, rate), 1)
            if not rate:
                raise ZFMNoLink("sensor lost after the baud change (%d probes)" % b.probes)
            b.open(rate, timeout_ms)
        sp = dev.read_sys_para()  # verify at the final rate; sets the enforced packet size
        return SensorLink(rate, sp.packet_size, b.probes, writes)
    except ZFMNoLink:
        # Leave the UART at the target rate: the app's own VfyPwd then fails and shows why.
        uart.init(baudrate=baud, timeout=timeout_ms)
        raise


def board_bring_up(uart, timeout_ms=1000):
    """bring_up for a board at boot: the SensorLink, or the ZFMException that ended it. A
    sensor that does not answer is not fatal there: the app's own VfyPwd shows the error."""
    try:
        return bring_up(uart, timeout_ms=timeout_ms)
    except ZFMException as e:
        return e


def open_sensor(uart, **kw):
    """ZFM on `uart` after bring_up; the driver already knows the packet size. .link holds
    the SensorLink."""
    link = bring_up(uart, **kw)
    dev = ZFM(uart, password=kw.get("password", 0), address=kw.get("address", 0xFFFFFFFF),
              timeout_ms=kw.get("timeout_ms", 2000))
    dev.packet_size = link.packet_size
    dev.link = link
    return dev
