# Plain-Python versions of the hot image kernels of the extractor.
#
# img_kernels_viper.py holds the SAME algorithms written for @micropython.viper; extract.py
# picks the viper set on MicroPython and this one elsewhere (CPython, or a port without the
# native emitter). Any change here must be mirrored there: tests/portable/test_extract_kernels.py
# runs both on the same inputs under MicroPython and requires byte-identical outputs.
#
# Conventions shared by every kernel:
# - images are bytearrays of w*h bytes, row-major; the extractor is given 8x8 blocks
#   (bs = block size) and never works on the outer ring of blocks, so every kernel may read
#   up to bs pixels around an interior pixel without bounds checks;
# - signed table values carry img_tables.BIAS (see there for why).
from .img_tables import BIAS


def wipe(buf, n):
    """Zero the first n bytes of buf (biometric work buffers must not linger in the heap)."""
    for i in range(n):
        buf[i] = 0


def wipe32(words, n):
    """Zero the first n entries of a 32-bit int array."""
    for i in range(n):
        words[i] = 0


def unpack4(packed, gray, n):
    """4-bit packed (high nibble first) -> 8-bit grey (v * 17, so 15 -> 255)."""
    for i in range(n):
        b = packed[i]
        gray[2 * i] = (b >> 4) * 17
        gray[2 * i + 1] = (b & 15) * 17


def block_grad(img, w, h, bs, out):
    """Per interior block: Sobel sums (2*gx*gy, gx^2-gy^2, gx^2+gy^2) and pixel sum, sum^2.

    out is an int array of 5 * (w//bs) * (h//bs) entries; border blocks are left at 0.
    Values fit 31 bits for bs <= 16 (|gx| <= 1020), so the viper twin agrees on 32-bit cores.
    """
    bw = w // bs
    bh = h // bs
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            vx = vy = en = s = s2 = 0
            for y in range(by * bs, by * bs + bs):
                row = y * w
                for x in range(bx * bs, bx * bs + bs):
                    p = row + x
                    a = img[p - w - 1]
                    b = img[p - w]
                    c = img[p - w + 1]
                    d = img[p - 1]
                    f = img[p + 1]
                    g = img[p + w - 1]
                    hh = img[p + w]
                    i = img[p + w + 1]
                    gx = (c + 2 * f + i) - (a + 2 * d + g)
                    gy = (g + 2 * hh + i) - (a + 2 * b + c)
                    vx += 2 * gx * gy
                    vy += gx * gx - gy * gy
                    en += gx * gx + gy * gy
                    v = img[p]
                    s += v
                    s2 += v * v
            k = 5 * (by * bw + bx)
            out[k] = vx
            out[k + 1] = vy
            out[k + 2] = en
            out[k + 3] = s
            out[k + 4] = s2


def oriented_filter(src, dst, w, h, bs, bdir, offs, wts, ntaps, shift, bias, bg):
    """dst = clamp((sum_k wts[k] * src[p + offs[d*ntaps + k]]) >> shift + bias) per pixel,
    d = bdir[block] the block's ridge direction. Blocks with d == 255 and the outer block
    ring become bg (0..255), or a copy of src if bg == 256: the smoothing pass keeps the real
    image there so the band-pass pass sees no artificial edge along the mask border."""
    bw = w // bs
    bh = h // bs
    for i in range(w * h):
        dst[i] = src[i] if bg == 256 else bg
    wl = [wts[k] - BIAS for k in range(ntaps)]
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            d = bdir[by * bw + bx]
            if d == 255:
                continue
            ol = [offs[d * ntaps + k] - BIAS for k in range(ntaps)]
            taps = list(zip(ol, wl))
            for y in range(by * bs, by * bs + bs):
                row = y * w
                for p in range(row + bx * bs, row + bx * bs + bs):
                    acc = 0
                    for o, c in taps:
                        acc += c * src[p + o]
                    v = (acc >> shift) + bias
                    dst[p] = 0 if v < 0 else (255 if v > 255 else v)


def count3(src, dst, bw, bh, thr):
    """Block maps (0/1 bytes, bw x bh): dst = 1 where the 3x3 neighbourhood of src holds at
    least thr ones (9 = erosion, 5 = majority vote), for interior blocks; the outer ring of
    dst is not written (callers pass a fresh, zeroed buffer)."""
    for by in range(1, bh - 1):
        for b in range(by * bw + 1, by * bw + bw - 1):
            c = (src[b - bw - 1] + src[b - bw] + src[b - bw + 1] + src[b - 1] + src[b]
                 + src[b + 1] + src[b + bw - 1] + src[b + bw] + src[b + bw + 1])
            dst[b] = 1 if c >= thr else 0


def binarize(src, dst, n, thr):
    """dst = 1 where src < thr (ridge: dark), else 0."""
    for i in range(n):
        dst[i] = 1 if src[i] < thr else 0


def thin_pass(img, w, h, lut, sub):
    """One thinning sub-iteration (Guo-Hall table) over a 0/1 image (outer pixel ring must be 0).

    Deletions are decided on the state before the pass (pixels are first marked 2 and the
    mark counts as foreground), then applied. Returns the number of pixels deleted."""
    base = 256 * sub
    marked = 0
    for y in range(1, h - 1):
        row = y * w
        for p in range(row + 1, row + w - 1):
            if img[p] != 1:
                continue
            code = 0
            if img[p - w]:
                code |= 1
            if img[p - w + 1]:
                code |= 2
            if img[p + 1]:
                code |= 4
            if img[p + w + 1]:
                code |= 8
            if img[p + w]:
                code |= 16
            if img[p + w - 1]:
                code |= 32
            if img[p - 1]:
                code |= 64
            if img[p - w - 1]:
                code |= 128
            if lut[base + code]:
                img[p] = 2
                marked += 1
    if marked:
        for i in range(w * h):
            if img[i] == 2:
                img[i] = 0
    return marked


def find_minutiae(skel, w, h, bs, mask, lut, out, cap):
    """Crossing-number scan of a skeleton: writes (p, cn) pairs for cn == 1 (ending) or
    cn >= 3 (bifurcation) of skeleton pixels whose block has mask != 0. Returns the count
    (at most cap pairs)."""
    bw = w // bs
    n = 0
    for y in range(1, h - 1):
        row = y * w
        brow = (y // bs) * bw
        for x in range(1, w - 1):
            p = row + x
            if skel[p] == 0 or mask[brow + x // bs] == 0:
                continue
            code = (skel[p - w] | (skel[p - w + 1] << 1) | (skel[p + 1] << 2) | (skel[p + w + 1] << 3)
                    | (skel[p + w] << 4) | (skel[p + w - 1] << 5) | (skel[p - 1] << 6)
                    | (skel[p - w - 1] << 7))
            cn = lut[code]
            if cn == 1 or cn >= 3:
                if n < cap:
                    out[2 * n] = p
                    out[2 * n + 1] = cn
                    n += 1
    return n
