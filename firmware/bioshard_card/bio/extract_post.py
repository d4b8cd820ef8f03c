# Minutiae stage: from crossing-number candidates on the skeleton to the final list.
#
# Candidates are few (tens to a few hundred), so this is plain Python: trace each ridge a few
# pixels from the candidate (no recursion, bounded steps) to get the direction and to spot the
# classic false minutiae of a thinned binary image — spurs, short islands, bridges between
# ridges, broken ridges, clusters — and remove them.
from .img_math import iatan2
from .img_tables import CN_LUT

# neighbour order N, NE, E, SE, S, SW, W, NW (bit i of a neighbourhood code)
_DX = (0, 1, 1, 1, 0, -1, -1, -1)
_DY = (-1, -1, 0, 1, 1, 1, 0, -1)

TRACE = 10        # pixels traced for a direction (about one ridge period at 500 dpi)
SHORT = 12        # a ridge piece shorter than this between two minutiae is an artefact
BROKEN = 14       # two facing endings closer than this are one broken ridge
CLUSTER = 6       # minutiae closer than this to each other are noise
SNAP = 48         # 67.5 degrees: snap the traced direction to the orientation field within this
# Minutiae of quality below this are dropped: measured on FVC2004, under 20 barely one in
# four pairs with the reference, against ~0.7 overall.
MIN_QUALITY = 20
# Quality factor for minutiae one block from the finger's outline: measured, only 58% of them
# come back when the finger is placed again (shifted 5 px, turned 6 degrees), against 80-88%
# two or more blocks in. They rank below the inner ones and weak ones drop out.
BORDER_PERCENT = 60
ENDING = 1
BIFURCATION = 2


def _code(skel, w, p):
    return (skel[p - w] | (skel[p - w + 1] << 1) | (skel[p + 1] << 2) | (skel[p + w + 1] << 3)
            | (skel[p + w] << 4) | (skel[p + w - 1] << 5) | (skel[p - 1] << 6)
            | (skel[p - w - 1] << 7))


def _branch_starts(skel, w, p):
    """First pixel of each run of set neighbours around p (4-neighbours preferred)."""
    code = _code(skel, w, p)
    starts = []
    i0 = 0
    while i0 < 8 and (code >> i0) & 1:
        i0 += 1
    if i0 == 8:
        return starts
    i = i0 + 1
    for _ in range(8):
        k = i & 7
        if (code >> k) & 1 and not (code >> ((k - 1) & 7)) & 1:
            run = []
            j = k
            while (code >> (j & 7)) & 1 and len(run) < 8:
                run.append(j & 7)
                j += 1
            pick = run[0]
            for r in run:
                if r % 2 == 0:  # even index = N, E, S, W
                    pick = r
                    break
            starts.append(p + _DY[pick] * w + _DX[pick])
        i += 1
    return starts


def trace(skel, w, start, first, maxlen):
    """Follow the skeleton from `start` through its neighbour `first`.

    Returns (p, steps, hit): the last pixel reached, the steps taken (1 = first), and hit =
    0 if maxlen was reached, 1 if the ridge ended, 2 if another minutia (a pixel whose
    crossing number is not 2) was met more than 2 steps away."""
    # every neighbour of the start counts as visited: at a fork the first pixels of the
    # other branches touch this one, and the walk must not cut across into them
    visited = [start]
    for k in range(8):
        q = start + _DY[k] * w + _DX[k]
        if skel[q]:
            visited.append(q)
    cur = first
    steps = 1
    while steps < maxlen:
        cn = CN_LUT[_code(skel, w, cur)]
        if cn != 2 and steps > 2:
            return cur, steps, 2
        nxt = -1
        for k in (0, 2, 4, 6, 1, 3, 5, 7):
            q = cur + _DY[k] * w + _DX[k]
            if skel[q] and q not in visited:
                nxt = q
                break
        if nxt < 0:
            return cur, steps, 1
        visited.append(nxt)
        cur = nxt
        steps += 1
    return cur, steps, 0


def _iso_angle(w, p, q):
    # ISO angle (0..255, counter-clockwise, y up) of the vector from pixel p to pixel q
    dx = q % w - p % w
    dy = q // w - p // w
    return ((iatan2(-dy, dx) + 2) >> 2) & 255


def _adiff(a, b):
    d = (a - b) & 255
    return 256 - d if d > 128 else d


def _snap(a, orient):
    # choose the orientation-field direction (orient or orient + 180 deg) nearest the traced
    # one; the field is averaged over 24x24 px so it is steadier than a 10-pixel trace
    if orient == 255:
        return a
    c = orient if _adiff(a, orient) <= 64 else (orient + 128) & 255
    return c if _adiff(a, c) <= SNAP else a


