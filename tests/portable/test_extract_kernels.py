# heapsize: 2m
# The extractor's pixel kernels: the @micropython.viper set must give byte-identical results
# to the plain-Python set (which is what CPython and the host run), and the tables they share
# must do what they claim. The identity tests only run where viper exists (MicroPython);
# under CPython they skip with the reason.
from array import array

from ptest import skip

from bioshard_card.bio import extract as E
from bioshard_card.bio import img_kernels as P
from bioshard_card.bio import img_tables as T

W, H, BS = 64, 48, 8


def viper():
    if E.fast_kernels is None:
        skip("viper kernels need MicroPython with the native emitter")
    return E.fast_kernels


def noise(n, seed, mod=256):
    # deterministic LCG bytes (no random module on every port)
    out = bytearray(n)
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = (x >> 16) % mod
    return out


def smooth_noise(seed):
    # a grey image with ridge-like structure and extreme values (0 and 255 both occur)
    g = noise(W * H, seed)
    for i in range(0, W * H, 7):
        g[i] = 255 if (i // 7) & 1 else 0
    return g


def test_unpack4_identical():
    K = viper()
    packed = noise(W * H // 2, 1)
    a, b = bytearray(W * H), bytearray(W * H)
    P.unpack4(packed, a, len(packed))
    K.unpack4(packed, b, len(packed))
    assert a == b


def test_block_grad_identical_with_extreme_gradients():
    K = viper()
    for seed in (2, 3):
        g = smooth_noise(seed)
        a = array("i", bytes(4 * 5 * (W // BS) * (H // BS)))
        b = array("i", bytes(len(a) * 4))
        P.block_grad(g, W, H, BS, a)
        K.block_grad(g, W, H, BS, b)
        assert list(a) == list(b)
        assert any(v < 0 for v in a)  # signed sums survive the 32-bit store


def test_oriented_filter_identical_all_directions():
    K = viper()
    g = smooth_noise(4)
    nb = (W // BS) * (H // BS)
    bdir = bytearray(nb)
    for i in range(nb):
        bdir[i] = 255 if i % 5 == 4 else i % T.ND
    ao, aw, xo, xw = T.filter_tables(W)
    for offs, wts, taps, shift, bias, bg in ((ao, aw, T.ALONG_TAPS, T.SHIFT, 0, 256),
                                              (xo, xw, T.ACROSS_TAPS, 5, 128, 255)):
        a, b = bytearray(W * H), bytearray(W * H)
        P.oriented_filter(g, a, W, H, BS, bdir, offs, wts, taps, shift, bias, bg)
        K.oriented_filter(g, b, W, H, BS, bdir, offs, wts, taps, shift, bias, bg)
        assert a == b


def test_binarize_thin_and_scan_identical():
    K = viper()
    g = smooth_noise(5)
    a, b = bytearray(W * H), bytearray(W * H)
    P.binarize(g, a, W * H, 128)
    K.binarize(g, b, W * H, 128)
    assert a == b
    clear_ring(a)
    clear_ring(b)
    for sub in (0, 1, 0, 1, 0, 1):
        assert P.thin_pass(a, W, H, T.THIN_LUT, sub) == K.thin_pass(b, W, H, T.THIN_LUT, sub)
        assert a == b
    mask = noise((W // BS) * (H // BS), 6, 2)
    ca = array("i", bytes(4 * 200))
    cb = array("i", bytes(4 * 200))
    na = P.find_minutiae(a, W, H, BS, mask, T.CN_LUT, ca, 100)
    nb = K.find_minutiae(b, W, H, BS, mask, T.CN_LUT, cb, 100)
    assert na == nb and na > 0
    assert list(ca) == list(cb)


def test_whole_extractor_identical():
    K = viper()
    from test_extract import synth

    img = synth(110, 150, 75, -1)
    assert E.extract_minutiae(img, P) == E.extract_minutiae(img, K)
    img = synth(150, 120, 160, 1)
    fp, fk = E.extract(img, P), E.extract(img, K)
    assert fp.minutiae == fk.minutiae and fp.mask == fk.mask
    assert fp.orientation == fk.orientation and fp.coherence == fk.coherence


def clear_ring(img):
    for x in range(W):
        img[x] = img[(H - 1) * W + x] = 0
    for y in range(H):
        img[y * W] = img[y * W + W - 1] = 0


def thin_fully(img):
    while P.thin_pass(img, W, H, T.THIN_LUT, 0) + P.thin_pass(img, W, H, T.THIN_LUT, 1):
        pass


def test_thinning_keeps_one_connected_thin_line():
    # a 5-pixel-thick bar with a diagonal limb thins to a connected line of width 1
    img = bytearray(W * H)
    for y in range(20, 25):
        for x in range(8, 56):
            img[y * W + x] = 1
    for i in range(16):
        for t in range(4):
            img[(24 + i) * W + 30 + i + t] = 1
    thin_fully(img)
    on = [i for i in range(W * H) if img[i]]
    assert 40 < len(on) < 48 + 16 + 10
    # connected (8-neighbourhood flood fill from one pixel reaches all)
    seen = {on[0]}
    stack = [on[0]]
    while stack:
        p = stack.pop()
        for d in (-W - 1, -W, -W + 1, -1, 1, W - 1, W, W + 1):
            q = p + d
            if img[q] and q not in seen:
                seen.add(q)
                stack.append(q)
    assert len(seen) == len(on)
    # thin: no 2x2 square of skeleton pixels
    for p in on:
        assert not (img[p + 1] and img[p + W] and img[p + W + 1])
    # the crossing number finds the 3 line ends and the junction
    ca = array("i", bytes(4 * 40))
    mask = bytearray(b"\x01" * ((W // BS) * (H // BS)))
    n = P.find_minutiae(img, W, H, BS, mask, T.CN_LUT, ca, 20)
    kinds = sorted(ca[2 * i + 1] for i in range(n))
    assert kinds.count(1) == 3 and kinds.count(3) >= 1, kinds


def test_crossing_number_table():
    N, NE, E_, SE, S, SW, W_, NW = (1 << i for i in range(8))
    assert T.CN_LUT[0] == 0
    assert T.CN_LUT[N] == 1 and T.CN_LUT[N | NE] == 1
    assert T.CN_LUT[N | S] == 2 and T.CN_LUT[W_ | NE] == 2
    assert T.CN_LUT[N | SE | SW] == 3
    assert T.CN_LUT[N | E_ | S | W_] == 4


def test_filter_tables_are_balanced():
    # along: unit gain; across: exactly zero response to a flat image
    assert sum(T.WEIGHTS_ALONG) == 1 << T.SHIFT
    assert sum(T.WEIGHTS_ACROSS) == 0
    ao, aw, xo, xw = T.filter_tables(W)
    assert len(ao) == T.ND * T.ALONG_TAPS and len(xo) == T.ND * T.ACROSS_TAPS
    # the centre tap of every direction is the pixel itself
    for d in range(T.ND):
        assert ao[d * T.ALONG_TAPS + T.ALONG_TAPS // 2] == T.BIAS
        assert xo[d * T.ACROSS_TAPS + T.ACROSS_TAPS // 2] == T.BIAS


def test_wipe_kernels_identical():
    K = viper()
    for kern in (P, K):
        b = noise(1000, 9)
        b[0] = b[999] = 7
        kern.wipe(b, 999)
        assert b[:999] == bytearray(999) and b[999] == 7
        a = array("i", [-1, 5, 1 << 30, -(1 << 31), 9])
        kern.wipe32(a, 4)
        assert list(a) == [0, 0, 0, 0, 9]


def test_integer_atan2_matches_float_atan2():
    import math

    from bioshard_card.bio import img_math as M

    # the stored table is the formula (recomputed in double precision here)
    assert len(M.ATAN) == 257
    for r in range(257):
        assert M.ATAN[r] == int(math.atan(r / 256) * 1024 / (2 * math.pi) + 0.5), r
    pts = [(0, 1), (1, 0), (0, -1), (-1, 0), (5, 5), (-5, 5), (3, -7), (-1000000, -1)]
    x = 12345
    for _ in range(300):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        pts.append(((x >> 8) % 4001 - 2000, (x >> 3) % 3001 - 1500))
    for px, py in pts:
        if px == 0 and py == 0:
            continue
        a = M.iatan2(py, px)
        assert 0 <= a < 1024
        b = math.atan2(py, px) * 1024 / (2 * math.pi) % 1024
        d = abs(a - b)
        assert min(d, 1024 - d) <= 1.2, (px, py, a, b)
    assert M.iatan2(0, 0) == 0


def test_integer_sqrt_is_exact_floor():
    from bioshard_card.bio.img_math import isqrt

    for n in list(range(300)) + [2 ** 31 - 1, 2 ** 30, 46340 ** 2, 46340 ** 2 - 1, 65025, 99980001]:
        r = isqrt(n)
        assert r * r <= n < (r + 1) * (r + 1), n


def test_count3_correct_and_identical():
    K = E.fast_kernels  # None under CPython: then only the plain kernel is checked
    bw, bh = 12, 9
    src = noise(bw * bh, 11, 2)
    for thr in (1, 5, 9):
        a, b = bytearray(bw * bh), bytearray(bw * bh)
        P.count3(src, a, bw, bh, thr)
        if K is not None:
            K.count3(src, b, bw, bh, thr)
            assert a == b
        for by in range(bh):
            for bx in range(bw):
                i = by * bw + bx
                if bx in (0, bw - 1) or by in (0, bh - 1):
                    assert a[i] == 0
                else:
                    c = sum(src[i + dy * bw + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
                    assert a[i] == (1 if c >= thr else 0)
