"""A small, seeded generator of fingerprint-like images, so the demo and the tests work
without ../shared (the project ships no real fingerprints).

A finger ("master print") is made the way SFinGe does it, in miniature:
1. an orientation field from a zero-pole model: cores and deltas at random positions give
   the loop / whorl / arch classes (Sherlock & Monro 1993);
2. a ridge period of 8.5..10.5 px (500 dpi: 0.43 mm ridge spacing, as on adults);
3. ridges grown from sparse noise by a few rounds of orientation-steered Gabor filtering
   and soft clipping; where the noise's phases disagree the ridges end or fork: those are
   the minutiae, a different set for every seed.
An impression of a finger applies what changes between two touches of a real sensor:
rotation (+-8 deg), translation (+-16 px), a smooth elastic distortion (~3 px), finger
pressure (ridge thickness), contact area, sensor noise and blur. The 256 x 288 sensor window
is then quantized and packed exactly as fingerimage does (4-bit, high nibble first).

Everything is a pure function of (seed, finger, impression): numpy's PCG64 streams seeded
with that triple, so the same call gives the same bytes on every machine.
"""
from __future__ import annotations

import argparse
from functools import lru_cache
from pathlib import Path

import numpy as np

from bioshard_card.drivers.zfm_image import HEIGHT, WIDTH

from .fingerimage import pack_4bit, quantize4

CANVAS = (352, 320)  # master print (rows, cols): room for the impression to move and turn
_ORIENTATIONS = 16
_KERNEL = 31


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([int(k) & 0xFFFFFFFF for k in key])


def orientation_field(rng: np.random.Generator, shape=CANVAS) -> np.ndarray:
    """Ridge direction (radians, mod pi) per pixel from a random loop/whorl/arch layout."""
    h, w = shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    z = x + 1j * y
    cy, cx = h * rng.uniform(0.40, 0.50), w * rng.uniform(0.42, 0.58)
    kind = rng.choice(["loop_left", "loop_right", "whorl", "arch"], p=[0.33, 0.33, 0.22, 0.12])
    if kind == "arch":
        # A core and a delta stacked closely behave like a (tented) arch.
        cores = [complex(cx, cy)]
        deltas = [complex(cx + rng.uniform(-6, 6), cy + rng.uniform(18, 30))]
    elif kind == "whorl":
        d = rng.uniform(10, 22)
        a = rng.uniform(-0.6, 0.6)
        cores = [complex(cx, cy) + d * np.exp(1j * a) / 2, complex(cx, cy) - d * np.exp(1j * a) / 2]
        deltas = [complex(cx - rng.uniform(85, 115), cy + rng.uniform(90, 130)),
                  complex(cx + rng.uniform(85, 115), cy + rng.uniform(90, 130))]
    else:
        side = -1 if kind == "loop_left" else 1
        cores = [complex(cx, cy)]
        deltas = [complex(cx + side * rng.uniform(70, 110), cy + rng.uniform(90, 140))]
    theta = np.zeros(shape)
    for c in cores:
        theta += np.angle(z - c)
    for d in deltas:
        theta -= np.angle(z - d)
    theta = 0.5 * theta + rng.uniform(-0.15, 0.15)
    return np.mod(theta, np.pi)


def _gabor_bank(period: float) -> np.ndarray:
    """_ORIENTATIONS even Gabor kernels, each tuned to ridges running at angle k*pi/K."""
    r = _KERNEL // 2
    y, x = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float64)
    sigma = 0.5 * period
    bank = []
    for k in range(_ORIENTATIONS):
        t = k * np.pi / _ORIENTATIONS
        across = -x * np.sin(t) + y * np.cos(t)  # distance across the ridges
        g = np.exp(-(x * x + y * y) / (2 * sigma * sigma)) * np.cos(2 * np.pi * across / period)
        g -= g.mean()
        bank.append(g / np.abs(g).sum())
    return np.array(bank)


def _steered_filter(img: np.ndarray, bank_f: np.ndarray, bins: np.ndarray, frac: np.ndarray) -> np.ndarray:
    f = np.fft.rfft2(img)
    out = np.zeros_like(img)
    for k in range(_ORIENTATIONS):
        w = np.where(bins == k, 1 - frac, 0.0) + np.where((bins + 1) % _ORIENTATIONS == k, frac, 0.0)
        if not w.any():
            continue
        resp = np.fft.irfft2(f * bank_f[k], s=img.shape)
        out += w * resp
    return out


