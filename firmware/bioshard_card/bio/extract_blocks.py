# Block-level stage of the extractor: segmentation mask, orientation field, coherence.
#
# Works on the per-block Sobel sums from the block_grad kernel (w//bs x h//bs blocks), so it is
# mostly plain Python over ~1,100 blocks (the 3x3 block-map votes use the count3 kernel: in
# plain Python they would take a third of this stage's time). Integer arithmetic
# only (img_math.iatan2 / isqrt): the card (single-precision floats) and the host (double)
# get bit-identical fields, and no boxed floats are allocated on the card's heap.
from array import array

from .img_math import iatan2, isqrt
from .img_tables import ND

# A block is fingerprint if its grey-level standard deviation reaches STD_PERCENT % of a
# robust maximum (90th percentile) of the image, and at least STD_MIN (a flat 4-bit image has
# std 0; one quantisation step is 17).
STD_PERCENT = 35
STD_MIN = 12


def _percentile(values, percent):
    v = sorted(values)
    if not v:
        return 0
    return v[min(len(v) - 1, percent * len(v) // 100)]


def segment(stats, bw, bh, bs, K):
    """Foreground mask (bytearray bw*bh, 1 = fingerprint), outer block ring always 0.
    K: the kernel set (img_kernels or img_kernels_viper)."""
    npx = bs * bs
    nb = bw * bh
    std = [0] * nb
    inner = []
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            b = by * bw + bx
            s = stats[5 * b + 3]
            var = (stats[5 * b + 4] * npx - s * s) // (npx * npx)
            sd = isqrt(var) if var > 0 else 0
            std[b] = sd
            inner.append(sd)
    thr = max(STD_MIN, STD_PERCENT * _percentile(inner, 90) // 100)
    mask = bytearray(nb)
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            b = by * bw + bx
            if std[b] >= thr:
                mask[b] = 1
    # 3x3 majority vote: removes isolated specks and notches along the finger outline
    voted = bytearray(nb)
    K.count3(mask, voted, bw, bh, 5)
    _fill_holes(voted, bw, bh)
    return voted


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


def erode(mask, bw, bh, K):
    """Blocks whose whole 3x3 neighbourhood is foreground (minutiae near the finger's outline
    or the image edge are mostly artefacts of the cut-off ridges)."""
    out = bytearray(bw * bh)
    K.count3(mask, out, bw, bh, 9)
    return out


def orientation(stats, mask, bw, bh):
    """(bdir, angle, coherence) per block.

    bdir: ridge direction index 0..ND-1 in image coordinates (y down), 255 off the mask —
    the enhancement filter's table index. angle: ridge orientation in ISO units (0..127 =
    0..180 degrees counter-clockwise, y up), 255 off the mask. coherence: 0..100.
    Gradient sums are averaged over 3x3 blocks, then the doubled-angle unit vectors are
    averaged once more over 3x3 (weighted by coherence) to smooth noise near creases."""
    nb = bw * bh
    # doubled-angle gradient vectors per block, normalised by the gradient energy (so their
    # length is the coherence), in fixed point: 4096 = a perfectly coherent block
    cx = array("i", bytes(4 * nb))
    cy = array("i", bytes(4 * nb))
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
            # scale into 14 bits so the squares below stay small ints on a 32-bit card
            # (|vx|, |vy| <= en always: 2|gx gy| and |gx^2 - gy^2| are <= gx^2 + gy^2)
            if en >= 16384:
                q = (en >> 14) + 1
                en //= q
                vx //= q
                vy //= q
            coh[b] = (100 * isqrt(vx * vx + vy * vy) + en // 2) // en
            cx[b] = (vy << 12) // en   # cos(2 phi) * coherence
            cy[b] = (vx << 12) // en   # sin(2 phi) * coherence
    bdir = bytearray(b"\xff" * nb)
    angle = bytearray(b"\xff" * nb)
    for by in range(1, bh - 1):
        for bx in range(1, bw - 1):
            b = by * bw + bx
            if not mask[b]:
                continue
            sx = sy = 0
            for k in (b - bw - 1, b - bw, b - bw + 1, b - 1, b, b + 1, b + bw - 1, b + bw, b + bw + 1):
                sx += cx[k]
                sy += cy[k]
            # iatan2 of the doubled angle in 1/1024 turn = the gradient direction phi in
            # 1/2048 turn (0..1023 = 0..180 degrees, image coordinates, y down); ridges run
            # across the gradient: +90 degrees = +512
            ridge = (iatan2(sy, sx) + 512) & 1023
            bdir[b] = ((ridge + 1024 // ND // 2) // (1024 // ND)) % ND
            # ISO: counter-clockwise with y up = the negated image angle; 1/256 turn units
            angle[b] = (((-ridge) & 1023) + 4) // 8 % 128
    return bdir, angle, coh
