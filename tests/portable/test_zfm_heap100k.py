# heapsize: 100k
# A whole 256x288 image upload on an ESP32-WROOM-sized heap: one preallocated 36,864-byte
# buffer, a few hundred bytes of packet buffers, no per-pixel objects.
# The image buffer is allocated first, as the card app does at boot. The modules are then
# compiled from source here (frozen or .mpy on the card, where this costs no heap), one at a
# time with a collection in between, so compiler garbage does not fragment the heap.
import gc

gc.collect()
_BUF = bytearray(36864)

for _m in ("zfm_codes", "zfm_packet", "zfm_link", "zfm_image", "zfm"):
    __import__("bioshard_card.drivers." + _m)
    gc.collect()

from bioshard_card.drivers.zfm import ZFM  # noqa: E402
from bioshard_card.drivers import zfm_image  # noqa: E402
from zfm_fake import FakeSensorUart, image_byte, IMAGE_BYTES  # noqa: E402


def test_upload_whole_image_in_100k_heap():
    uart = FakeSensorUart(packet_size=128, chunk=139)
    dev = ZFM(uart, timeout_ms=200)
    dev.read_sys_para()
    gc.collect()
    buf = _BUF
    row = bytearray(zfm_image.WIDTH)
    for attempt in range(3):  # repeated uploads must not leak
        uart.finger = True
        dev.wait_finger(1000)
        assert dev.upload_image(buf) == IMAGE_BYTES
        gc.collect()
    for i in range(IMAGE_BYTES):
        if buf[i] != image_byte(i):
            raise AssertionError("byte %d differs" % i)
    zfm_image.unpack_row(buf, zfm_image.HEIGHT - 1, row)
    last = image_byte(IMAGE_BYTES - 1)
    assert row[255] == (last & 15) * 17 and row[254] == (last >> 4) * 17

    zfm_image.wipe(buf)
    assert not any(buf)
    odd = bytearray(b"\xff" * 300)
    zfm_image.wipe(odd)
    assert odd == bytearray(300)