@lru_cache(maxsize=16)
def master_print(finger: int, seed: int = 0) -> np.ndarray:
    """The finger itself: ridge pattern in [-1, 1] (ridges positive) on the CANVAS."""
    rng = _rng(seed, finger, 0x6D617374)
    theta = orientation_field(rng)
    period = rng.uniform(8.5, 10.5)
    h, w = CANVAS
    bank = _gabor_bank(period)
    pad = np.zeros((_ORIENTATIONS, h, w))
    r = _KERNEL // 2
    pad[:, : _KERNEL, : _KERNEL] = bank
    pad = np.roll(pad, (-r, -r), axis=(1, 2))  # centre the kernels at the origin
    bank_f = np.fft.rfft2(pad)
    pos = theta / (np.pi / _ORIENTATIONS)
    bins = np.floor(pos).astype(int) % _ORIENTATIONS
    frac = pos - np.floor(pos)
    density = rng.uniform(0.002, 0.008)  # sparse seeds: few long ridges; dense: many minutiae
    img = (rng.random(CANVAS) < density) * rng.choice([-1.0, 1.0], CANVAS)
    for _ in range(7):
        img = _steered_filter(img, bank_f, bins, frac)
        img = np.tanh(2.5 * img / (np.abs(img).max() * 0.25 + 1e-9))
    return img.astype(np.float32)


def _smooth_noise(rng: np.random.Generator, shape, scale: float) -> np.ndarray:
    """Zero-mean smooth random field (a few low-frequency sinusoids), amplitude ~1."""
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    out = np.zeros(shape)
    for _ in range(4):
        fx, fy = rng.normal(0, 1 / scale, 2)
        out += np.sin(2 * np.pi * (fx * x + fy * y) + rng.uniform(0, 2 * np.pi))
    return out / 2


def _bilinear(img: np.ndarray, ys: np.ndarray, xs: np.ndarray, fill: float) -> np.ndarray:
    h, w = img.shape
    y0 = np.floor(ys).astype(int)
    x0 = np.floor(xs).astype(int)
    fy, fx = ys - y0, xs - x0
    out = np.zeros(ys.shape)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            yy, xx = y0 + dy, x0 + dx
            ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            v = np.where(ok, img[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)], fill)
            out += wy * wx * v
    return out


def impression_gray(finger: int, impression: int, seed: int = 0) -> np.ndarray:
    """One touch of `finger` on the sensor: (288, 256) uint8, dark ridges on white."""
    ridges = master_print(finger, seed)
    rng = _rng(seed, finger, impression + 1)
    h, w = HEIGHT, WIDTH
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.deg2rad(rng.uniform(-8, 8))
    ty, tx = rng.uniform(-16, 16, 2)
    cy, cx = (CANVAS[0] - 1) / 2, (CANVAS[1] - 1) / 2
    yc, xc = y - (h - 1) / 2, x - (w - 1) / 2
    ys = cy + ty + yc * np.cos(a) + xc * np.sin(a) + 3.0 * _smooth_noise(rng, (h, w), 160)
    xs = cx + tx - yc * np.sin(a) + xc * np.cos(a) + 3.0 * _smooth_noise(rng, (h, w), 160)
    r = _bilinear(ridges, ys, xs, -1.0)
    # Contact area: an ellipse around the finger pad, edges fading out.
    ey, ex = rng.uniform(0.95, 1.1) * 150, rng.uniform(0.9, 1.05) * 112
    my, mx = (ys - cy - rng.uniform(-8, 8)) / ey, (xs - cx - rng.uniform(-8, 8)) / ex
    contact = np.clip((1.0 - (my * my + mx * mx)) * 4, 0, 1)
    pressure = rng.uniform(-0.25, 0.25)  # > 0: wide ridges (wet/pressed), < 0: thin (dry)
    ink = np.clip(0.5 + 0.5 * np.tanh(2.0 * (r + pressure)), 0, 1) * contact
    ink = ink * rng.uniform(0.75, 1.0) + rng.normal(0, 0.06, ink.shape)
    # A touch of blur (3x3 binomial) for the optics.
    k = np.array([1.0, 2.0, 1.0]) / 4
    ink = np.apply_along_axis(lambda v: np.convolve(v, k, "same"), 0, ink)
    ink = np.apply_along_axis(lambda v: np.convolve(v, k, "same"), 1, ink)
    return np.clip(255 * (1 - ink), 0, 255).astype(np.uint8)


def impression(finger: int, impression: int, seed: int = 0) -> bytes:
    """The packed 4-bit sensor image (36,864 bytes) of one impression."""
    return pack_4bit(quantize4(impression_gray(finger, impression, seed)))


def dataset(n_fingers: int, n_impressions: int, seed: int = 0):
    """Yield ((finger, impression), packed image) for fingers 1..N, impressions 1..M."""
    for f in range(1, n_fingers + 1):
        for i in range(1, n_impressions + 1):
            yield (f, i), impression(f, i, seed)


def save_dataset(out: Path, n_fingers: int, n_impressions: int, seed: int = 0) -> list[Path]:
    """Write FFF_I.png files (FVC naming: finger 101.., impression 1..) as 8-bit grey."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in range(1, n_fingers + 1):
        for i in range(1, n_impressions + 1):
            p = out / ("%d_%d.png" % (100 + f, i))
            Image.fromarray(impression_gray(f, i, seed)).save(p)
            paths.append(p)
    return paths


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Write synthetic fingerprints as FFF_I.png")
    ap.add_argument("out", type=Path)
    ap.add_argument("--fingers", type=int, default=4)
    ap.add_argument("--impressions", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for p in save_dataset(args.out, args.fingers, args.impressions, args.seed):
        print(p)


if __name__ == "__main__":
    main()
