# Fuzzy commitment (Juels-Wattenberg code offset) on the template bits of one finger.
#
# Enrollment, from several captures of the same finger:
#   1. compute all template.PROJ projection values of every capture;
#   2. keep the N = 255 projections whose sign agrees in every capture, the largest
#      smallest-margin first (bits far from zero in all captures flip least often);
#   3. reference bits w = signs of the mean; draw a random k-bit message m; c = BCH.encode(m);
#      sketch = c XOR w;  finger key = HMAC(salt, "key" || m);  check = HMAC(salt, "check" || m)[:8].
# Reproduction: query bits w' at the same projections, BCH.decode(sketch XOR w') = c if w' is
# within t bits of w, else a clean failure; the check value catches the rare miscorrection.
# Several presses of one finger: a press that fails alone is added to a running sum, and the
# mean of all presses of this finger so far is decoded too (class Presses). Averaging the
# projection values cancels part of the capture noise (different crop, spurious minutiae) that
# flips bits; measured on FVC2004 it lowers the rejection within 3 presses by 8-13 points at
# 0 observed false accepts (docs/biometrics.md). It changes nothing for an offline attacker, who
# holds the same sketch and decoder either way.
# Public helper (per finger): t, salt, selection mask, sketch, check. What it leaks is
# quantified in docs/biometrics.md (the sketch gives away n - k bits about w; the mask says
# which projections are far from zero for this finger, not their signs).
import os
from array import array

from . import template
from .ecc_bch import N, code
from ..crypto.hmac_sha256 import ct_equal, hmac_sha256

HELPER_VERSION = 1
T_DEFAULT = 42          # BCH(255, 47, 42); see docs/biometrics.md for the trade-off
SALT_LEN = 16
MASK_LEN = template.PROJ // 8
SKETCH_LEN = 32
CHECK_LEN = 8
HELPER_LEN = 2 + SALT_LEN + MASK_LEN + SKETCH_LEN + CHECK_LEN

_KEY_LABEL = b"bioshard/finger-key/v1"
_CHECK_LABEL = b"bioshard/finger-check/v1"


class HelperError(ValueError):
    pass


def _int_from_le(b):
    v = 0
    for i in range(len(b) - 1, -1, -1):
        v = (v << 8) | b[i]
    return v


def _int_to_le(v, n):
    out = bytearray(n)
    for i in range(n):
        out[i] = v & 0xFF
        v >>= 8
    return bytes(out)