def minutiae(skel, w, h, bs, cands, n, angle, coh, mask, deep, cap):
    """Final minutiae list [(x, y, angle, kind, quality)] from n crossing-number candidates
    (cands = [p0, cn0, p1, cn1, ...]), sorted by quality, at most cap.

    mask: blocks where minutiae may be reported (1 block inside the finger); deep: blocks 2
    inside. quality = the block's coherence, times BORDER_PERCENT % outside `deep`."""
    bw = w // bs
    pts = []  # [p, kind, angle, alive]
    for i in range(n):
        p, cn = cands[2 * i], cands[2 * i + 1]
        if coh[(p // w // bs) * bw + p % w // bs] < MIN_QUALITY:
            continue  # incoherent flow: never reported, and not worth tracing
        if cn == 1:
            pts.append([p, ENDING, 0, 1])
        elif cn == 3:
            pts.append([p, BIFURCATION, 0, 1])
    # bifurcations are often 2-3 adjacent pixels on a thinned fork: keep the first of a cluster
    for i in range(len(pts)):
        if pts[i][1] != BIFURCATION or not pts[i][3]:
            continue
        for j in range(i + 1, len(pts)):
            if pts[j][1] == BIFURCATION and pts[j][3] and _near(w, pts[i][0], pts[j][0], 3):
                pts[j][3] = 0
    where = {}
    for i in range(len(pts)):
        if pts[i][3]:
            where[pts[i][0]] = i
    for m in pts:
        if not m[3]:
            continue
        p = m[0]
        if m[1] == ENDING:
            starts = _branch_starts(skel, w, p)
            if len(starts) != 1:
                m[3] = 0
                continue
            q, steps, hit = trace(skel, w, p, starts[0], max(TRACE, SHORT))
            if hit:  # island, or spur ending on a fork: both ends are artefacts
                m[3] = 0
                if hit == 2:
                    _kill_near(pts, where, w, q)
                continue
            # ISO direction of a ridge ending points from the end along the ridge (checked
            # against the reference records: the opposite convention is off by 180 degrees)
            m[2] = _iso_angle(w, p, q)
        else:
            starts = _branch_starts(skel, w, p)
            if len(starts) != 3:
                m[3] = 0
                continue
            ends = []
            bad = False
            for s in starts:
                q, steps, hit = trace(skel, w, p, s, TRACE)
                if hit == 2 and steps < SHORT:  # bridge / ladder between two ridges
                    bad = True
                    _kill_near(pts, where, w, q)
                ends.append(q)
            if bad:
                m[3] = 0
                continue
            a = [_iso_angle(w, p, q) for q in ends]
            # the two branches closest in angle are the fork; the third is the stem. ISO
            # direction of a bifurcation points along the fork (bisector), away from the stem
            best = None
            for i, j, k in ((0, 1, 2), (0, 2, 1), (1, 2, 0)):
                d = _adiff(a[i], a[j])
                if best is None or d < best[0]:
                    best = (d, i, j, k)
            m[2] = (a[best[3]] + 128) & 255
    # facing endings closer than BROKEN are one interrupted ridge; any close pair is noise
    # (candidates come from a row-major scan, so `live` is sorted by row: stop looking once
    # the rows are BROKEN apart -- keeps a noisy image at O(n) instead of O(n^2))
    live = [m for m in pts if m[3]]
    reach = BROKEN * w
    for i in range(len(live)):
        a = live[i]
        for j in range(i + 1, len(live)):
            b = live[j]
            if b[0] - a[0] >= reach:
                break
            if _near(w, a[0], b[0], CLUSTER):
                a[3] = b[3] = 0
            elif (a[1] == ENDING and b[1] == ENDING and _near(w, a[0], b[0], BROKEN)
                  and _adiff(a[2], b[2]) > 96):
                a[3] = b[3] = 0
    out = []
    for m in pts:
        if not m[3]:
            continue
        p = m[0]
        x, y = p % w, p // w
        b = (y // bs) * bw + x // bs
        if not mask[b]:
            continue
        orient = angle[b]
        ang = _snap(m[2], orient)
        q = coh[b]
        if not deep[b]:
            q = q * BORDER_PERCENT // 100
        if q < MIN_QUALITY:
            continue
        out.append((x, y, ang, m[1], q if q <= 100 else 100))
    out.sort(key=lambda t: (-t[4], t[1], t[0]))
    return out[:cap]


def _near(w, p, q, r):
    dx = p % w - q % w
    dy = p // w - q // w
    return dx * dx + dy * dy < r * r


def _kill_near(pts, where, w, q):
    # the trace stopped on a minutia pixel q (or next to a fork cluster member): drop it
    i = where.get(q)
    if i is not None:
        pts[i][3] = 0
        return
    for m in pts:
        if m[3] and _near(w, m[0], q, 3):
            m[3] = 0
