"""The ZFM sensor simulator, checked by an independent client (the unmodified
adafruit_fingerprint library) and by the card's driver over a real byte stream."""
import os
import socket
import threading
import time

import pytest
from hypothesis import given, settings, strategies as st

import adafruit_fingerprint as adafruit
from bioshard.sim.sensor import ZFMSensorSim
from bioshard.sim.uart_line import SocketUART
from bioshard_card.drivers import zfm_codes as C
from bioshard_card.drivers import zfm_packet as P
from bioshard_card.drivers.zfm import ZFM, ZFMChecksumError, ZFMError, ZFMProtocolError, ZFMTimeout


def random_image(seed=1):
    return bytes((i * 31 + seed * 7 + (i >> 9)) & 0xFF for i in range(36864))


@pytest.fixture
def sim():
    s, uart = ZFMSensorSim.loopback()
    yield s, uart
    uart.close()


@pytest.fixture
def r503():
    s, uart = ZFMSensorSim.loopback(model="R503")
    yield s, uart
    uart.close()


# ---- an independent client: adafruit_fingerprint ------------------------------------------

def test_adafruit_reads_system_parameters(sim):
    _, uart = sim
    f = adafruit.Adafruit_Fingerprint(uart)  # runs verify_password + read_sysparam
    assert f.library_size == 1000 and f.security_level == 3 and f.system_id == 9
    assert f.data_packet_size == 2 and f.baudrate == 6  # codes: 128 bytes, 6 x 9600 baud
    assert f.device_address == b"\xff\xff\xff\xff"
    assert f.check_module() is True


def test_adafruit_capture_and_upload_image(sim):
    s, uart = sim
    f = adafruit.Adafruit_Fingerprint(uart)
    assert f.get_image() == adafruit.NOFINGER
    assert f.image_2_tz(1) == adafruit.INVALIDIMAGE  # nothing captured yet
    img = random_image()
    s.place_finger(img)
    assert f.get_image() == adafruit.OK
    assert f.image_2_tz(1) == adafruit.OK
    assert bytes(f.get_fpdata("image")) == img  # 288 data packets reassembled by adafruit
    s.lift_finger()
    assert f.get_image() == adafruit.NOFINGER


def test_adafruit_template_round_trip_and_library(sim):
    s, uart = sim
    f = adafruit.Adafruit_Fingerprint(uart)
    s.place_finger(random_image(2))
    assert f.get_image() == adafruit.OK and f.image_2_tz(1) == adafruit.OK
    char = f.get_fpdata("char", 1)
    assert len(char) == 512
    assert f.send_fpdata(list(bytes(512)), "char", 2)  # DownChar: 4 data packets from adafruit
    time.sleep(0.05)
    assert s.char[2] == bytes(512)
    assert f.store_model(7, 1) == adafruit.OK
    assert f.count_templates() == adafruit.OK and f.template_count == 1
    assert f.read_templates() == adafruit.OK and f.templates == [7]
    assert f.finger_search() == adafruit.OK and f.finger_id == 7
    assert f.delete_model(7) == adafruit.OK
    assert f.finger_fast_search() == adafruit.NOTFOUND
    assert f.store_model(5000) == adafruit.BADLOCATION


def test_adafruit_led_only_on_r503(sim, r503):
    assert adafruit.Adafruit_Fingerprint(r503[1]).set_led(color=2, mode=1) == adafruit.OK
    assert r503[0].led == (1, 0x80, 2, 0)
    assert adafruit.Adafruit_Fingerprint(sim[1]).set_led() == adafruit.PACKETRECIEVEERR


def test_adafruit_wrong_password():
    s, uart = ZFMSensorSim.loopback(password=0x11223344)
    with pytest.raises(RuntimeError):
        adafruit.Adafruit_Fingerprint(uart)  # default password 0
    f = adafruit.Adafruit_Fingerprint(uart, passwd=(0x11, 0x22, 0x33, 0x44))
    assert f.get_image() == adafruit.NOFINGER
    uart.close()


class _Capture:
    def __init__(self):
        self.out = b""

    def write(self, b):
        self.out += bytes(b)


