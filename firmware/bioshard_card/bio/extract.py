# Fingerprint feature extraction on the card: sensor image -> minutiae.
#
#   packed 4-bit 256x288 upload -> 8-bit grey -> block Sobel sums -> segmentation mask and
#   orientation field (extract_blocks) -> along-ridge smoothing + across-ridge band-pass
#   (oriented, per 8x8 block) -> binary ridges -> Guo-Hall skeleton -> crossing-number
#   candidates -> tracing and false-minutiae removal (extract_post) -> minutiae.
#
# Memory: the packed input plus two 73,728-byte work buffers (the grey image is reused for
# the enhanced image) and a 23 KB block table; nothing else scales with the image.
# Speed: the pixel kernels run as @micropython.viper code on MicroPython and as plain
# Python elsewhere (img_kernels / img_kernels_viper, identical results).
from array import array

from . import extract_blocks as _blocks
from . import extract_post as _post
from . import img_kernels as plain_kernels
from . import img_tables as _t

try:
    from . import img_kernels_viper as fast_kernels
except (ImportError, SyntaxError, ValueError, NotImplementedError, NameError):
    # CPython, or a MicroPython build without the native emitter
    fast_kernels = None

WIDTH = 256
HEIGHT = 288
PACKED_LEN = WIDTH * HEIGHT // 2
BLOCK = 8
MAX_MINUTIAE = 60
MAX_CANDIDATES = 600
# Across-ridge filter output is centred on 128; below = ridge (dark), the sign of a zero-mean
# band-pass, so binarisation needs no per-image threshold.
_ACROSS_SHIFT = 5
_RIDGE_THRESHOLD = 128
_MAX_THIN_PASSES = 40  # ridges are ~4 px wide: thinning converges in well under 10 passes


def kernels():
    """The kernel set used by default: viper when available."""
    return fast_kernels if fast_kernels is not None else plain_kernels


# Filter offset tables for the sensor width, built at import: built lazily they would land
# between the big work buffers and fragment the heap for the next extraction.
_FILTERS = _t.filter_tables(WIDTH)


def _filter_tables(w):
    return _FILTERS if w == WIDTH else _t.filter_tables(w)


class Features:
    """Extractor output. Block fields are bytearrays of bw*bh entries, row-major, one per
    block of `block` x `block` sensor pixels:
    - mask: 1 = fingerprint area;
    - orientation: ridge orientation in ISO angle units (0..127 = 0..180 deg, counter-
      clockwise from +x with y up), 255 off the mask;
    - coherence: 0..100, how clean the ridge flow is (used as minutia quality)."""

    def __init__(self, minutiae, mask, orientation, coherence, bw, bh, block):
        self.minutiae = minutiae
        self.mask = mask
        self.orientation = orientation
        self.coherence = coherence
        self.bw = bw
        self.bh = bh
        self.block = block


def unpack(packed, K=None):
    """Sensor upload (36,864 bytes, 4 bpp, high nibble first) -> 73,728-byte grey image."""
    if len(packed) != PACKED_LEN:
        raise ValueError("sensor image must be %d bytes, got %d" % (PACKED_LEN, len(packed)))
    K = K or kernels()
    gray = bytearray(WIDTH * HEIGHT)
    K.unpack4(packed, gray, PACKED_LEN)
    return gray


def extract(packed, K=None):
    """Features of one sensor upload (see Features). The caller owns (and should wipe) the
    input and the returned block fields; every intermediate image is zeroed before return."""
    K = K or kernels()
    gray = unpack(packed, K)
    try:
        return extract_gray(gray, WIDTH, HEIGHT, K)
    finally:
        K.wipe(gray, len(gray))


def extract_minutiae(packed, K=None):
    """[(x, y, angle, kind, quality)], sorted by quality descending, at most MAX_MINUTIAE."""
    f = extract(packed, K)
    for b in (f.mask, f.orientation, f.coherence):
        for i in range(len(b)):
            b[i] = 0
    return f.minutiae


def extract_gray(gray, w, h, K=None, skeleton_out=None):
    """Features of an 8-bit grey image (w and h multiples of BLOCK). `gray` is overwritten
    (it becomes the enhanced image; the caller wipes it). If skeleton_out is a list, a copy
    of the skeleton is appended (tools and tests only)."""
    K = K or kernels()
    bs = BLOCK
    bw, bh = w // bs, h // bs
    n = w * h
    # big buffers first, while the heap is unfragmented by the block stage's small objects
    work = bytearray(n)
    cands = array("i", bytes(4 * 2 * MAX_CANDIDATES))
    stats = array("i", bytes(4 * 5 * bw * bh))
    bdir = inner = deep = None
    try:
        K.block_grad(gray, w, h, bs, stats)
        mask = _blocks.segment(stats, bw, bh, bs, K)
        bdir, angle, coh = _blocks.orientation(stats, mask, bw, bh)
        inner = _blocks.erode(mask, bw, bh, K)
        deep = _blocks.erode(inner, bw, bh, K)
        aoff, aw, xoff, xw = _filter_tables(w)
        K.oriented_filter(gray, work, w, h, bs, bdir, aoff, aw, _t.ALONG_TAPS, _t.SHIFT, 0, 256)
        K.oriented_filter(work, gray, w, h, bs, bdir, xoff, xw, _t.ACROSS_TAPS, _ACROSS_SHIFT,
                          128, 255)
        K.binarize(gray, work, n, _RIDGE_THRESHOLD)
        lut = _t.THIN_LUT
        for _ in range(_MAX_THIN_PASSES):
            if K.thin_pass(work, w, h, lut, 0) + K.thin_pass(work, w, h, lut, 1) == 0:
                break
        nc = K.find_minutiae(work, w, h, bs, inner, _t.CN_LUT, cands, MAX_CANDIDATES)
        ms = _post.minutiae(work, w, h, bs, cands, nc, angle, coh, inner, deep, MAX_MINUTIAE)
        if skeleton_out is not None:
            skeleton_out.append(bytearray(work))
    finally:
        # the skeleton, the candidates and the gradient sums are biometric data: zero them
        # rather than leave them to the garbage collector (gray is the caller's, see extract)
        K.wipe(work, n)
        K.wipe32(cands, len(cands))
        K.wipe32(stats, len(stats))
        for b in (bdir, inner, deep):
            if b is not None:
                K.wipe(b, len(b))
    return Features(ms, mask, angle, coh, bw, bh, bs)
