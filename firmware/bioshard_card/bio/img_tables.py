# Lookup tables shared by the plain and the viper image kernels.
#
# Both kernel sets read the SAME tables, so they cannot drift apart: a kernel only says "how to
# walk the pixels", the tables say "what to compute". Tables are built once at import (a few
# hundred bytes each); CPython and MicroPython build identical bytes because every float is
# rounded through `_iround`, which refuses near-ties.
import math

try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

# Orientation is quantised into ND directions over 180 degrees (11.25 degrees a step).
ND = const(16)
# Signed values are stored with this bias because viper's ptr32 loads zero-extend on 64-bit
# ports (a stored -1 would read back as 4294967295 on the unix port but -1 on the ESP32).
BIAS = const(1 << 16)
# Ridge period assumed by the enhancement filter: 500 dpi fingerprints have 8-11 px ridge
# periods; 9 px sits in the middle and the filter's Gaussian envelope tolerates the spread.
PERIOD = 9.0
ALONG_TAPS = const(11)   # taps of the along-ridge smoothing (k = -5..5)
ACROSS_TAPS = const(9)   # taps of the across-ridge band-pass profile (k = -4..4)
SHIFT = const(8)         # weights are fixed-point with 8 fractional bits


def _iround(v):
    # Round half away from zero. Tables are computed at import with floats, which are single
    # precision on the ESP32 and double on the host: refuse any value so close to a rounding
    # boundary that the two could round differently (none is, by a factor > 10: the nearest,
    # a filter offset, sits 0.0056 from it), so card and host tables are always identical.
    f = abs(v) % 1.0
    if abs(f - 0.5) < 1e-3:
        raise ValueError("table value %r too close to a rounding boundary" % v)
    return int(v + 0.5) if v >= 0 else -int(-v + 0.5)


def _neighbour_bits(code):
    # bit i = neighbour i in the clockwise order N, NE, E, SE, S, SW, W, NW
    return [(code >> i) & 1 for i in range(8)]


def _transitions(p):
    # number of 0 -> 1 transitions around the 8-neighbourhood (the crossing number)
    return sum(1 for i in range(8) if p[i] == 0 and p[(i + 1) & 7] == 1)


def _crossing_lut():
    lut = bytearray(256)
    for code in range(256):
        lut[code] = _transitions(_neighbour_bits(code))
    return lut


def _guo_hall_lut():
    # lut[sub * 256 + code] = 1 if the pixel is deleted in sub-iteration `sub` (0 or 1).
    # Guo & Hall (1989), algorithm A1: the same two-sub-iteration parallel scheme as
    # Zhang-Suen, but it keeps 2-pixel-thick diagonal ridges (which Zhang-Suen erases
    # entirely: measured, that lost whole ridges at 45 degrees and cost ~5 points of recall).
    lut = bytearray(512)
    for code in range(256):
        p2, p3, p4, p5, p6, p7, p8, p9 = _neighbour_bits(code)
        c = ((1 - p2) & (p3 | p4)) + ((1 - p4) & (p5 | p6)) + ((1 - p6) & (p7 | p8)) + ((1 - p8) & (p9 | p2))
        n1 = (p9 | p2) + (p3 | p4) + (p5 | p6) + (p7 | p8)
        n2 = (p2 | p3) + (p4 | p5) + (p6 | p7) + (p8 | p9)
        n = n1 if n1 < n2 else n2
        if c != 1 or n < 2 or n > 3:
            continue
        if ((p6 | p7 | (1 - p9)) & p8) == 0:
            lut[code] = 1
        if ((p2 | p3 | (1 - p5)) & p4) == 0:
            lut[256 + code] = 1
    return lut


THIN_LUT = _guo_hall_lut()
CN_LUT = _crossing_lut()


def _weights_along():
    # Gaussian (sigma 3.5 px) smoothing along the ridge: bridges pores and small breaks.
    half = ALONG_TAPS // 2
    g = [math.exp(-(k * k) / (2 * 3.5 * 3.5)) for k in range(-half, half + 1)]
    s = sum(g)
    w = [_iround(v * (1 << SHIFT) / s) for v in g]
    w[half] += (1 << SHIFT) - sum(w)  # exact unit gain
    return w


def _weights_across():
    # Even Gabor profile across the ridge (cosine of the ridge period under a Gaussian),
    # made exactly zero-mean so flat areas give 0 and only ridge/valley structure survives.
    half = ACROSS_TAPS // 2
    g = [math.cos(2 * math.pi * k / PERIOD) * math.exp(-(k * k) / (2 * 2.8 * 2.8))
         for k in range(-half, half + 1)]
    m = sum(g) / len(g)
    g = [v - m for v in g]
    peak = max(abs(v) for v in g)
    w = [_iround(v * 48 / peak) for v in g]
    w[half] -= sum(w)  # exact zero DC
    return w


def _offsets(width, along):
    # Linear pixel offsets (biased) of each tap, for each of the ND ridge directions.
    # Direction d means the ridge runs at angle d*180/ND degrees in image coordinates (y down).
    taps = ALONG_TAPS if along else ACROSS_TAPS
    half = taps // 2
    out = []
    for d in range(ND):
        t = math.pi * d / ND
        c, s = math.cos(t), math.sin(t)
        for k in range(-half, half + 1):
            if along:
                dx, dy = _iround(k * c), _iround(k * s)
            else:
                dx, dy = _iround(-k * s), _iround(k * c)
            out.append(dy * width + dx + BIAS)
    return out


WEIGHTS_ALONG = _weights_along()
WEIGHTS_ACROSS = _weights_across()


def filter_tables(width):
    """(along_offsets, along_weights, across_offsets, across_weights) as biased int arrays."""
    from array import array

    return (array("i", _offsets(width, True)), array("i", [v + BIAS for v in WEIGHTS_ALONG]),
            array("i", _offsets(width, False)), array("i", [v + BIAS for v in WEIGHTS_ACROSS]))
