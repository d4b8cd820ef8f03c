# One finger's key, bound to its consolidated minutiae by an aligned, chaff-free fuzzy vault.
#
# Alignment without publishing minutiae: enrollment picks REFS reference pairs among the most
# reliable consolidated minutiae, at random among the good ones (fresh per enrollment), and
# publishes for each only its pair invariants: the distance d and the two minutia directions
# relative to the segment (what every other finger also has somewhere). A reference pair
# defines a frame (origin at the pair's midpoint, x axis along it); every other minutia is
# expressed in that frame as a cell (CELL px squares, ABINS direction bins). A query finds
# its candidate frames by looking for pairs with the same invariants (within DTOL / ATOL),
# usually 1..10 per press; each candidate is one decode, and every one of them is also
# available to an attacker: the evaluation counts them (docs/biometrics.md).
#
# Binding (improved fuzzy vault, Dodis et al. 2004; as used for fingerprints by Tams,
# Mihailescu & Munk 2015): the frame's enrolled cells, passed through a keyed 16-bit
# permutation (fresh salt per enrollment, so two enrollments of one finger share no
# element), are the roots of P(X) = prod (X - a) over GF(2^16), padded with random roots to
# exactly T. The helper publishes the coefficients of degree K..T-1 of P; the low part s(X)
# (degree < K) is the secret. For an enrolled element x, P(x) = 0, so s(x) = W(x), the
# published part evaluated at x: a query's elements give points (x, W(x)), the enrolled ones
# on s, the others off it, and Reed-Solomon decoding (rs_decode, Gao) finds s when at least
# (n + K) / 2 of the n points are enrolled. No points, no chaff, nothing to intersect.
# The finger key is random; each reference wraps it under a hash of its s, and an 8-byte
# check of the key tells the card that a decode was right ("wrong finger" per finger).
import hashlib
import math

from . import gf16 as gf
from . import rs_decode as rs
from ..crypto.hmac_sha256 import ct_equal, hmac_sha256

try:
    from .gf16_viper import w_many as _w_many_fast
except (ImportError, SyntaxError, ValueError, NotImplementedError, NameError):
    _w_many_fast = None  # CPython, or a MicroPython build without the native emitter

VERSION = 3
CELL = 16                # px per cell side in a reference frame
SPAN = 176               # frame covers -SPAN..SPAN-1 px on both axes
NCELL = 2 * SPAN // CELL  # 22 cells per axis
ABINS = 16               # direction bins (22.5 degrees)
EXPAND = 6               # px: an enrolled minutia also marks the cells within this distance
REFS = 6                 # reference pairs per finger
DMIN = 40                # px: reference pair length range
DMAX = 140
DTOL = 8                 # px: a query pair matches a reference within this distance ...
ATOL = 10                # ... and these angle units (14 degrees) on both directions
MIN_COUNT = 2            # reference minutiae must have been seen in >= 2 enrollment presses
CAP = 60                 # consolidated minutiae used (most often seen first)
T = 192                  # vault degree: enrolled elements per frame, padded to exactly T
K = 12                   # secret polynomial length: >= (n + K) / 2 of n query points decode
MAX_FRAMES = 12          # candidate frames decoded per press at most (bounds card time)
MIN_MINUTIAE = 8         # a press with fewer minutiae is refused (cannot align)
QMAX = 32                # the card decodes with the QMAX best-quality query minutiae
SUPPORT = 44             # px: the enrolled area is published as an 8 x 8 mask of such blocks
SALT_LEN = 16
CHECK_LEN = 8
KEY_LEN = 32
_REF_LEN = 3 + 8 + KEY_LEN + 2 * (T - K)
HEADER_LEN = 4 + SALT_LEN + CHECK_LEN
HELPER_LEN = HEADER_LEN + REFS * _REF_LEN

_A2R = 2 * math.pi / 256
_KEY = b"bioshard/finger-key/v3"
_CHECK = b"bioshard/finger-check/v3"
_WRAP = b"bioshard/finger-wrap/v3"
_PERM = b"bioshard/finger-perm/v3"


class VaultError(ValueError):
    pass


class HelperError(ValueError):
    pass


# ------------------------------------------------------------------ geometry

def _pts(minutiae):
    """(x, y up, direction in radians) of (x, y, ISO angle, ...) minutiae."""
    return [(m[0], -m[1], m[2] * _A2R) for m in minutiae]


def _wrap_pi(a):
    while a > math.pi:
        a -= 2 * math.pi
    while a < -math.pi:
        a += 2 * math.pi
    return a


