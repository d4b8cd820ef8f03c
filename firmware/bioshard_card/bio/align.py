# Rigid alignment of one minutiae set onto another: a press onto the presses before it
# (consolidate.py, enrollment and fused presses). A generalized Hough transform over
# (rotation, translation): every pair of minutiae with a plausible direction difference votes
# for the translation that maps one onto the other; the minutiae of one finger agree on one
# transform, unrelated minutiae on none in particular.
#
# Points are (x, y, angle, ...) with the extractor's ISO angle (0..255, counter-clockwise,
# y up). A transform (phi, tx, ty) rotates about the sensor centre by phi (angle units) and
# shifts by (tx, ty) pixels; it maps a query minutia into the reference frame.
import math
from array import array

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

CX = const(128)          # sensor centre (256 x 288 frame)
CY = const(144)
ROT_STEP = const(8)      # 11.25 degrees between rotation hypotheses
ROT_N = const(9)         # rotations -4..4 steps: +-45 degrees (a finger placed on the card)
ROT_TOL = const(12)      # a pair votes for rotations within 17 degrees of its angle difference
TBIN = const(16)         # translation bin, pixels
TRANGE = const(160)      # translations -160..159 px
TB = const(20)           # 2 * TRANGE // TBIN bins per axis
MATCH_R = const(12)      # a query minutia matches a point within 12 px ...
MATCH_A = const(20)      # ... and 28 degrees of direction
GRID = const(16)         # spatial hash cell for matching
GX = const(17)           # cells over x in -16..271 (aligned points may leave the frame a bit)
GY = const(20)

