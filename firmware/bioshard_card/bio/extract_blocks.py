# Block-level stage of the extractor: segmentation mask, orientation field, coherence.
#
# Works on the per-block Sobel sums from the block_grad kernel (w//bs x h//bs blocks), so it is
# plain Python over ~1,100 blocks on the card: cheap enough without viper. Floats are only
# used through math.atan2/sqrt on block sums and are rounded to small ints at once, so CPython
# and MicroPython (both IEEE doubles on the unix port; single floats on the ESP32 build are
# accurate to far better than the 11.25-degree quantisation step) agree.
import math
from array import array

from .img_tables import ND

# A block is fingerprint if its grey-level standard deviation reaches STD_FRAC of a robust
# maximum (90th percentile) of the image, and at least STD_MIN (a flat 4-bit image has std 0;
# one quantisation step is 17).
STD_FRAC = 0.35
STD_MIN = 12
# Radius (in blocks) of the second orientation smoothing: 1 = 3x3 blocks (24x24 px).
SMOOTH = 1


def _percentile(values, frac):
    v = sorted(values)
    if not v:
        return 0
    return v[min(len(v) - 1, int(frac * len(v)))]


def segment(stats, bw, bh, bs):
    """Foreground mask (bytearray bw*bh, 1 = fingerprint), outer block ring always 0."""
    npx = bs * bs
    nb = bw * bh
    std = [0] * nb
    inner = []
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            b = by * bw + bx
            s = stats[5 * b + 3]
            var = (stats[5 * b + 4] * npx - s * s) // (npx * npx)
            sd = int(math.sqrt(var)) if var > 0 else 0
            std[b] = sd
            inner.append(sd)
    thr = max(STD_MIN, int(STD_FRAC * _percentile(inner, 0.9)))
    mask = bytearray(nb)
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            b = by * bw + bx
            if std[b] >= thr:
                mask[b] = 1
    mask = _majority(mask, bw, bh)
    _fill_holes(mask, bw, bh)
    return mask


def _majority(mask, bw, bh):
    # 3x3 majority vote: removes isolated specks and notches along the finger outline.
    out = bytearray(bw * bh)
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            c = 0
            for dy in (-bw, 0, bw):
                b = by * bw + bx + dy
                c += mask[b - 1] + mask[b] + mask[b + 1]
            out[by * bw + bx] = 1 if c >= 5 else 0
    return out


def _fill_holes(mask, bw, bh):
    # Background not connected to the image border is a hole in the finger (a smudge or a
    # flat patch): make it foreground. Iterative flood fill with an explicit stack.
    seen = bytearray(bw * bh)
    stack = []
    for b in range(bw * bh):
        x, y = b % bw, b // bw
        if (x == 0 or y == 0 or x == bw - 1 or y == bh - 1) and not mask[b]:
            seen[b] = 1
            stack.append(b)
    while stack:
        b = stack.pop()
        x, y = b % bw, b // bw
        for nb, ok in ((b - 1, x > 0), (b + 1, x < bw - 1), (b - bw, y > 0), (b + bw, y < bh - 1)):
            if ok and not seen[nb] and not mask[nb]:
                seen[nb] = 1
                stack.append(nb)
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            b = by * bw + bx
            if not seen[b]:
                mask[b] = 1


def erode(mask, bw, bh):
    """Blocks whose whole 3x3 neighbourhood is foreground (minutiae near the finger's outline
    or the image edge are mostly artefacts of the cut-off ridges)."""
    out = bytearray(bw * bh)
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            b = by * bw + bx
            ok = 1
            for dy in (-bw, 0, bw):
                if not (mask[b + dy - 1] and mask[b + dy] and mask[b + dy + 1]):
                    ok = 0
                    break
            out[b] = ok
    return out


def orientation(stats, mask, bw, bh):
    """(bdir, angle, coherence) per block.

    bdir: ridge direction index 0..ND-1 in image coordinates (y down), 255 off the mask —
    the enhancement filter's table index. angle: ridge orientation in ISO units (0..127 =
    0..180 degrees counter-clockwise, y up), 255 off the mask. coherence: 0..100.
    Gradient sums are averaged over 3x3 blocks, then the doubled-angle unit vectors are
    averaged once more over 3x3 (weighted by coherence) to smooth noise near creases."""
    nb = bw * bh
    # single-precision arrays: boxed floats in lists would cost ~40 bytes each on the card
    cx = array("f", bytes(4 * nb))
    cy = array("f", bytes(4 * nb))
    coh = bytearray(nb)
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            b = by * bw + bx
            if not mask[b]:
                continue
            vx = vy = en = 0
            for dy in (-bw, 0, bw):
                for dx in (-1, 0, 1):
                    k = 5 * (b + dy + dx)
                    vx += stats[k]
                    vy += stats[k + 1]
                    en += stats[k + 2]
            if en <= 0:
                continue
            r = math.sqrt(float(vx) * vx + float(vy) * vy)
            c = r / en
            coh[b] = int(100 * c + 0.5)
            cx[b] = c * vy / r if r else 0.0   # cos(2*phi) weighted by coherence
            cy[b] = c * vx / r if r else 0.0   # sin(2*phi)
    bdir = bytearray(b"\xff" * nb)
    angle = bytearray(b"\xff" * nb)
    step = math.pi / ND
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            b = by * bw + bx
            if not mask[b]:
                continue
            sx = sy = 0.0
            for dy in range(max(-SMOOTH, -by), min(SMOOTH, bh - 1 - by) + 1):
                for dx in range(max(-SMOOTH, -bx), min(SMOOTH, bw - 1 - bx) + 1):
                    k = b + dy * bw + dx
                    sx += cx[k]
                    sy += cy[k]
            phi = 0.5 * math.atan2(sy, sx)       # gradient direction, image coordinates
            ridge = phi + math.pi / 2            # ridges run across the gradient
            d = int(ridge / step + 0.5 + ND) % ND
            bdir[b] = d
            # ISO: counter-clockwise with y up = negated image angle, in 360/256 units
            a = int(-ridge * 128 / math.pi + 0.5 + 512) % 128
            angle[b] = a
    return bdir, angle, coh