def _pair(p, q):
    """(length, direction of p rel. to segment, of q rel. to segment, frame)."""
    dx = q[0] - p[0]
    dy = q[1] - p[1]
    phi = math.atan2(dy, dx)
    frame = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2, math.cos(phi), math.sin(phi), phi)
    return math.sqrt(dx * dx + dy * dy), _wrap_pi(p[2] - phi), _wrap_pi(q[2] - phi), frame


def _in_frame(p, frame):
    ox, oy, c, s, phi = frame
    dx = p[0] - ox
    dy = p[1] - oy
    return c * dx + s * dy, -s * dx + c * dy, (p[2] - phi) % (2 * math.pi)


def _cell(u, v, a):
    cu = int((u + SPAN) // CELL)
    cv = int((v + SPAN) // CELL)
    if cu < 0 or cv < 0 or cu >= NCELL or cv >= NCELL:
        return -1
    ca = int(a * ABINS / (2 * math.pi)) % ABINS
    return (cu * NCELL + cv) * ABINS + ca


def _block(u, v):
    """Bit index of the SUPPORT block holding frame point (u, v), or -1 outside."""
    bu = int((u + SPAN) // SUPPORT)
    bv = int((v + SPAN) // SUPPORT)
    if bu < 0 or bv < 0 or bu >= 8 or bv >= 8:
        return -1
    return bu * 8 + bv


def _q_angle(a):
    """Relative direction (-pi..pi) <-> one byte."""
    return int((a + math.pi) * 256 / (2 * math.pi) + 0.5) & 255


def _angle_of(b):
    return b * 2 * math.pi / 256 - math.pi


angle_of = _angle_of  # public name: the host's numpy decoder (host/bioshard/bio/vault_fast.py)


# ------------------------------------------------------------------ keyed element map

class _Perm:
    """A keyed permutation of 0..65535 (4-round Feistel on bytes; round tables from the salt):
    fresh per enrollment and per reference frame, so no element value recurs across records."""

    def __init__(self, salt, ref):
        self.t = [hashlib.sha256(_PERM + salt + bytes([ref, r])).digest() +
                  hashlib.sha256(_PERM + salt + bytes([ref, r, 1])).digest() +
                  hashlib.sha256(_PERM + salt + bytes([ref, r, 2])).digest() +
                  hashlib.sha256(_PERM + salt + bytes([ref, r, 3])).digest() +
                  hashlib.sha256(_PERM + salt + bytes([ref, r, 4])).digest() +
                  hashlib.sha256(_PERM + salt + bytes([ref, r, 5])).digest() +
                  hashlib.sha256(_PERM + salt + bytes([ref, r, 6])).digest() +
                  hashlib.sha256(_PERM + salt + bytes([ref, r, 7])).digest() for r in range(4)]

    def __call__(self, x):
        left = x >> 8
        right = x & 255
        for tab in self.t:
            left, right = right, left ^ tab[right]
        return (left << 8) | right


Perm = _Perm  # public name: the host's numpy decoder and tools/bench_bio.py


# ------------------------------------------------------------------ enrollment

def _choose_refs(pts, counts, rng):
    """Up to REFS disjoint pairs of reliable minutiae (seen in >= MIN_COUNT presses) at
    DMIN..DMAX px, drawn at random with fresh randomness: two enrollments of one finger pick
    different pairs, so their invariants do not link them (ranking by count would pick the
    same pairs every time)."""
    idx = [i for i in range(len(pts)) if counts[i] >= MIN_COUNT]
    cands = []
    for a in range(len(idx)):
        for b in range(a + 1, len(idx)):
            i = idx[a]
            j = idx[b]
            dx = pts[j][0] - pts[i][0]
            dy = pts[j][1] - pts[i][1]
            d2 = dx * dx + dy * dy
            if DMIN * DMIN <= d2 <= DMAX * DMAX:
                cands.append((i, j))
    noise = rng(4 * len(cands) + 1)
    keyed = []
    for c in range(len(cands)):
        r = (noise[4 * c] << 24) | (noise[4 * c + 1] << 16) | (noise[4 * c + 2] << 8) | noise[4 * c + 3]
        i, j = cands[c]
        if noise[4 * c] & 1:  # random orientation of the pair too
            i, j = j, i
        keyed.append((r, i, j))
    keyed.sort(key=lambda c: c[0])
    used = set()
    out = []
    for _, i, j in keyed:
        if i in used or j in used:
            continue
        used.add(i)
        used.add(j)
        out.append((i, j))
        if len(out) == REFS:
            break
    return out


def _enrolled_cells(pts, i, j, frame):
    """Cells of every minutia but the pair, with EXPAND px of tolerance, most reliable first."""
    out = []
    seen = set()
    for m in range(len(pts)):
        if m == i or m == j:
            continue
        u, v, a = _in_frame(pts[m], frame)
        for du in (-EXPAND, EXPAND):
            for dv in (-EXPAND, EXPAND):
                c = _cell(u + du, v + dv, a)
                if c >= 0 and c not in seen:
                    seen.add(c)
                    out.append(c)
    return out


def _random_u16(rng, n):
    b = rng(2 * n)
    return [(b[2 * i] << 8) | b[2 * i + 1] for i in range(n)]


def _roots_poly(roots):
    """Coefficients of prod (X - r), lowest first, degree len(roots) (monic)."""
    return rs.master(roots)


def _s_key(salt, r, s):
    b = bytearray(2 * len(s))
    for i in range(len(s)):
        b[2 * i] = s[i] >> 8
        b[2 * i + 1] = s[i] & 255
    return hmac_sha256(salt, _WRAP + bytes([r]) + b)


def _xor(a, b):
    return bytes(a[i] ^ b[i] for i in range(len(a)))


def enroll(consolidated, rng, elements_out=None):
    """(finger key, helper bytes) from consolidated minutiae [(x, y, angle, count, quality)],
    most often seen first. rng(n) -> n random bytes (os.urandom on the card). The host's
    evaluation passes a list as elements_out to receive each frame's enrolled element set."""
    cons = list(consolidated[:CAP])
    pts = _pts(cons)
    counts = [m[3] for m in cons]
    pairs = _choose_refs(pts, counts, rng)
    if not pairs:
        raise VaultError("too few reliable minutiae: press the finger again, flatter, a bit elsewhere")
    salt = bytes(rng(SALT_LEN))
    secret = bytes(rng(KEY_LEN))
    out = bytearray(b"FV")
    out.append(VERSION)
    out.append(len(pairs))
    out.extend(salt)
    out.extend(hmac_sha256(salt, _CHECK + secret)[:CHECK_LEN])
    for r in range(REFS):
        if r >= len(pairs):
            # unused reference slots: random bytes of the same shape (count says how many)
            out.extend(rng(_REF_LEN))
            continue
        i, j = pairs[r]
        d, ai, aj, frame = _pair(pts[i], pts[j])
        perm = _Perm(salt, r)
        elems = []
        seen = set()
        for c in _enrolled_cells(pts, i, j, frame):
            e = perm(c)
            if e not in seen:
                seen.add(e)
                elems.append(e)
            if len(elems) == T:
                break
        while len(elems) < T:
            for e in _random_u16(rng, T - len(elems)):
                if e not in seen and len(elems) < T:
                    seen.add(e)
                    elems.append(e)
        if elements_out is not None:
            elements_out.append(set(elems))
        poly = _roots_poly(elems)  # degree T, monic
        s = poly[:K]
        # the enrolled area in this frame (no minutia positions: 44 px blocks): the decoder
        # leaves out query minutiae outside it, which can only be errors
        mask = 0
        for m in range(len(pts)):
            u, v, _ = _in_frame(pts[m], frame)
            b = _block(u, v)
            if b >= 0:
                mask |= 1 << b
        out.append(min(255, int(d + 0.5)))
        out.append(_q_angle(ai))
        out.append(_q_angle(aj))
        out.extend(mask.to_bytes(8, "big"))
        out.extend(_xor(secret, _s_key(salt, r, s)))
        for c in poly[K:T]:
            out.append(c >> 8)
            out.append(c & 255)
        poly = None
        s = None
    return hmac_sha256(salt, _KEY + secret), bytes(out)


# ------------------------------------------------------------------ helper parsing

def parse_helper(helper):
    """(refs, salt, check, [(d, ai, aj, wrap, coeff bytes, area mask)]); HelperError when
    malformed."""
    if not isinstance(helper, (bytes, bytearray)) or len(helper) != HELPER_LEN:
        raise HelperError("finger helper must be %d bytes" % HELPER_LEN)
    if bytes(helper[:2]) != b"FV" or helper[2] != VERSION:
        raise HelperError("finger helper is not a version %d vault (re-enroll)" % VERSION)
    n = helper[3]
    if not 1 <= n <= REFS:
        raise HelperError("finger helper has %d reference frames, expected 1..%d" % (n, REFS))
    salt = bytes(helper[4:4 + SALT_LEN])
    check = bytes(helper[4 + SALT_LEN:HEADER_LEN])
    refs = []
    o = HEADER_LEN
    for _ in range(n):
        d = helper[o]
        if not DMIN - DTOL <= d <= DMAX + DTOL:
            raise HelperError("finger helper reference length %d out of range" % d)
        mask = int.from_bytes(bytes(helper[o + 3:o + 11]), "big")
        refs.append((d, helper[o + 1], helper[o + 2], bytes(helper[o + 11:o + 11 + KEY_LEN]),
                     memoryview(helper)[o + 11 + KEY_LEN:o + _REF_LEN], mask))
        o += _REF_LEN
    return n, salt, check, refs


# ------------------------------------------------------------------ reproduction

def candidate_frames(helper_refs, minutiae):
    """[(reference index, frame, i, j)] for every query pair that matches a reference pair's
    invariants (both orders are tried; at most MAX_FRAMES, in reference order)."""
    pts = _pts(minutiae)
    n = len(pts)
    out = []
    tol = ATOL * _A2R
    for r in range(len(helper_refs)):
        d0, bi, bj = helper_refs[r][0], helper_refs[r][1], helper_refs[r][2]
        ai0 = _angle_of(bi)
        aj0 = _angle_of(bj)
        # |length - d0| <= DTOL on squared lengths: no square root in the card's n^2 loop
        lo2 = (d0 - DTOL) * (d0 - DTOL)
        hi2 = (d0 + DTOL) * (d0 + DTOL)
        for i in range(n):
            pi = pts[i]
            for j in range(n):
                if i == j:
                    continue
                pj = pts[j]
                dx = pj[0] - pi[0]
                dy = pj[1] - pi[1]
                d2 = dx * dx + dy * dy
                if d2 < lo2 or d2 > hi2:
                    continue
                d, ai, aj, frame = _pair(pi, pj)
                if abs(_wrap_pi(ai - ai0)) <= tol and abs(_wrap_pi(aj - aj0)) <= tol:
                    out.append((r, frame, i, j))
                    if len(out) >= MAX_FRAMES:
                        return out
    return out


def _w_eval(coeffs, x):
    """W(x) = x^T + sum_{j=K}^{T-1} c_j x^j, c_j read big-endian from the helper."""
    mul = gf.mul
    acc = 1  # the implicit leading coefficient of the monic P
    for i in range(T - K - 1, -1, -1):
        acc = mul(acc, x) ^ ((coeffs[2 * i] << 8) | coeffs[2 * i + 1])
    for _ in range(K):
        acc = mul(acc, x)
    return acc


def query_points(ref, ref_index, salt, frame, pts, i, j, perm=None):
    """Distinct (x, W(x)) of the query minutiae (but the pair) in one candidate frame."""
    perm = perm or _Perm(salt, ref_index)
    xs = []
    seen = set()
    mask = ref[5]
    for m in range(len(pts)):
        if m == i or m == j:
            continue
        u, v, a = _in_frame(pts[m], frame)
        b = _block(u, v)
        if b < 0 or not (mask >> b) & 1:
            continue
        c = _cell(u, v, a)
        if c < 0:
            continue
        e = perm(c)
        if e not in seen:
            seen.add(e)
            xs.append(e)
    coeffs = ref[4]
    if _w_many_fast is not None:
        return xs, _w_many_fast(coeffs, xs, K)
    return xs, [_w_eval(coeffs, x) for x in xs]


def unlock(helper, minutiae, stats=None):
    """Finger key, or None ("wrong finger"). stats (a dict) receives frames tried."""
    n, salt, check, refs = parse_helper(helper)
    if len(minutiae) < MIN_MINUTIAE:
        return None
    # fewer, better minutiae: Gao opens when >= (n + K) / 2 of the n points are enrolled,
    # and low-quality minutiae are the likeliest to be spurious
    minutiae = sorted(minutiae, key=lambda m: -m[4] if len(m) > 4 else 0)[:QMAX]
    frames = candidate_frames(refs, minutiae)
    if stats is not None:
        stats["frames"] = len(frames)
    pts = _pts(minutiae)
    perms = {}
    for r, frame, i, j in frames:
        perm = perms.get(r)
        if perm is None:
            perm = perms[r] = _Perm(salt, r)
        xs, ys = query_points(refs[r], r, salt, frame, pts, i, j, perm)
        s = rs.decode(xs, ys, K)
        if s is None:
            continue
        secret = _xor(refs[r][3], _s_key(salt, r, s))
        if ct_equal(hmac_sha256(salt, _CHECK + secret)[:CHECK_LEN], check):
            return hmac_sha256(salt, _KEY + secret)
    return None
