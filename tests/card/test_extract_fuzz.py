"""Property test: whatever the sensor uploads, the extractor returns a well-formed minutiae
list (never raises, never leaves the image, stays within its caps) and the viper kernels run
by extract_batch under micropython agree with CPython. Inputs are random mixtures of the
things a sensor produces: flat areas, stripes at any angle and period, noise, saturation."""
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bioshard.bio import extract_batch as XB
from bioshard_card.bio import extract as E

W, H = E.WIDTH, E.HEIGHT

patch = st.tuples(
    st.integers(0, W - 1), st.integers(0, H - 1),            # centre
    st.integers(8, 160),                                      # radius
    st.sampled_from(["flat", "stripes", "noise"]),
    st.integers(0, 15),                                       # level / contrast
    st.floats(0, math.pi), st.floats(4.0, 16.0),              # stripe angle, period
)


def render(background, patches, seed):
    nib = bytearray([background]) * (W * H)
    x = seed
    for cx, cy, r, kind, lvl, ang, per in patches:
        c, s = math.cos(ang), math.sin(ang)
        for y in range(max(0, cy - r), min(H, cy + r)):
            for xx in range(max(0, cx - r), min(W, cx + r)):
                if kind == "flat":
                    v = lvl
                elif kind == "stripes":
                    v = 8 + int(lvl / 2 * math.cos(2 * math.pi * ((xx * c + y * s) / per)))
                else:
                    x = (x * 1103515245 + 12345) & 0x7FFFFFFF
                    v = (x >> 16) % (lvl + 1)
                nib[y * W + xx] = max(0, min(15, v))
    return bytes((nib[2 * i] << 4) | nib[2 * i + 1] for i in range(W * H // 2))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 15), st.lists(patch, max_size=4), st.integers(0, 2 ** 31 - 1))
def test_any_upload_gives_well_formed_minutiae(background, patches, seed):
    img = render(background, patches, seed)
    ms = E.extract_minutiae(img)
    assert len(ms) <= E.MAX_MINUTIAE
    for x, y, a, k, q in ms:
        assert 16 <= x < W - 16 and 16 <= y < H - 16  # never in the outer two block rings
        assert 0 <= a < 256 and k in (1, 2) and 20 <= q <= 100
    assert [m[4] for m in ms] == sorted((m[4] for m in ms), reverse=True)
    if XB.micropython_exe():
        assert XB.extract_batch_micropython([img]) == [ms]
