# heapsize: 512k
# The extractor's memory budget: the card gives it a 2 MB heap (PSRAM); here the whole
# extraction must run in a quarter of that (it needs ~400 KB including this test and its
# synthetic image), so it fits with room beside the rest of the app.
# Under CPython these are plain functional checks; under MicroPython the heap limit above is
# the assertion (a MemoryError fails the test).
import gc

from bioshard_card.bio import extract as E


def lcg_image(seed):
    # worst case for the later stages: pure noise has high variance everywhere (the whole
    # image is "finger") and skeletonises into a maze with hundreds of candidate minutiae
    out = bytearray(E.PACKED_LEN)
    x = seed
    for i in range(len(out)):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = x >> 23
    return out


def test_noise_image_within_heap_and_capped():
    img = lcg_image(7)
    gc.collect()
    f = E.extract(img)
    assert len(f.minutiae) <= E.MAX_MINUTIAE
    assert sum(f.mask) > 0.5 * f.bw * f.bh


def test_repeated_extractions_do_not_leak():
    from test_extract import synth

    img = synth(128, 150, 45, 1)
    first = E.extract_minutiae(img)
    for _ in range(3):
        gc.collect()
        assert E.extract_minutiae(img) == first
