"""Any fingerprint image -> what an R307/AS608 uploads: 256 x 288 pixels, 4 bits, packed.

Choices (see docs/sensor.md):
- Geometry: the ZFM sensors are ~500 dpi optical sensors, and so are the FVC images (DB3's
  thermal sensor is 512 dpi, close enough), so a 500-dpi source is NOT rescaled: the sensor
  window is cut out of it. Other resolutions are resampled to 500 dpi when the caller says
  so (`source_dpi`); TIFF dpi tags are not trusted (FVC files carry arbitrary ones).
- Placement: the 256 x 288 window is centred on the centre of mass of the foreground (16 x 16
  blocks whose grey-level spread marks ridges), clamped to stay inside the image when the
  image is large enough, padded with background white where it is not.
- Levels: the window is stretched so its 1st..99th percentile spans 0..255 (the sensor's
  exposure control does the same), then quantized to 16 levels, rounding to nearest.
- Packing: row-major, two pixels per byte, the left pixel in the high nibble (UpImage order).
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from bioshard_card.drivers.zfm_image import HEIGHT, IMAGE_BYTES, WIDTH

BLOCK = 16
BACKGROUND = 255


def load_gray(src) -> np.ndarray:
    """A path, PIL image or 2-D array as a uint8 grayscale array."""
    if isinstance(src, np.ndarray):
        if src.ndim != 2:
            raise ValueError("expected a 2-D grayscale array")
        return np.clip(src, 0, 255).astype(np.uint8)
    img = src if isinstance(src, Image.Image) else Image.open(src)
    return np.asarray(img.convert("L"), dtype=np.uint8)


def foreground_mask(a: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """Boolean block map: True where the grey-level spread says ridges are present."""
    h, w = a.shape[0] // block, a.shape[1] // block
    if h == 0 or w == 0:
        return np.ones((1, 1), bool)
    blocks = a[: h * block, : w * block].astype(np.float32).reshape(h, block, w, block)
    std = blocks.std(axis=(1, 3))
    # Relative to the image's own strongest ridge areas, with an absolute floor for noise.
    return std > max(6.0, 0.4 * float(np.percentile(std, 95)))


def foreground_center(a: np.ndarray, block: int = BLOCK) -> tuple[float, float]:
    """(row, col) centre of mass of the foreground, or the image centre if there is none."""
    mask = foreground_mask(a, block)
    if not mask.any():
        return a.shape[0] / 2, a.shape[1] / 2
    ys, xs = np.nonzero(mask)
    return (ys.mean() + 0.5) * block, (xs.mean() + 0.5) * block


def _window_start(center: float, size: int, extent: int) -> int:
    start = int(round(center - size / 2))
    if extent >= size:
        return min(max(start, 0), extent - size)
    return start  # image smaller than the window: centre it, padding fills the rest


def window_origin(shape, center: tuple[float, float], h: int = HEIGHT, w: int = WIDTH) -> tuple[int, int]:
    """(row, col) of the sensor window's top-left corner in an image of `shape`."""
    return _window_start(center[0], h, shape[0]), _window_start(center[1], w, shape[1])


def crop_window(a: np.ndarray, center: tuple[float, float], h: int = HEIGHT, w: int = WIDTH) -> np.ndarray:
    y0, x0 = window_origin(a.shape, center, h, w)
    out = np.full((h, w), BACKGROUND, np.uint8)
    sy0, sx0 = max(y0, 0), max(x0, 0)
    sy1, sx1 = min(y0 + h, a.shape[0]), min(x0 + w, a.shape[1])
    if sy1 > sy0 and sx1 > sx0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = a[sy0:sy1, sx0:sx1]
    return out


