"""Property tests of the card's ZFM driver against damaged replies (fake sensor in-process):
a damaged image is never returned as good, only ZFM exceptions escape, and the driver is
usable again afterwards."""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from zfm_fake import IMAGE_BYTES, FakeSensorUart, image_byte
from bioshard_card.drivers.zfm import ZFM, ZFMException

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXPECTED = bytes(image_byte(i) for i in range(IMAGE_BYTES))


def make(packet_size=128):
    uart = FakeSensorUart(packet_size=packet_size, chunk=97)
    dev = ZFM(uart, timeout_ms=15, poll_ms=1)
    dev.quiet_ms = 2  # the fake answers instantly: a short silence means it is done
    dev.read_sys_para()
    return uart, dev


def recovered(dev):
    assert dev.read_sys_para().capacity == 1000
    buf = bytearray(IMAGE_BYTES)
    assert dev.upload_image(buf) == IMAGE_BYTES and bytes(buf) == EXPECTED


@SETTINGS
@given(packet=st.integers(0, 288), offset=st.integers(0, 138), xor=st.integers(1, 255),
       size=st.sampled_from([32, 128, 256]))
def test_any_single_byte_error_in_an_image_upload_is_caught(packet, offset, xor, size):
    uart, dev = make(size)
    packet %= IMAGE_BYTES // size + 1
    uart.faults = {packet: ("flip", (offset, xor))}
    with pytest.raises(ZFMException):  # hypothesis names the damage when it is accepted
        dev.upload_image(bytearray(IMAGE_BYTES))
    recovered(dev)


@SETTINGS
@given(garbage=st.binary(max_size=40), method=st.sampled_from(
    ["read_sys_para", "verify_password", "get_image", "template_count", "img2tz", "upload_image"]))
def test_garbage_instead_of_a_reply_raises_a_zfm_error_and_recovers(garbage, method):
    uart, dev = make()
    uart.faults = {0: ("replace", garbage)}
    fn = getattr(dev, method)
    try:
        fn(bytearray(IMAGE_BYTES)) if method == "upload_image" else fn()
    except ZFMException:
        pass
    recovered(dev)


@SETTINGS
@given(cut=st.integers(0, 138), packet=st.integers(0, 288))
def test_truncation_anywhere_raises_and_recovers(cut, packet):
    uart, dev = make()
    uart.faults = {packet: ("truncate", cut % (12 if packet == 0 else 139))}  # ack: 12 bytes
    with pytest.raises(ZFMException):
        dev.upload_image(bytearray(IMAGE_BYTES))
    recovered(dev)
