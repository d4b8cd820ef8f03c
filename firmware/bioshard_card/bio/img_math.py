# Integer angle and square-root helpers for the extractor's block and minutiae stages.
#
# Why not math.atan2 / math.sqrt: the ESP32 build of MicroPython computes in single precision
# and the unix port / CPython in double, so a float result that lands near a rounding boundary
# can quantise differently on the card and on the host; every float op also allocates a boxed
# float on the card's heap. These integer versions give the same answer everywhere.
from binascii import unhexlify
from math import sqrt

# ATAN[r] = round(atan(r / 256) * 1024 / (2 pi)) for r = 0..256: the angle of slope r/256 in
# 1/1024 of a turn (0..128 = 0..45 degrees). Stored, not computed at import, because some
# entries lie within 6e-5 of a rounding boundary -- too close for single-precision floats.
# tests/portable/test_extract_kernels.py recomputes it.
ATAN = unhexlify(
    "0001010203030404050606070808090a0a0b0b0c0d0d0e0f0f101011121213141415161617171819191a1b1b"
    "1c1c1d1e1e1f1f202121222223242425262627272829292a2a2b2c2c2d2d2e2e2f3030313132333334343535"
    "363737383839393a3a3b3c3c3d3d3e3e3f3f4041414242434344444545464647474848494a4a4b4b4c4c4d4d"
    "4e4e4f4f5050515152525353545454555556565757585859595a5a5b5b5b5c5c5d5d5e5e5f5f606060616162"
    "6263636364646565666666676768686869696a6a6a6b6b6c6c6c6d6d6e6e6e6f6f7070707171717272737373"
    "74747475757676767777777878787979797a7a7a7b7b7b7c7c7c7d7d7d7e7e7e7f7f7f8080"
)
TURN = 1024  # iatan2 returns 0..TURN-1


def iatan2(y, x):
    """Angle of the vector (x, y), counter-clockwise from +x, in 1/1024 turn (0..1023).
    Accurate to the table's 0.35 degrees (+ at most 0.2 degrees of slope quantisation)."""
    ax = x if x >= 0 else -x
    ay = y if y >= 0 else -y
    if ax == 0 and ay == 0:
        return 0
    if ax >= ay:
        a = ATAN[(ay << 8) // ax]
    else:
        a = 256 - ATAN[(ax << 8) // ay]
    if x < 0:
        a = 512 - a
    if y < 0:
        a = -a
    return a & 1023


def isqrt(n):
    """floor(sqrt(n)) for 0 <= n < 2**31, exact on every port: the float square root (single
    precision on the ESP32) is only a first guess, corrected in integers (at most a step or
    two at this size). Newton's iteration alone costs ~15 us a call on the unix port."""
    if n < 2:
        return n
    g = int(sqrt(n))
    while g * g > n:
        g -= 1
    while (g + 1) * (g + 1) <= n:
        g += 1
    return g