def stretch(a: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(a, (1, 99))
    if hi - lo < 1:
        return a.copy()
    return np.clip((a.astype(np.float32) - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)


def quantize4(a: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> uint8 0..15, rounding to the nearest level."""
    return ((a.astype(np.uint16) * 15 + 127) // 255).astype(np.uint8)


def pack_4bit(nibbles: np.ndarray) -> bytes:
    """(288, 256) array of 0..15 -> 36,864 bytes, left pixel in the high nibble."""
    if nibbles.shape != (HEIGHT, WIDTH):
        raise ValueError("expected a %dx%d image" % (WIDTH, HEIGHT))
    n = nibbles.astype(np.uint8) & 0x0F
    return ((n[:, 0::2] << 4) | n[:, 1::2]).tobytes()


def unpack_4bit(packed, scale: int = 17) -> bytes:
    """36,864 packed bytes -> 256*288 bytes of 8-bit grey (nibble * 17: 0..255)."""
    if len(packed) != IMAGE_BYTES:
        raise ValueError("expected %d bytes" % IMAGE_BYTES)
    return (unpack_nibbles(packed) * scale).astype(np.uint8).tobytes()


def unpack_nibbles(packed) -> np.ndarray:
    """36,864 packed bytes -> (288, 256) uint8 array of 0..15."""
    p = np.frombuffer(bytes(packed), np.uint8).reshape(HEIGHT, WIDTH // 2)
    out = np.empty((HEIGHT, WIDTH), np.uint8)
    out[:, 0::2] = p >> 4
    out[:, 1::2] = p & 0x0F
    return out


def to_pil(packed) -> Image.Image:
    """The sensor image as an 8-bit PIL image (for viewing and for the bio tooling)."""
    return Image.frombytes("L", (WIDTH, HEIGHT), unpack_4bit(packed))


def _convert(src, source_dpi: float, dpi: float, auto_level: bool):
    a = load_gray(src)
    scale = 1.0
    if abs(source_dpi - dpi) > 0.02 * dpi:
        scale = dpi / source_dpi
        size = (max(1, round(a.shape[1] * scale)), max(1, round(a.shape[0] * scale)))
        a = np.asarray(Image.fromarray(a).resize(size, Image.LANCZOS), dtype=np.uint8)
    center = foreground_center(a)
    y0, x0 = window_origin(a.shape, center)
    win = crop_window(a, center)
    if auto_level:
        win = stretch(win)
    return pack_4bit(quantize4(win)), x0, y0, scale


def to_sensor_image(src, source_dpi: float = 500, dpi: float = 500, auto_level: bool = True) -> bytes:
    """Any PIL-readable image (path or PIL image or 2-D array) -> bytes(36864) as UpImage sends."""
    return _convert(src, source_dpi, dpi, auto_level)[0]


def sensor_crop(src, source_dpi: float = 500, dpi: float = 500, auto_level: bool = True):
    """(packed image, (ox, oy)): sensor pixel (x, y) shows source pixel (x + ox, y + oy)
    (in source pixels divided by the scale when source_dpi != dpi)."""
    packed, x0, y0, scale = _convert(src, source_dpi, dpi, auto_level)
    return packed, (x0 / scale, y0 / scale)


def sensor_window(src, source_dpi: float = 500, dpi: float = 500) -> tuple[float, float, float]:
    """(x0, y0, scale): source pixel (x, y) lands on sensor pixel ((x - x0) * scale, (y - y0) * scale).
    Used to bring reference minutiae (ISO 19794-2 records) into the sensor frame."""
    _, x0, y0, scale = _convert(src, source_dpi, dpi, False)
    return x0 / scale, y0 / scale, scale


def main(argv=None) -> None:
    """python -m bioshard.sim.fingerimage IN [IN ...] --out DIR: what the sensor would upload,
    saved as 8-bit PNGs (256 x 288, 16 grey levels) for viewing."""
    import argparse
    from pathlib import Path

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("images", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--source-dpi", type=float, default=500)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for p in args.images:
        dst = args.out / (p.stem + ".png")
        to_pil(to_sensor_image(p, source_dpi=args.source_dpi)).save(dst)
        print(dst)


if __name__ == "__main__":
    main()
