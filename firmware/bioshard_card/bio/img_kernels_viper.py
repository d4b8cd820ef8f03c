# @micropython.viper twins of img_kernels.py (same algorithms, same arguments, same results).
#
# Only importable on a MicroPython port with the native emitter (ESP32: xtensawin; unix:
# x64): the `micropython` import fails on CPython, which is how extract.py falls back to the
# plain kernels. Viper ints are machine words: 32 bits on the ESP32, so every intermediate is
# kept below 2**31 (see block_grad), and signed table values carry BIAS because ptr32 loads
# zero-extend on 64-bit ports.
import sys

if sys.implementation.name != "micropython":
    # CPython may have a `micropython` helper package installed (the unix-port wheel ships
    # one); the viper annotations below would still not resolve there.
    raise ImportError("viper kernels need MicroPython")

import micropython
from micropython import const

from .img_tables import BIAS

_B = const(65536)  # BIAS, as a literal viper can fold into the code
assert _B == BIAS


@micropython.viper
def wipe(buf: ptr8, n: int):
    i = 0
    while i < n:
        buf[i] = 0
        i += 1


@micropython.viper
def wipe32(words: ptr32, n: int):
    i = 0
    while i < n:
        words[i] = 0
        i += 1


@micropython.viper
def unpack4(packed: ptr8, gray: ptr8, n: int):
    i = 0
    while i < n:
        b = packed[i]
        gray[2 * i] = (b >> 4) * 17
        gray[2 * i + 1] = (b & 15) * 17
        i += 1


@micropython.viper
def block_grad(img: ptr8, w: int, h: int, bs: int, out: ptr32):
    bw = w // bs
    bh = h // bs
    by = 1
    while by < bh - 1:
        bx = 1
        while bx < bw - 1:
            vx = 0
            vy = 0
            en = 0
            s = 0
            s2 = 0
            y = by * bs
            while y < by * bs + bs:
                p = y * w + bx * bs
                pe = p + bs
                while p < pe:
                    a = int(img[p - w - 1])
                    b = int(img[p - w])
                    c = int(img[p - w + 1])
                    d = int(img[p - 1])
                    f = int(img[p + 1])
                    g = int(img[p + w - 1])
                    hh = int(img[p + w])
                    i = int(img[p + w + 1])
                    gx = (c + 2 * f + i) - (a + 2 * d + g)
                    gy = (g + 2 * hh + i) - (a + 2 * b + c)
                    vx += 2 * gx * gy
                    vy += gx * gx - gy * gy
                    en += gx * gx + gy * gy
                    v = int(img[p])
                    s += v
                    s2 += v * v
                    p += 1
                y += 1
            k = 5 * (by * bw + bx)
            out[k] = vx
            out[k + 1] = vy
            out[k + 2] = en
            out[k + 3] = s
            out[k + 4] = s2
            bx += 1
        by += 1


@micropython.viper
def oriented_filter(src: ptr8, dst: ptr8, w: int, h: int, bs: int, bdir: ptr8, offs: ptr32,
                    wts: ptr32, ntaps: int, shift: int, bias: int, bg: int):
    bw = w // bs
    bh = h // bs
    n = w * h
    i = 0
    if bg == 256:
        while i < n:
            dst[i] = src[i]
            i += 1
    else:
        while i < n:
            dst[i] = bg
            i += 1
    by = 1
    while by < bh - 1:
        bx = 1
        while bx < bw - 1:
            d = int(bdir[by * bw + bx])
            if d != 255:
                ob = d * ntaps
                y = by * bs
                while y < by * bs + bs:
                    p = y * w + bx * bs
                    pe = p + bs
                    while p < pe:
                        acc = 0
                        k = 0
                        while k < ntaps:
                            acc += (int(wts[k]) - _B) * int(src[p + int(offs[ob + k]) - _B])
                            k += 1
                        v = (acc >> shift) + bias
                        if v < 0:
                            v = 0
                        elif v > 255:
                            v = 255
                        dst[p] = v
                        p += 1
                    y += 1
            bx += 1
        by += 1


@micropython.viper
def count3(src: ptr8, dst: ptr8, bw: int, bh: int, thr: int):
    by = 1
    while by < bh - 1:
        b = by * bw + 1
        be = by * bw + bw - 1
        while b < be:
            c = (int(src[b - bw - 1]) + int(src[b - bw]) + int(src[b - bw + 1]) + int(src[b - 1])
                 + int(src[b]) + int(src[b + 1]) + int(src[b + bw - 1]) + int(src[b + bw])
                 + int(src[b + bw + 1]))
            dst[b] = 1 if c >= thr else 0
            b += 1
        by += 1


@micropython.viper
def binarize(src: ptr8, dst: ptr8, n: int, thr: int):
    i = 0
    while i < n:
        dst[i] = 1 if int(src[i]) < thr else 0
        i += 1


@micropython.viper
def thin_pass(img: ptr8, w: int, h: int, lut: ptr8, sub: int) -> int:
    base = 256 * sub
    marked = 0
    y = 1
    while y < h - 1:
        p = y * w + 1
        pe = y * w + w - 1
        while p < pe:
            if img[p] == 1:
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
            p += 1
        y += 1
    if marked:
        n = w * h
        i = 0
        while i < n:
            if img[i] == 2:
                img[i] = 0
            i += 1
    return marked


@micropython.viper
def find_minutiae(skel: ptr8, w: int, h: int, bs: int, mask: ptr8, lut: ptr8, out: ptr32,
                  cap: int) -> int:
    bw = w // bs
    n = 0
    y = 1
    while y < h - 1:
        row = y * w
        brow = (y // bs) * bw
        x = 1
        while x < w - 1:
            p = row + x
            if skel[p] != 0 and mask[brow + x // bs] != 0:
                code = (int(skel[p - w]) | (int(skel[p - w + 1]) << 1) | (int(skel[p + 1]) << 2)
                        | (int(skel[p + w + 1]) << 3) | (int(skel[p + w]) << 4)
                        | (int(skel[p + w - 1]) << 5) | (int(skel[p - 1]) << 6)
                        | (int(skel[p - w - 1]) << 7))
                cn = int(lut[code])
                if cn == 1 or cn >= 3:
                    if n < cap:
                        out[2 * n] = p
                        out[2 * n + 1] = cn
                        n += 1
            x += 1
        y += 1
    return n
