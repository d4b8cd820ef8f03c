# @micropython.viper twin of the finger vault's hot loop: W(x) for many x (finger_vault._w_eval,
# same results). Horner over the helper's big-endian coefficients in the GF(2^16) tower field
# of gf16 (GF(2^8) log/antilog tables), then times x^k. Importable only on a MicroPython port
# with the native emitter; finger_vault falls back to plain Python elsewhere.
import sys

if sys.implementation.name != "micropython":
    raise ImportError("viper kernels need MicroPython")

import micropython

from . import gf16


@micropython.viper
def _w_many(coef: ptr8, nc: int, xs: ptr16, n: int, out: ptr16, k: int,
            exp: ptr8, log: ptr8, lbeta: int):
    t = 0
    while t < n:
        x = xs[t]
        x1 = x >> 8
        x0 = x & 255
        lx0 = int(log[x0])
        lx1 = int(log[x1])
        lxs = int(log[x0 ^ x1])
        acc = 1
        i = nc - 1
        steps = nc + k
        s = 0
        while s < steps:
            # acc = acc * x (tower multiplication, Karatsuba)
            a1 = acc >> 8
            a0 = acc & 255
            m00 = 0
            if a0 != 0 and x0 != 0:
                m00 = int(exp[int(log[a0]) + lx0])
            m11 = 0
            if a1 != 0 and x1 != 0:
                m11 = int(exp[int(log[a1]) + lx1])
            mid = 0
            asum = a0 ^ a1
            if asum != 0 and (x0 ^ x1) != 0:
                mid = int(exp[int(log[asum]) + lxs])
            lo = m00
            if m11 != 0:
                lo = lo ^ int(exp[int(log[m11]) + lbeta])
            acc = ((mid ^ m00) << 8) | lo
            if s < nc:
                acc = acc ^ ((int(coef[2 * i]) << 8) | int(coef[2 * i + 1]))
                i -= 1
            s += 1
        out[t] = acc
        t += 1


def w_many(coeffs, xs, k):
    """[W(x) for x in xs]: coeffs = the helper's big-endian coefficient bytes (degree k..)."""
    from array import array

    xa = array("H", xs)
    out = array("H", bytes(2 * len(xs)))
    _w_many(coeffs, len(coeffs) // 2, xa, len(xs), out, k, gf16.EXP, gf16.LOG, gf16._LOG_BETA)
    return list(out)


_EXP = gf16.EXP
_LOG = gf16.LOG


@micropython.viper
def mul(a: int, b: int) -> int:
    """gf16.mul as machine code: the Reed-Solomon decoder makes thousands of these per frame."""
    if a == 0 or b == 0:
        return 0
    exp = ptr8(_EXP)
    log = ptr8(_LOG)
    a1 = a >> 8
    a0 = a & 255
    b1 = b >> 8
    b0 = b & 255
    m00 = 0
    if a0 != 0 and b0 != 0:
        m00 = int(exp[int(log[a0]) + int(log[b0])])
    m11 = 0
    if a1 != 0 and b1 != 0:
        m11 = int(exp[int(log[a1]) + int(log[b1])])
    mid = 0
    sa = a0 ^ a1
    sb = b0 ^ b1
    if sa != 0 and sb != 0:
        mid = int(exp[int(log[sa]) + int(log[sb])])
    lo = m00
    if m11 != 0:
        lo = lo ^ int(exp[int(log[m11]) + int(_LB)])
    return ((mid ^ m00) << 8) | lo


_LB = gf16._LOG_BETA
# every caller of gf16.mul (interpolation, the decoder) picks up the machine-code version
gf16.mul = mul
