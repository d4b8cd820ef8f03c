# Fingerprint fuzzy vault (Juels-Sudan; minutiae vault after Nandakumar, Jain & Pankanti,
# IEEE TIFS 2007) - a PROTOTYPE measured against the shipped fuzzy commitment (fuzzy.py), not
# wired into the card's flows. Results and leakage: docs/biometrics-vault.md.
#
# Enrollment, from several captures of one finger (first capture = reference frame):
#   1. align every other capture onto the first (align.hough) and keep the minutiae seen
#      in at least MIN_SEEN captures, well separated, at most G_MAX of them ("genuine");
#   2. draw a random polynomial p of degree DEGREE over GF(2^16) (gf16); each genuine point
#      (x, y, angle) gets abscissa u = x | (y >> 1) << 8 and ordinate p(u);
#   3. add CHAFF random points (min spacing CHAFF_SEP from every other point, ordinate != p(u));
#   4. helper = the points sorted by abscissa, a salt, check = SHA256(label|salt|coeffs)[:8].
#      Finger key = HMAC(salt, label | coeffs).
# Unlock: align the query onto the vault points (no other alignment data is published), take
# the vault points a query minutia lands on, and try (DEGREE + 1)-subsets of them (Lagrange
# interpolation, at most TRIALS in all) until the check value matches.
import hashlib
import os

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

from . import align as al
from . import gf16 as gf
from ..crypto.hmac_sha256 import ct_equal, hmac_sha256

VERSION = const(1)
DEGREE = const(12)       # secret polynomial degree n: 13 genuine matches unlock
G_MAX = const(40)        # genuine points kept at most
G_MIN = const(10)        # enrollment refuses a finger with fewer reliable minutiae
MIN_SEEN = const(1)      # a genuine minutia may come from any enrollment capture (union)
GEN_SEP = const(10)      # px between genuine points = CHAFF_SEP: spacing must not tell them apart
CHAFF = const(200)       # chaff points wanted
CHAFF_SEP = const(10)    # px between a chaff point and any other point
CHAFF_MARGIN = const(24)  # chaff fills the genuine points' bounding box grown by this
TRIALS = const(300)      # interpolation trials per unlock (bounds the card's worst case)
PEAKS = const(3)         # alignment hypotheses tried per unlock
SALT_LEN = const(16)
CHECK_LEN = const(8)
HEADER_LEN = const(4 + SALT_LEN + CHECK_LEN)
POINT_LEN = const(5)     # abscissa u16, angle u8, ordinate u16 (big-endian)
MIN_MINUTIAE = const(8)  # a capture with fewer minutiae cannot align; refused

_KEY_LABEL = b"bioshard/vault-key/v1"
_CHECK_LABEL = b"bioshard/vault-check/v1"


class VaultError(ValueError):
    pass


def _coeff_bytes(coeffs):
    b = bytearray(2 * len(coeffs))
    for i in range(len(coeffs)):
        b[2 * i] = coeffs[i] >> 8
        b[2 * i + 1] = coeffs[i] & 0xFF
    return b


def _check(salt, cb):
    h = hashlib.sha256(_CHECK_LABEL)
    h.update(salt)
    h.update(cb)
    return h.digest()[:CHECK_LEN]


def abscissa(x, y):
    return (x & 0xFF) | ((y >> 1) << 8)


def _point_xy(u):
    return u & 0xFF, ((u >> 8) << 1) + 1


# ---------------------------------------------------------------- enrollment

def _aligned_captures(captures):
    ref = captures[0]
    out = [[(m[0], m[1], m[2], 0, m[4] if len(m) > 4 else 0) for m in ref]]
    for ci in range(1, len(captures)):
        cap = captures[ci]
        peaks = al.hough(cap, ref, 1)
        if not peaks:
            continue  # this capture does not overlap the reference: it adds nothing
        _, r, tx, ty = peaks[0]
        pts = []
        for m in cap:
            x, y, a = al.apply(m, r, tx, ty)
            pts.append((x, y, a, ci, m[4] if len(m) > 4 else 0))
        out.append(pts)
    return out


