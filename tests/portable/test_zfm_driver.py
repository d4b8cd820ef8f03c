# The ZFM driver against the in-process fake sensor (zfm_fake.py): commands, finger polling,
# LED degradation, image upload, and every kind of damaged reply leaving the driver usable.
from ptest import raises
from zfm_fake import FakeSensorUart, image_byte, char_byte, IMAGE_BYTES
from bioshard_card.drivers import zfm_codes as C
from bioshard_card.drivers.zfm import ZFM, ZFMError, ZFMTimeout, ZFMProtocolError, ZFMChecksumError
from bioshard_card.drivers import zfm_image

_IMG = None


def image_buf():
    global _IMG
    if _IMG is None:
        _IMG = bytearray(IMAGE_BYTES)
    return _IMG


def make(**kw):
    uart = FakeSensorUart(**kw)
    return uart, ZFM(uart, password=kw.get("password", 0), timeout_ms=40, poll_ms=1)


def still_usable(dev):
    sp = dev.read_sys_para()
    assert sp.capacity == 1000


def image_matches(buf):
    for i in range(0, IMAGE_BYTES, 97):
        if buf[i] != image_byte(i):
            return False
    return buf[IMAGE_BYTES - 1] == image_byte(IMAGE_BYTES - 1) and buf[0] == image_byte(0)


def test_verify_password():
    uart, dev = make(password=0x01020304)
    assert dev.verify_password() is True
    dev.password = 7
    e = raises(ZFMError, dev.verify_password)
    assert e.code == C.WRONG_PASSWORD and e.name == "WRONG_PASSWORD" and e.command == C.CMD_VFY_PWD


def test_read_sys_para():
    uart, dev = make(packet_size=64)
    sp = dev.read_sys_para()
    assert (sp.capacity, sp.security_level, sp.packet_size, sp.baud) == (1000, 3, 64, 57600)
    assert sp.address == 0xFFFFFFFF and dev.packet_size == 64
    assert dev.template_count() == 0


def test_get_image_and_finger_polling():
    uart, dev = make()
    assert dev.get_image() is False
    uart.finger = True
    assert dev.get_image() is True
    uart.finger_script = [False, False, C.IMAGE_FAIL, False, True]
    uart.finger = False
    dev.wait_finger(timeout_ms=1000)
    assert uart.finger_script == []
    uart.finger_script = [True, C.IMAGE_FAIL, True, False]
    dev.wait_finger_removed(timeout_ms=1000)
    assert uart.finger_script == []


def test_wait_finger_times_out():
    uart, dev = make()
    raises(ZFMTimeout, dev.wait_finger, 30)
    uart.finger = True
    raises(ZFMTimeout, dev.wait_finger_removed, 30)


def test_get_image_other_code_raises():
    uart, dev = make()
    uart.finger_script = [C.SENSOR_HW_ERROR]
    e = raises(ZFMError, dev.get_image)
    assert e.code == 0x29 and e.name == "SENSOR_HW_ERROR"


def test_wait_finger_async():
    import asyncio

    uart, dev = make()
    uart.finger_script = [False, False, True]
    asyncio.run(dev.wait_finger_async(timeout_ms=1000))
    assert uart.finger_script == []
    uart.finger = True

    async def removed():
        await dev.wait_finger_removed_async(timeout_ms=20)

    raises(ZFMTimeout, asyncio.run, removed())


def test_led_on_r503_and_missing_on_r307():
    uart, dev = make(aura=True)
    assert dev.led_control(3, 2) is True and uart.led == (3, 0x80, 2, 0)
    assert dev.has_aura_led is True
    uart, dev = make()  # R307: answers the unknown instruction with an error code
    assert dev.led_control() is False and dev.has_aura_led is False
    n = len(uart.commands)
    assert dev.led_control() is False and len(uart.commands) == n  # not asked again
    still_usable(dev)
    uart, dev = make()  # a sensor that stays silent
    uart.unknown_reply = None
    assert dev.led_control() is False
    still_usable(dev)