@settings(max_examples=60, deadline=None)
@given(cmd=st.integers(0, 255), params=st.binary(max_size=12))
def test_packet_encoding_matches_adafruit(cmd, params):
    # adafruit_fingerprint's own encoder is an independent implementation of the framing.
    f = adafruit.Adafruit_Fingerprint.__new__(adafruit.Adafruit_Fingerprint)
    f._uart = _Capture()
    f._send_packet([cmd] + list(params))
    assert f._uart.out == P.encode(0xFFFFFFFF, C.PID_COMMAND, bytes([cmd]) + params)
    addr, pid, payload = P.decode(f._uart.out)
    assert (addr, pid, bytes(payload)) == (0xFFFFFFFF, C.PID_COMMAND, bytes([cmd]) + params)


# ---- the card driver over a byte stream -------------------------------------------------

def driver(uart, **kw):
    uart.timeout = 0.02  # a UART read timeout; the driver keeps its own deadline on top
    return ZFM(uart, timeout_ms=300, poll_ms=5, **kw)


def test_driver_against_sim(sim):
    s, uart = sim
    dev = driver(uart)
    assert dev.verify_password()
    sp = dev.read_sys_para()
    assert (sp.capacity, sp.packet_size, sp.baud, sp.system_id) == (1000, 128, 57600, 9)
    img = random_image(3)
    threading.Timer(0.1, s.place_finger, (img,)).start()
    dev.wait_finger(timeout_ms=3000)
    buf = bytearray(36864)
    assert dev.upload_image(buf) == 36864 and bytes(buf) == img
    dev.img2tz(1)
    tpl = bytearray(1024)
    assert dev.up_char(tpl, 1) == 512 and bytes(tpl[:512]) == s.char[1]
    threading.Timer(0.1, s.lift_finger).start()
    dev.wait_finger_removed(timeout_ms=3000)
    assert dev.led_control() is False  # R307


def test_driver_password_and_capture_failures():
    s, uart = ZFMSensorSim.loopback(password=42)
    dev = driver(uart, password=42)
    s.place_finger(random_image())
    e = pytest.raises(ZFMError, dev.get_image).value
    assert e.code == C.MUST_VERIFY_PASSWORD and e.name == "MUST_VERIFY_PASSWORD"
    assert dev.verify_password()
    s.capture_failures = 2  # finger moving: two failed captures, then success
    dev.wait_finger(timeout_ms=2000)
    assert s.commands.count(C.CMD_GET_IMAGE) >= 4
    uart.close()


def test_driver_other_packet_sizes():
    for size in (32, 64, 256):
        s, uart = ZFMSensorSim.loopback(packet_size=size)
        dev = driver(uart)
        assert dev.read_sys_para().packet_size == size
        img = random_image(size)
        s.place_finger(img)
        assert dev.get_image()
        buf = bytearray(36864)
        dev.upload_image(buf)
        assert bytes(buf) == img
        uart.close()


@pytest.mark.parametrize("kind,packet,arg,exc", [
    ("checksum", 0, None, ZFMChecksumError),
    ("checksum", 200, None, ZFMChecksumError),
    ("truncate", 77, 60, ZFMProtocolError),
    ("truncate", 288, 100, ZFMTimeout),
    ("drop", 5, 20, ZFMProtocolError),
    ("garbage", 12, 4, ZFMProtocolError),
    ("pid", 30, 0x07, ZFMProtocolError),
    ("stop", 150, None, ZFMTimeout),
    ("silent", 0, None, ZFMTimeout),
])
def test_driver_survives_faults(sim, kind, packet, arg, exc):
    s, uart = sim
    dev = driver(uart)
    dev.read_sys_para()
    img = random_image(9)
    s.place_finger(img)
    assert dev.get_image()
    s.inject_fault(kind, packet, arg)
    buf = bytearray(36864)
    with pytest.raises(exc):
        dev.upload_image(buf)
    assert dev.read_sys_para().capacity == 1000  # resynchronised
    assert dev.upload_image(buf) == 36864 and bytes(buf) == img


def test_driver_tolerates_a_delay_shorter_than_its_timeout(sim):
    s, uart = sim
    dev = driver(uart)
    s.place_finger(random_image())
    assert dev.get_image()
    s.inject_fault("delay", 100, 100)
    buf = bytearray(36864)
    assert dev.upload_image(buf) == 36864