_COS = array("f", [math.cos((i - ROT_N // 2) * ROT_STEP * 2 * math.pi / 256) for i in range(ROT_N)])
_SIN = array("f", [math.sin((i - ROT_N // 2) * ROT_STEP * 2 * math.pi / 256) for i in range(ROT_N)])


def _sdiff(a, b):
    """Signed angle difference a - b in -128..127."""
    return ((a - b + 128) & 255) - 128


def apply(m, phi_i, tx, ty):
    """(x, y, angle) of minutia m under rotation index phi_i and translation (tx, ty)."""
    c = _COS[phi_i]
    s = _SIN[phi_i]
    dx = m[0] - CX
    dy = m[1] - CY
    x = CX + c * dx + s * dy + tx
    y = CY - s * dx + c * dy + ty
    return int(x + 0.5) if x >= 0 else int(x - 0.5), int(y + 0.5) if y >= 0 else int(y - 0.5), \
        (m[2] + (phi_i - ROT_N // 2) * ROT_STEP) & 255


_ACC = []


def _accumulators():
    """The vote arrays (3.6 KB + 2 x 7.2 KB), allocated once and zeroed per call: a fresh
    7 KB block per unlock fragments a 100 KB heap."""
    cells = ROT_N * TB * TB
    if not _ACC:
        _ACC.append(bytearray(cells))
        _ACC.append(array("h", bytes(2 * cells)))  # sums of in-cell offsets (0..15): no overflow
        _ACC.append(array("h", bytes(2 * cells)))
    cnt, sx, sy = _ACC
    for i in range(cells):
        cnt[i] = 0
        sx[i] = 0
        sy[i] = 0
    return cnt, sx, sy


def hough(query, ref, peaks=3):
    """Up to `peaks` candidate transforms [(votes, phi_i, tx, ty)], best first.

    Every (query minutia, reference point) pair whose directions differ by a plausible
    rotation votes for the translation that maps one onto the other, at each rotation
    hypothesis near that difference. Votes are counted in 16 px cells and read in 2 x 2
    windows, so a peak split across a cell border is still found; the translation of a peak
    is the mean of its votes."""
    cnt, sx, sy = _accumulators()
    half = ROT_N // 2
    lo = -half * ROT_STEP - ROT_TOL
    hi = half * ROT_STEP + ROT_TOL
    nq = len(query)
    # rotated query positions per hypothesis, computed once
    rx = array("h", bytes(2 * nq * ROT_N))
    ry = array("h", bytes(2 * nq * ROT_N))
    for i in range(nq):
        dx = query[i][0] - CX
        dy = query[i][1] - CY
        for r in range(ROT_N):
            rx[i * ROT_N + r] = int(CX + _COS[r] * dx + _SIN[r] * dy)
            ry[i * ROT_N + r] = int(CY - _SIN[r] * dx + _COS[r] * dy)
    for v in ref:
        vx = v[0] + TRANGE
        vy = v[1] + TRANGE
        va = v[2]
        for i in range(nq):
            d = _sdiff(va, query[i][2])
            if d < lo or d > hi:
                continue
            r0 = (d - ROT_TOL + half * ROT_STEP + ROT_STEP - 1) // ROT_STEP
            r1 = (d + ROT_TOL + half * ROT_STEP) // ROT_STEP
            if r0 < 0:
                r0 = 0
            if r1 > ROT_N - 1:
                r1 = ROT_N - 1
            base = i * ROT_N
            for r in range(r0, r1 + 1):
                tx = vx - rx[base + r]
                ty = vy - ry[base + r]
                if tx < 0 or ty < 0:
                    continue
                bx = tx // TBIN
                by = ty // TBIN
                if bx >= TB or by >= TB:
                    continue
                c = (r * TB + by) * TB + bx
                if cnt[c] < 255:
                    cnt[c] += 1
                    sx[c] += tx - bx * TBIN
                    sy[c] += ty - by * TBIN
    best = []  # [(votes, r, bx, by)] kept sorted, at most `peaks`
    for r in range(ROT_N):
        for by in range(TB - 1):
            row = (r * TB + by) * TB
            for bx in range(TB - 1):
                c = row + bx
                v = cnt[c] + cnt[c + 1] + cnt[c + TB] + cnt[c + TB + 1]
                if v < 3 or (len(best) == peaks and v <= best[-1][0]):
                    continue
                # suppress a weaker neighbour of a stronger peak (same alignment)
                dup = -1
                for j in range(len(best)):
                    b = best[j]
                    if abs(b[1] - r) <= 1 and abs(b[2] - bx) <= 1 and abs(b[3] - by) <= 1:
                        dup = j
                        break
                if dup >= 0:
                    if best[dup][0] >= v:
                        continue
                    best.pop(dup)
                best.append((v, r, bx, by))
                best.sort(key=lambda e: (-e[0], e[1], e[3], e[2]))  # total: MicroPython's sort is unstable
                if len(best) > peaks:
                    best.pop()
    out = []
    for v, r, bx, by in best:
        n = 0
        mx = 0
        my = 0
        for c in ((r * TB + by) * TB + bx, (r * TB + by) * TB + bx + 1,
                  (r * TB + by + 1) * TB + bx, (r * TB + by + 1) * TB + bx + 1):
            k = cnt[c]
            if k:
                cbx = c % TB
                cby = (c // TB) % TB
                n += k
                mx += sx[c] + k * cbx * TBIN
                my += sy[c] + k * cby * TBIN
        out.append((v, r, mx // n - TRANGE, my // n - TRANGE))
    return out


class Grid:
    """Spatial hash of reference points (x, y, angle, ...) for nearest-match lookups."""

    def __init__(self, ref):
        self.ref = ref
        self.cells = [None] * (GX * GY)
        for j in range(len(ref)):
            c = self._cell(ref[j][0], ref[j][1])
            if c >= 0:
                if self.cells[c] is None:
                    self.cells[c] = []
                self.cells[c].append(j)

    @staticmethod
    def _cell(x, y):
        gx = (x + GRID) // GRID
        gy = (y + GRID) // GRID
        if gx < 0 or gy < 0 or gx >= GX or gy >= GY:
            return -1
        return gy * GX + gx

    def nearest(self, x, y, a, used=None):
        """(index, squared distance) of the closest unused point within MATCH_R / MATCH_A."""
        best = -1
        bd = MATCH_R * MATCH_R + 1
        gx = (x + GRID) // GRID
        gy = (y + GRID) // GRID
        for cy in (gy - 1, gy, gy + 1):
            if cy < 0 or cy >= GY:
                continue
            for cx in (gx - 1, gx, gx + 1):
                if cx < 0 or cx >= GX:
                    continue
                lst = self.cells[cy * GX + cx]
                if lst is None:
                    continue
                for j in lst:
                    if used is not None and used[j]:
                        continue
                    p = self.ref[j]
                    d = (p[0] - x) * (p[0] - x) + (p[1] - y) * (p[1] - y)
                    if d < bd and abs(_sdiff(p[2], a)) <= MATCH_A:
                        bd = d
                        best = j
        return best, bd


def matches(query, grid, phi_i, tx, ty):
    """[(squared distance, reference index)] of one-to-one matches under the transform,
    closest first."""
    used = bytearray(len(grid.ref))
    out = []
    for m in query:
        x, y, a = apply(m, phi_i, tx, ty)
        j, d = grid.nearest(x, y, a, used)
        if j >= 0:
            used[j] = 1
            out.append((d, j))
    out.sort()
    return out