def test_upload_image_every_packet_size():
    for size in (32, 128, 256):
        uart, dev = make(packet_size=size)
        dev.read_sys_para()
        buf = image_buf()
        buf[:] = bytes(64) * (IMAGE_BYTES // 64)
        assert dev.upload_image(buf) == IMAGE_BYTES
        assert image_matches(buf)
    # without read_sys_para the packet size is not known but still checked for sanity
    uart, dev = make(packet_size=64)
    assert dev.upload_image(buf) == IMAGE_BYTES and image_matches(buf)


def test_image_accessors():
    uart, dev = make()
    buf = image_buf()
    dev.upload_image(buf)
    b = image_byte(5 * 128 + 3)
    assert zfm_image.pixel(buf, 6, 5) == b >> 4
    assert zfm_image.pixel(buf, 7, 5) == b & 15
    row = zfm_image.unpack_row(buf, 5, bytearray(256))
    assert row[6] == (b >> 4) * 17 and row[7] == (b & 15) * 17


def test_up_char_and_img2tz():
    uart, dev = make()
    dev.img2tz(1)
    out = bytearray(768)
    n = dev.up_char(out, 1)
    assert n == 512 and all(out[i] == char_byte(i) for i in range(n))
    small = bytearray(100)
    raises(ZFMProtocolError, dev.up_char, small)
    still_usable(dev)


def _fault(kind, arg, packet, exc, size=128):
    uart, dev = make(packet_size=size)
    dev.read_sys_para()
    uart.faults = {packet: (kind, arg)}
    e = raises(exc, dev.upload_image, image_buf())
    still_usable(dev)
    dev.upload_image(image_buf())  # and a clean retry works
    assert image_matches(image_buf())
    return e


def test_corrupted_checksum_in_image_data():
    _fault("checksum", None, 1, ZFMChecksumError)
    _fault("checksum", None, 150, ZFMChecksumError)
    _fault("checksum", None, 288, ZFMChecksumError)  # the END packet


def test_corrupted_checksum_in_ack():
    e = _fault("checksum", None, 0, ZFMChecksumError)
    assert isinstance(e, ZFMProtocolError)


def test_truncated_packets():
    _fault("truncate", 5, 0, ZFMProtocolError)  # ack cut inside its header
    _fault("truncate", 100, 10, ZFMProtocolError)  # next header read from the wrong place
    _fault("truncate", 130, 288, ZFMTimeout)  # last packet cut: the line goes quiet


def test_dropped_byte_and_garbage():
    _fault("drop", 50, 3, ZFMProtocolError)
    _fault("garbage", 3, 7, ZFMProtocolError)
    _fault("pid", 0x07, 9, ZFMProtocolError)  # an ack in the middle of data


def test_sensor_stops_mid_image():
    _fault("stop", None, 40, ZFMTimeout)
    _fault("silent", None, 0, ZFMTimeout)


def test_wrong_packet_size_is_rejected():
    uart, dev = make(packet_size=128)
    dev.read_sys_para()
    uart.packet_size = 64  # sensor changed its mind without telling us
    raises(ZFMProtocolError, dev.upload_image, image_buf())
    uart.packet_size = 128
    still_usable(dev)


def test_bad_command_checksum_gets_packet_error():
    uart, dev = make()
    uart.write(b"\xef\x01\xff\xff\xff\xff\x01\x00\x03\x01\x00\x06")  # checksum off by one
    # the stale 0x01 reply must not be taken as the answer to the next command
    assert dev.get_image() is False
    still_usable(dev)


def test_set_baud_and_packet_size():
    uart, dev = make()
    dev.set_baud(115200)
    assert uart.baud == 115200 and uart.uart_baud == 115200  # sensor and UART both switched
    assert dev.read_sys_para().baud == 115200
    raises(ValueError, dev.set_baud, 100000)
    dev.set_packet_size(256)
    assert dev.packet_size == 256 and dev.read_sys_para().packet_size == 256
    assert dev.upload_image(image_buf()) == IMAGE_BYTES and image_matches(image_buf())
    e = raises(ZFMError, dev.set_sys_para, 9, 1)
    assert e.name == "INVALID_REGISTER"


def test_wait_finger_rides_out_a_garbled_poll_but_not_a_dead_line():
    uart, dev = make()
    uart.finger_script = [False, False, True]
    uart.faults = {0: ("checksum", None)}  # the first poll's reply is damaged
    dev.wait_finger(timeout_ms=1000)
    assert uart.finger_script == []
    uart.finger = False

    class Garbling(FakeSensorUart):
        def _dispatch(self, cmd, params):
            self.faults = {0: ("checksum", None)}
            return FakeSensorUart._dispatch(self, cmd, params)

    bad = Garbling()
    dev = ZFM(bad, timeout_ms=40, poll_ms=1)
    raises(ZFMChecksumError, dev.wait_finger, 5000)
    assert bad.commands.count(C.CMD_GET_IMAGE) == 3