def _derive(salt, msg, k):
    mb = _int_to_le(msg, (k + 7) // 8)
    return hmac_sha256(salt, _KEY_LABEL + mb), hmac_sha256(salt, _CHECK_LABEL + mb)[:CHECK_LEN]


def select_reliable(feature_sets):
    """Indices (ascending) of the N most reliable projections, and the reference bits (int)."""
    score = array("f", bytearray(4 * template.PROJ))  # unboxed: 4 KB instead of ~20 KB
    for j in range(template.PROJ):
        pos = neg = 0
        low = 1e30
        for f in feature_sets:
            v = f[j]
            if v > 0:
                pos += 1
            else:
                neg += 1
            a = v if v > 0 else -v
            if a < low:
                low = a
        # disagreeing projections rank below every agreeing one
        score[j] = low if (pos == 0 or neg == 0) else -1.0 / (1.0 + low)
    order = sorted(range(template.PROJ), key=lambda j: -score[j])
    chosen = sorted(order[:N])
    ref = 0
    for rank in range(N):
        j = chosen[rank]
        s = 0.0
        for f in feature_sets:
            s += f[j]
        if s > 0:
            ref |= 1 << rank
    return chosen, ref


def enroll_features(feature_sets, t=T_DEFAULT, rng=None):
    """feature_sets: >= 2 full feature arrays of one finger. Returns (key32, helper bytes)."""
    if len(feature_sets) < 2:
        raise ValueError("enrollment needs at least 2 captures")
    rng = rng or os.urandom
    bch = code(t)
    chosen, ref = select_reliable(feature_sets)
    salt = bytes(rng(SALT_LEN))
    msg = _int_from_le(rng((bch.k + 7) // 8)) & ((1 << bch.k) - 1)
    sketch = bch.encode(msg) ^ ref
    key, check = _derive(salt, msg, bch.k)
    mask = bytearray(MASK_LEN)
    for j in chosen:
        mask[j >> 3] |= 1 << (j & 7)
    helper = bytes([HELPER_VERSION, t]) + salt + bytes(mask) + _int_to_le(sketch, SKETCH_LEN) + check
    return key, helper


def enroll(captures, t=T_DEFAULT, rng=None):
    """captures: >= 2 minutiae lists of the same finger."""
    return enroll_features([template.features(m) for m in captures], t, rng)


def parse_helper(helper):
    """(t, salt, indices, sketch int, check); raises HelperError on any malformed field."""
    if not isinstance(helper, (bytes, bytearray)) or len(helper) != HELPER_LEN:
        raise HelperError("finger helper must be %d bytes" % HELPER_LEN)
    if helper[0] != HELPER_VERSION:
        raise HelperError("unknown finger helper version %d" % helper[0])
    t = helper[1]
    if not 1 <= t <= 63:
        raise HelperError("BCH t out of range")
    o = 2
    salt = bytes(helper[o:o + SALT_LEN])
    o += SALT_LEN
    mask = helper[o:o + MASK_LEN]
    o += MASK_LEN
    idx = [j for j in range(template.PROJ) if mask[j >> 3] >> (j & 7) & 1]
    if len(idx) != N:
        raise HelperError("selection mask must select %d projections" % N)
    sketch = _int_from_le(helper[o:o + SKETCH_LEN])
    o += SKETCH_LEN
    if sketch >> N:
        raise HelperError("sketch longer than the code")
    return t, salt, idx, sketch, bytes(helper[o:o + CHECK_LEN])


def reproduce_features(helper, query):
    """query: projection values at the helper's indices (in order). Key, or None."""
    t, salt, idx, sketch, check = parse_helper(helper)
    w = 0
    for rank in range(N):
        if query[rank] > 0:
            w |= 1 << rank
    bch = code(t)
    cw = bch.decode(sketch ^ w)
    if cw is None:
        return None
    key, chk = _derive(salt, bch.message(cw), bch.k)
    return key if ct_equal(chk, check) else None


def query_features(helper, minutiae):
    """Projection values of a capture at the helper's selected indices (TemplateError if poor)."""
    return template.features(minutiae, parse_helper(helper)[2])


class Presses:
    """Decode successive presses of one finger: each press alone, then the mean of all so far.

    offer(query) -> finger key or None. At most 2 decodes per press. The running sum is
    template data: wipe() (called by the owner when the finger is done) zeroes it."""

    def __init__(self, helper):
        parse_helper(helper)  # fail early on a malformed helper
        self.helper = helper
        self._sum = array("f", bytearray(4 * N))
        self._mean = array("f", bytearray(4 * N))
        self.count = 0

    def offer(self, query):
        key = reproduce_features(self.helper, query)
        if key is not None:
            return key
        s = self._sum
        for r in range(N):
            s[r] += query[r]
        self.count += 1
        if self.count < 2:
            return None
        m = self._mean
        inv = 1.0 / self.count
        for r in range(N):
            m[r] = s[r] * inv
        key = reproduce_features(self.helper, m)
        for r in range(N):
            m[r] = 0.0
        return key

    def wipe(self):
        for r in range(N):
            self._sum[r] = 0.0
            self._mean[r] = 0.0
        self.count = 0


def reproduce(helper, minutiae):
    """Finger key (32 bytes) or None for "wrong finger, try again"."""
    idx = parse_helper(helper)[2]
    return reproduce_features(helper, template.features(minutiae, idx))
