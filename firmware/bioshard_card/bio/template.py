# Alignment-free, fixed-length template of a fingerprint from its minutiae.
#
# Pipeline (same code on the card and on the host):
#   minutiae (x, y, angle, ...) -> histogram of minutia pairs over (distance, angle of each
#   minutia relative to the line joining them), soft-voted -> sqrt, per-distance-slice centering,
#   L2 normalisation -> PROJ sparse random +-1 projections minus a population offset.
# The sign of each projection is one template bit; fuzzy.py keeps the 255 most reliable ones.
#
# Why pairs: the distance between two minutiae and each minutia's direction relative to the
# segment joining them do not change when the finger is shifted or rotated on the sensor, so
# no alignment (and no alignment helper data, which would leak the core position) is needed.
# Why projections + a population offset: single histogram cells are sparse and biased; signs of
# centred random projections are close to unbiased bits (measured in docs/biometrics.md).
# Why quality weights: a pair votes with weight (q_i q_j / 100^2)^2, q = the extractor's 0..100
# minutia quality (0 = not reported, as in ISO records: weight 1). Spurious minutiae (noise,
# border) get low quality; down-weighting them lowers the genuine bit-error rate by ~2.5 points
# (25.5% weighted, 28% unweighted) at nearly the same impostor statistics (docs/biometrics.md). Template version 2.
# Parameters were chosen on a coarse grid, identical for every database (see docs).
import math
from array import array

try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

VERSION = const(2)
ND = const(6)        # distance bins
DW = 16.0            # bin width, pixels at 500 dpi
D0 = 10.0            # shortest pair distance used
NA = const(20)       # bins of each relative angle (18 degrees)
CELLS = const(2400)  # ND * NA * NA
PROJ = const(1024)   # projections computed at enrollment
PER_PROJ = const(96) # cells summed (with random signs) by one projection
SEED = const(0x5EED)
# Fewer minutiae than this and the histogram is nearly empty: every such template would look
# alike (all bits = the population offsets), so the card must ask for another capture instead.
MIN_MINUTIAE = const(12)


class TemplateError(ValueError):
    pass


def _check(minutiae):
    if len(minutiae) < MIN_MINUTIAE:
        raise TemplateError("too few minutiae (%d < %d): place the finger again" % (len(minutiae), MIN_MINUTIAE))

_TWO_PI = 2 * math.pi
_ANG = _TWO_PI / 256.0  # ISO angle unit


def histogram(minutiae, out=None):
    """Soft-voted pair histogram, CELLS floats. minutiae: sequence of (x, y, angle, ...)."""
    h = out if out is not None else array("f", bytearray(4 * CELLS))
    for i in range(CELLS):
        h[i] = 0.0
    n = len(minutiae)
    xs = [float(m[0]) for m in minutiae]
    ys = [float(m[1]) for m in minutiae]
    th = [m[2] * _ANG for m in minutiae]
    qw = [_quality_weight(m) for m in minutiae]
    dmax = D0 + ND * DW
    for i in range(n):
        xi = xs[i]
        yi = ys[i]
        for j in range(i + 1, n):
            dx = xs[j] - xi
            dy = yi - ys[j]  # image y grows downwards; angles are counter-clockwise
            d = math.sqrt(dx * dx + dy * dy)
            if d < D0 or d >= dmax:
                continue
            phi = math.atan2(dy, dx)
            fd = (d - D0) / DW - 0.5
            w = qw[i] * qw[j]
            # both orderings, so the histogram does not depend on the minutiae order
            _vote(h, fd, th[i] - phi, th[j] - phi, w)
            _vote(h, fd, th[j] - phi - math.pi, th[i] - phi - math.pi, w)
    return h


def _quality_weight(m):
    q = m[4] if len(m) > 4 else 0
    if not 0 < q <= 100:
        return 1.0  # not reported (ISO quality 0) or out of range: neutral
    q = q / 100.0
    return q * q


def _vote(h, fd, a1, a2, w=1.0):
    # trilinear soft vote: a pair near a bin edge counts in both bins, so a small distortion
    # moves weight smoothly instead of flipping a whole count
    f1 = (a1 % _TWO_PI) * (NA / _TWO_PI) - 0.5
    f2 = (a2 % _TWO_PI) * (NA / _TWO_PI) - 0.5
    bd = int(math.floor(fd))
    b1 = int(math.floor(f1))
    b2 = int(math.floor(f2))
    wd = fd - bd
    w1 = f1 - b1
    w2 = f2 - b2
    for od in (0, 1):
        dd = bd + od
        if dd < 0 or dd >= ND:
            continue
        vd = (wd if od else 1.0 - wd) * w
        for o1 in (0, 1):
            c1 = (b1 + o1) % NA
            v1 = vd * (w1 if o1 else 1.0 - w1)
            base = (dd * NA + c1) * NA
            h[base + (b2 % NA)] += v1 * (1.0 - w2)
            h[base + ((b2 + 1) % NA)] += v1 * w2


def normalise(h):
    """In place: sqrt (tames dense regions), remove each distance slice's mean, unit L2 norm."""
    ss = 0.0
    per = NA * NA
    for d in range(ND):
        base = d * per
        s = 0.0
        for c in range(base, base + per):
            v = math.sqrt(h[c]) if h[c] > 0 else 0.0
            h[c] = v
            s += v
        mean = s / per
        for c in range(base, base + per):
            v = h[c] - mean
            h[c] = v
            ss += v * v
    if ss > 0:
        inv = 1.0 / math.sqrt(ss)
        for c in range(CELLS):
            h[c] *= inv
    return h


def _proj_stream(j):
    # xorshift32 seeded per projection, so any single projection can be recomputed on its own
    s = ((j + 1) * 0x9E3779B1 ^ SEED) & 0xFFFFFFFF
    if s == 0:
        s = 1
    return s


def project(h, j):
    """Value of projection j of a normalised histogram (before the population offset)."""
    s = _proj_stream(j)
    acc = 0.0
    for _ in range(PER_PROJ):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        c = (s >> 1) % CELLS
        if s & 1:
            acc += h[c]
        else:
            acc -= h[c]
    return acc


def offset(j):
    """Population offset of projection j, read straight from the 2 KB prior table (no 4 KB
    float copy kept on the heap)."""
    from .template_prior import OFFSETS, SCALE

    v = OFFSETS[2 * j] | (OFFSETS[2 * j + 1] << 8)
    if v >= 0x8000:
        v -= 0x10000
    return v * SCALE


def all_offsets():
    """All PROJ offsets as floats (host tools)."""
    o = array("f", bytearray(4 * PROJ))
    for j in range(PROJ):
        o[j] = offset(j)
    return o


def features(minutiae, indices=None):
    """Centred projection values: all PROJ of them (enrollment) or only `indices` (query)."""
    _check(minutiae)
    h = normalise(histogram(minutiae))
    idx = range(PROJ) if indices is None else indices
    out = array("f", bytearray(4 * len(idx)))
    k = 0
    for j in idx:
        out[k] = project(h, j) - offset(j)
        k += 1
    return out


def raw_projections(minutiae):
    """Projections without the population offset (used by the host to build the prior)."""
    _check(minutiae)
    h = normalise(histogram(minutiae))
    out = array("f", bytearray(4 * PROJ))
    for j in range(PROJ):
        out[j] = project(h, j)
    return out
