"""Sensor image conversion: geometry, packing order, no rescaling at 500 dpi, placement."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image

from bioshard.sim import fingerimage as F
from bioshard_card.drivers import zfm_image

DBS = ("DB1_B", "DB2_B", "DB3_B", "DB4_B")


def ridge_period(a):
    """Dominant ridge period in pixels (radial peak of the 2-D spectrum, 4..25 px)."""
    a = a.astype(np.float64)
    a = a - a.mean()
    spec = np.abs(np.fft.fft2(a)) ** 2
    h, w = a.shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    r = np.hypot(fy, fx)
    band = (r > 1 / 25) & (r < 1 / 4)
    bins = np.linspace(1 / 25, 1 / 4, 80)
    idx = np.digitize(r[band], bins)
    power = np.bincount(idx, weights=spec[band], minlength=len(bins) + 1)
    k = int(np.argmax(power[1:len(bins)])) + 1
    return 1 / ((bins[k - 1] + bins[min(k, len(bins) - 1)]) / 2)


def stripes(h, w, period, angle=0.6):
    y, x = np.mgrid[0:h, 0:w]
    phase = 2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / period
    return (127.5 + 127.5 * np.cos(phase)).astype(np.uint8)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**64 - 1))
def test_pack_unpack_round_trip_agrees_with_card_accessors(seed):
    packed = np.random.default_rng(seed).bytes(36864)
    nib = F.unpack_nibbles(packed)
    assert F.pack_4bit(nib) == packed
    flat = F.unpack_4bit(packed)
    for x, y in ((0, 0), (1, 0), (255, 0), (10, 7), (255, 287), (128, 144)):
        v = zfm_image.pixel(packed, x, y)  # the card's own accessor, written separately
        assert nib[y, x] == v and flat[y * 256 + x] == v * 17
    row = zfm_image.unpack_row(packed, 100, bytearray(256))
    assert bytes(row) == flat[100 * 256:101 * 256]


def test_left_pixel_is_high_nibble():
    n = np.zeros((288, 256), np.uint8)
    n[0, 0], n[0, 1], n[287, 255] = 15, 3, 9
    p = F.pack_4bit(n)
    assert p[0] == 0xF3 and p[-1] == 0x09 and len(p) == 36864


def test_quantize_levels():
    q = F.quantize4(np.arange(256, dtype=np.uint8))
    assert q[0] == 0 and q[255] == 15 and q[17] == 1 and q[8] == 0 and q[9] == 1
    assert sorted(set(q.tolist())) == list(range(16))
    assert np.all(np.diff(q.astype(int)) >= 0)


def test_500dpi_source_is_cropped_not_scaled():
    img = np.full((480, 640), 255, np.uint8)
    img[100:420, 300:560] = stripes(320, 260, 9.0)  # a 9-px-period "finger" off centre
    out = F.unpack_nibbles(F.to_sensor_image(Image.fromarray(img), auto_level=False))
    assert abs(ridge_period(out) - 9.0) < 0.6
    # The window is centred on the finger: dark pixels are balanced around the centre.
    ys, xs = np.nonzero(out < 8)
    assert abs(xs.mean() - 128) < 12 and abs(ys.mean() - 144) < 12


def test_other_resolutions_are_resampled_to_500dpi():
    img = stripes(700, 600, 18.0)
    out = F.unpack_nibbles(F.to_sensor_image(img, source_dpi=1000))
    assert abs(ridge_period(out) - 9.0) < 0.7


def test_small_image_is_padded_with_background():
    img = stripes(200, 150, 9.0)
    out = F.unpack_nibbles(F.to_sensor_image(img, auto_level=False))
    assert out.shape == (288, 256)
    assert np.all(out[:40] == 15) and np.all(out[:, :50] == 15)  # white around it
    assert out[144, 128] != 15 or out[144, 129] != 15


@pytest.mark.parametrize("db", DBS)
def test_fvc_images_convert(shared, db):
    path = shared / "fingerprints" / "fvc2004" / db / "101_1.tif"
    if not path.exists():
        pytest.skip("%s is not present" % path)
    src = np.asarray(Image.open(path).convert("L"))
    packed = F.to_sensor_image(path)
    assert len(packed) == 36864
    out = F.unpack_nibbles(packed)
    assert out.min() == 0 and out.max() == 15  # auto level uses the full 4-bit range
    assert len(np.unique(out)) == 16
    # Not rescaled: without auto level the window is exactly the quantized source crop.
    y0, x0 = F.window_origin(src.shape, F.foreground_center(src))
    assert F.sensor_window(path) == (x0, y0, 1.0)
    assert F.sensor_crop(path) == (packed, (x0, y0))
    crop = src[y0:y0 + 288, x0:x0 + 256]
    assert crop.shape == (288, 256)  # every FVC set is at least as large as the window
    plain = F.unpack_nibbles(F.to_sensor_image(path, auto_level=False))
    assert np.array_equal(plain, F.quantize4(crop))
    assert abs(ridge_period(out[80:208, 64:192]) - ridge_period(crop[80:208, 64:192])) < 0.8
    # The window sits on the finger: it holds nearly as much ridge area as the best
    # block-aligned window position found by exhaustive search.
    mask = F.foreground_mask(src)
    best = max(mask[y:y + 18, x:x + 16].sum()
               for y in range(mask.shape[0] - 17) for x in range(mask.shape[1] - 15))
    inside = mask[round(y0 / 16):round(y0 / 16) + 18, round(x0 / 16):round(x0 / 16) + 16].sum()
    assert inside >= 0.85 * best
    assert F.foreground_mask(out * 17).mean() > 0.4


def test_to_pil_round_trip():
    img = stripes(300, 300, 10.0)
    packed = F.to_sensor_image(img)
    pil = F.to_pil(packed)
    assert pil.size == (256, 288) and pil.mode == "L"
    assert F.to_sensor_image(pil, auto_level=False) == packed  # already 256x288, 16 levels


def test_sensor_window_maps_source_to_sensor_pixels():
    img = np.full((600, 700), 255, np.uint8)
    img[250:500, 300:520] = stripes(250, 220, 20.0)
    img[380, 410] = 0  # a marked pixel inside the finger
    x0, y0, scale = F.sensor_window(img, source_dpi=1000)
    assert scale == 0.5
    sx, sy = (410 - x0) * scale, (380 - y0) * scale
    assert 0 <= sx < 256 and 0 <= sy < 288
    packed, (ox, oy) = F.sensor_crop(img)
    assert F.unpack_nibbles(packed)[380 - int(oy), 410 - int(ox)] == 0
