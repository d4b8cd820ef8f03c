"""The synthetic fingerprint generator: deterministic, fingerprint-like, same finger alike."""
import numpy as np
import pytest
from PIL import Image

from bioshard.sim import fingerimage as F
from bioshard.sim import synthetic as S
from bioshard.sim.sensor import ZFMSensorSim
from bioshard_card.drivers.zfm import ZFM

from test_sensor_image import ridge_period


def ncc_best(a, b):
    """Best normalized cross-correlation of a's central 128x128 patch anywhere in b,
    over rotations of a by -16..16 degrees: a crude, independent image matcher."""
    bb = b.astype(float) - b.mean()
    fb = np.fft.rfft2(bb)
    ones = np.fft.rfft2(np.ones((128, 128)), s=bb.shape)
    s1 = np.fft.irfft2(fb * ones, s=bb.shape)
    s2 = np.fft.irfft2(np.fft.rfft2(bb * bb) * ones, s=bb.shape)
    norm = np.sqrt(np.maximum(s2 - s1 * s1 / 128**2, 1e-3))[127:, 127:]
    best = -1.0
    for ang in range(-16, 17, 4):
        ra = np.asarray(Image.fromarray(a).rotate(ang, Image.BILINEAR, fillcolor=255), float)
        pa = ra[80:208, 64:192]
        pa = (pa - pa.mean()) / (pa.std() + 1e-9)
        corr = np.fft.irfft2(fb * np.fft.rfft2(pa[::-1, ::-1], s=bb.shape), s=bb.shape)[127:, 127:]
        best = max(best, float((corr / norm).max() / 128))
    return best


def test_deterministic_per_seed_finger_impression():
    a = S.impression(1, 1, seed=5)
    S.master_print.cache_clear()
    assert S.impression(1, 1, seed=5) == a and len(a) == 36864
    assert S.impression(1, 2, seed=5) != a
    assert S.impression(2, 1, seed=5) != a
    assert S.impression(1, 1, seed=6) != a


def test_looks_like_a_fingerprint():
    g = S.impression_gray(3, 1)
    assert g.shape == (288, 256) and g.dtype == np.uint8
    assert 8.0 <= ridge_period(g[72:216, 64:192]) <= 11.5  # 500 dpi adult ridge spacing
    mask = F.foreground_mask(g)
    assert 0.45 < mask.mean() < 0.95  # a finger pad inside the window, background around
    assert g[:8, :8].mean() > 200  # background stays light, as on an optical sensor
    n = F.unpack_nibbles(S.impression(3, 1))
    assert n.min() <= 2 and n.max() == 15


@pytest.mark.slow  # ~5 s: 24 rotation-searched correlations
def test_same_finger_matches_better_than_other_fingers():
    hits = 0
    genuine, impostor = [], []
    for seed in (0, 1):
        im = {(f, i): S.impression_gray(f, i, seed) for f in range(1, 5) for i in (1, 2)}
        for f in range(1, 5):
            g = ncc_best(im[f, 1], im[f, 2])
            others = [ncc_best(im[f, 1], im[h, 2]) for h in range(1, 5) if h != f]
            hits += g > max(others)
            genuine.append(g)
            impostor += others
    assert hits >= 7  # rank-1 identification of 8 probes by a crude correlator
    assert np.mean(genuine) > np.mean(impostor) + 0.1


def test_dataset_and_sensor_feed(tmp_path):
    items = list(S.dataset(2, 2, seed=3))
    assert [k for k, _ in items] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    paths = S.save_dataset(tmp_path, 1, 2, seed=3)
    assert [p.name for p in paths] == ["101_1.png", "101_2.png"]
    # The saved PNG goes through the sensor conversion unchanged in geometry and levels.
    assert F.to_sensor_image(paths[1], auto_level=False) == items[1][1]
    sim, uart = ZFMSensorSim.loopback(timeout=0.02)
    sim.place_finger(items[0][1])
    dev = ZFM(uart, timeout_ms=500)
    buf = bytearray(36864)
    dev.wait_finger(2000)
    dev.upload_image(buf)
    assert bytes(buf) == items[0][1]
    uart.close()