def test_sim_answers_bad_checksum_with_packet_error(sim):
    _, uart = sim
    bad = bytearray(P.encode(0xFFFFFFFF, C.PID_COMMAND, b"\x01"))
    bad[-1] ^= 1
    uart.write(b"\x00\x55" + bad)  # line noise before it, then a damaged command
    reply = uart.read(12)
    assert P.decode(reply)[2] == bytes([C.PACKET_RECEIVE_ERR])
    uart.write(P.encode(0x12345678, C.PID_COMMAND, b"\x01"))  # other address: ignored
    uart.write(P.encode(0xFFFFFFFF, C.PID_COMMAND, b"\x0f"))
    assert P.decode(uart.read(28))[2][0] == C.OK


def test_sim_on_unix_socket_serves_reconnecting_cards(tmp_path):
    path = str(tmp_path / "sensor.sock")
    s = ZFMSensorSim()
    s.start_unix(path)
    try:
        for _ in range(2):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(path)
            uart = SocketUART(c, 0.02)
            assert ZFM(uart, timeout_ms=500).read_sys_para().packet_size == 128
            c.close()
    finally:
        s.stop()


def test_sim_over_a_pair_of_files():
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    s = ZFMSensorSim()
    t = s.start((os.fdopen(r1, "rb", buffering=0), os.fdopen(w2, "wb", buffering=0)))
    os.write(w1, P.encode(0xFFFFFFFF, C.PID_COMMAND, b"\x1d"))
    reply = b""
    while len(reply) < 14:
        reply += os.read(r2, 14 - len(reply))
    assert P.decode(reply)[2] == b"\x00\x00\x00"
    os.close(w1)
    t.join(2)
    assert not t.is_alive()


def test_driver_switches_sim_to_256_byte_packets_and_115200(sim):
    s, uart = sim
    dev = driver(uart)
    dev.set_packet_size(256)
    dev.set_baud(115200)
    assert (s.packet_size, s.baud) == (256, 115200)
    sp = dev.read_sys_para()
    assert (sp.packet_size, sp.baud) == (256, 115200)
    img = random_image(4)
    s.place_finger(img)
    assert dev.get_image()
    buf = bytearray(36864)
    dev.upload_image(buf)
    assert bytes(buf) == img


def test_a_finger_that_changes_at_every_capture(sim):
    from bioshard.sim import synthetic

    s, uart = sim
    shots = iter(range(1, 10))
    s.place_finger(lambda: synthetic.impression(1, next(shots), seed=4))
    dev = driver(uart)
    dev.timeout_ms = 5000  # rendering an impression takes a while, as a capture does
    got = []
    for _ in range(2):
        dev.wait_finger(1000)
        buf = bytearray(36864)
        dev.upload_image(buf)
        got.append(bytes(buf))
    assert got == [synthetic.impression(1, 1, seed=4), synthetic.impression(1, 2, seed=4)]


def test_before_capture_acts_before_the_glass_is_read_at_both_capture_commands(sim):
    # The sim runner's owner lays a finger down when the card looks (GetImage, GetImageEx).
    s, uart = sim
    f = adafruit.Adafruit_Fingerprint(uart)
    seen = []

    def owner():
        seen.append(len(s.commands))
        s.place_finger(random_image(len(seen)))

    s.before_capture = owner
    assert f.get_image() == adafruit.OK  # GetImage: the finger placed by the hook is imaged
    assert bytes(s.image) == random_image(1)
    s.lift_finger()
    assert s.handle(0x28, b"")[0][9] == C.OK  # GetImageEx
    assert bytes(s.image) == random_image(2) and len(seen) == 2


def test_soft_reset_handshake_byte_is_not_taken_for_a_reply(sim):
    s, uart = sim
    f = adafruit.Adafruit_Fingerprint(uart)
    f.soft_reset()  # adafruit reads the acknowledge, then the 0x55 power-on byte
    uart.write(P.encode(0xFFFFFFFF, C.PID_COMMAND, b"\x3d"))  # reset again, leave the 0x55
    time.sleep(0.05)
    dev = driver(uart)
    assert dev.read_sys_para().capacity == 1000  # stale ack + 0x55 flushed before the command