def select_genuine(captures):
    """Reliable minutiae of the finger in the first capture's frame: [(x, y, angle)]."""
    sets = _aligned_captures(captures)
    allpts = [p for s in sets for p in s]
    # strongest first, so a cluster is represented by its best-quality member; the key is
    # total because MicroPython's sort is not stable (CPython and the card must agree)
    allpts.sort(key=lambda p: (-p[4], p[3], p[0], p[1], p[2]))
    taken = bytearray(len(allpts))
    clusters = []  # (seen, quality, x, y, angle)
    rr = al.MATCH_R * al.MATCH_R
    for i in range(len(allpts)):
        if taken[i]:
            continue
        p = allpts[i]
        taken[i] = 1
        seen = 1 << p[3]
        for j in range(i + 1, len(allpts)):
            q = allpts[j]
            if taken[j] or (seen >> q[3]) & 1:
                continue
            if (q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2 <= rr and \
                    abs(al._sdiff(q[2], p[2])) <= al.MATCH_A:
                taken[j] = 1
                seen |= 1 << q[3]
        n = 0
        while seen:
            n += seen & 1
            seen >>= 1
        clusters.append((n, p[4], p[0], p[1], p[2]))
    clusters.sort(key=lambda c: (-c[0], -c[1], c[2], c[3], c[4]))
    out = []
    sep = GEN_SEP * GEN_SEP
    for n, _, x, y, a in clusters:
        if n < MIN_SEEN or len(out) >= G_MAX:
            break
        if not (0 <= x < 256 and 0 <= y < 288):
            continue
        if any((x - o[0]) ** 2 + (y - o[1]) ** 2 < sep for o in out):
            continue
        out.append((x, y, a))
    return out


class _Rand:
    """Random 16-bit values from rng(n) -> n bytes (os.urandom on the card)."""

    def __init__(self, rng):
        self.rng = rng
        self.buf = b""
        self.i = 0

    def u16(self):
        if self.i + 2 > len(self.buf):
            self.buf = self.rng(64)
            self.i = 0
        v = (self.buf[self.i] << 8) | self.buf[self.i + 1]
        self.i += 2
        return v

    def below(self, n):
        # rejection sampling: no modulo bias
        lim = 65536 - 65536 % n
        while True:
            v = self.u16()
            if v < lim:
                return v % n


def enroll(captures, rng=None, chaff=None, degree=None):
    """(finger key, helper bytes) from >= 2 captures [(x, y, angle, kind, quality)] of one finger.
    VaultError when the captures do not give G_MIN reliable minutiae."""
    if rng is None:
        rng = os.urandom
    if chaff is None:
        chaff = CHAFF
    if degree is None:
        degree = DEGREE
    if len(captures) < 2:
        raise VaultError("vault: enrollment needs at least 2 captures")
    for c in captures:
        if len(c) < MIN_MINUTIAE:
            raise VaultError("vault: capture too poor (%d minutiae)" % len(c))
    gen = select_genuine(captures)
    if len(gen) < max(G_MIN, degree + 2):
        raise VaultError("vault: only %d reliable minutiae, re-capture" % len(gen))
    rnd = _Rand(rng)
    k = degree + 1
    coeffs = [rnd.u16() for _ in range(k)]
    salt = rng(SALT_LEN)
    cb = _coeff_bytes(coeffs)
    key = hmac_sha256(salt, _KEY_LABEL + cb)
    check = _check(salt, cb)
    pts = []  # (u, angle, ordinate)
    xy = []
    for x, y, a in gen:
        u = abscissa(x, y)
        pts.append((u, a, gf.poly_eval(coeffs, u)))
        xy.append(_point_xy(u))
    x0 = max(0, min(p[0] for p in gen) - CHAFF_MARGIN)
    x1 = min(255, max(p[0] for p in gen) + CHAFF_MARGIN)
    y0 = max(0, min(p[1] for p in gen) - CHAFF_MARGIN)
    y1 = min(287, max(p[1] for p in gen) + CHAFF_MARGIN)
    sep = CHAFF_SEP * CHAFF_SEP
    added = 0
    tries = 0
    while added < chaff and tries < 40 * chaff:
        tries += 1
        x = x0 + rnd.below(x1 - x0 + 1)
        y = y0 + rnd.below(y1 - y0 + 1)
        u = abscissa(x, y)
        px, py = _point_xy(u)
        if any((px - q[0]) ** 2 + (py - q[1]) ** 2 < sep for q in xy):
            continue
        fx = gf.poly_eval(coeffs, u)
        v = rnd.u16()
        while v == fx:
            v = rnd.u16()
        # uniform direction: chaff that follows the ridge flow hides better but drowns the
        # genuine matches (measured 1-press FNMR: 61% uniform, 91% ridge-following,
        # docs/biometrics-vault.md)
        pts.append((u, rnd.u16() & 0xFF, v))
        xy.append((px, py))
        added += 1
    pts.sort()
    out = bytearray(HEADER_LEN + POINT_LEN * len(pts))
    out[0] = VERSION
    out[1] = degree
    out[2] = len(pts) >> 8
    out[3] = len(pts) & 0xFF
    out[4:4 + SALT_LEN] = salt
    out[4 + SALT_LEN:HEADER_LEN] = check
    o = HEADER_LEN
    for u, a, v in pts:
        out[o] = u >> 8
        out[o + 1] = u & 0xFF
        out[o + 2] = a
        out[o + 3] = v >> 8
        out[o + 4] = v & 0xFF
        o += POINT_LEN
    for i in range(k):
        coeffs[i] = 0
    return key, bytes(out)


# ---------------------------------------------------------------- helper parsing

def parse(helper):
    """(degree, salt, check, points [(x, y, angle, u, ordinate)]). Strict; VaultError names
    the bad field."""
    if len(helper) < HEADER_LEN:
        raise VaultError("vault helper: too short")
    if helper[0] != VERSION:
        raise VaultError("vault helper: version %d" % helper[0])
    degree = helper[1]
    if not 1 <= degree <= 31:
        raise VaultError("vault helper: degree %d" % degree)
    n = (helper[2] << 8) | helper[3]
    if n < degree + 1 or n > 1024:
        raise VaultError("vault helper: point count %d" % n)
    if len(helper) != HEADER_LEN + POINT_LEN * n:
        raise VaultError("vault helper: length %d for %d points" % (len(helper), n))
    salt = bytes(helper[4:4 + SALT_LEN])
    check = bytes(helper[4 + SALT_LEN:HEADER_LEN])
    pts = []
    o = HEADER_LEN
    prev = -1
    for _ in range(n):
        u = (helper[o] << 8) | helper[o + 1]
        if u <= prev:
            raise VaultError("vault helper: abscissae not strictly increasing")
        prev = u
        x, y = _point_xy(u)
        pts.append((x, y, helper[o + 2], u, (helper[o + 3] << 8) | helper[o + 4]))
        o += POINT_LEN
    return degree, salt, check, pts


# ---------------------------------------------------------------- unlock

class Stats:
    """What an unlock did (for evaluation): trials used, candidate set sizes per peak."""

    def __init__(self):
        self.trials = 0
        self.candidates = []


def _try_set(cand, pts, k, salt, check, budget, stats):
    """Search k-subsets of the candidate vault indices for the polynomial. Returns coefficient
    bytes or None; uses at most `budget` trials.

    Order: candidates are sorted closest match first, and genuine points match closer than
    chaff, so subsets are enumerated by growing prefix: all k-subsets of the first L candidates
    that contain candidate L - 1, for L = k, k + 1, ... (1, then k, then k(k+1)/2, ... new
    subsets). Every subset comes exactly once, so a small set is searched exhaustively."""
    m = len(cand)
    if m < k:
        return None
    xs = [0] * k
    ys = [0] * k
    out = [0] * k
    work = [0] * (k + 1)
    idx = bytearray(k)
    t = 0
    r = k - 1
    for last in range(r, m):
        for i in range(r):
            idx[i] = i
        idx[r] = last
        while True:
            if t >= budget:
                return None
            for i in range(k):
                p = pts[cand[idx[i]]]
                xs[i] = p[3]
                ys[i] = p[4]
            gf.interpolate(xs, ys, out, work)
            t += 1
            stats.trials += 1
            cb = _coeff_bytes(out)
            if ct_equal(_check(salt, cb), check):
                return cb
            # next (k-1)-subset of range(last), lexicographic
            i = r - 1
            while i >= 0 and idx[i] == last - r + i:
                i -= 1
            if i < 0:
                break
            idx[i] += 1
            for j in range(i + 1, r):
                idx[j] = idx[j - 1] + 1
    return None


def candidate_sets(pts, minutiae, peaks=PEAKS):
    """For each alignment hypothesis (best first), the vault indices a query minutia lands on,
    closest first."""
    hyp = al.hough(minutiae, pts, peaks)
    grid = al.Grid(pts)
    return [[j for _, j in al.matches(minutiae, grid, r, tx, ty)] for _, r, tx, ty in hyp]


def unlock(helper, minutiae, stats=None, trials=None, peaks=None):
    """Finger key, or None when this capture does not open the vault. At most `trials`
    interpolations (default TRIALS) over at most `peaks` alignments (default PEAKS)."""
    degree, salt, check, pts = parse(helper)
    if stats is None:
        stats = Stats()
    if trials is None:
        trials = TRIALS
    if peaks is None:
        peaks = PEAKS
    if len(minutiae) < MIN_MINUTIAE:
        return None
    k = degree + 1
    left = trials
    for cand in candidate_sets(pts, minutiae, peaks):
        stats.candidates.append(len(cand))
        if len(cand) < k:
            continue
        # the combinations of a small set are fewer than the budget: try each once
        c = 1
        for i in range(k):
            c = c * (len(cand) - i) // (i + 1)
        budget = c if c <= left else left
        cb = _try_set(cand, pts, k, salt, check, budget, stats)
        left -= budget
        if cb is not None:
            return hmac_sha256(salt, _KEY_LABEL + cb)
        if left <= 0:
            break
    return None
