# Secret B from an ordered sequence of 1..5 fingers.
#
#   state_0 = HMAC("bioshard/secretB/v3", "start" || count)
#   state_i = HMAC(state_{i-1}, "finger" || position i || finger id || finger key_i)
#   Secret B = HMAC(state_n, "secretB" || counter)  (first value that is a valid secp256k1 scalar)
#   blob MAC key = HMAC(state_n, "helper-mac")
# Each step is keyed by the previous state, so the same fingers in another order, a different
# count or a different finger id give an unrelated Secret B. The finger keys never leave RAM.
#
# Card flow: Enrollment.begin(finger id), press(minutiae) for each guided press (aligned and
# merged into one consolidated set, consolidate.py), end() binds the finger (finger_vault);
# finish() -> (Secret B, helper blob). Reproduction(blob): offer(minutiae) for the finger the
# prompt names; False = "wrong finger, try again", True = next finger; a failed press is kept
# and the next press of the same finger is decoded alone and then fused with the ones before
# (up to FUSE presses). After the last finger, finish() checks the blob MAC -> Secret B.
import os

from ..crypto.hmac_sha256 import hmac_sha256
from . import consolidate, finger_vault, helperblob

LABEL = b"bioshard/secretB/v3"
FUSE = 3                 # presses of one finger fused at most
# secp256k1 group order: Secret B must be a valid private scalar in [1, n-1]
_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class SequenceError(ValueError):
    pass


def _start(count):
    return hmac_sha256(LABEL, b"start" + bytes([count]))


def _step(state, position, finger_id, key):
    return hmac_sha256(state, b"finger" + bytes([position, finger_id]) + key)


def _finish(state):
    ctr = 0
    while True:
        sb = hmac_sha256(state, b"secretB" + bytes([ctr]))
        v = int.from_bytes(sb, "big")
        if 0 < v < _ORDER:
            return sb, hmac_sha256(state, b"helper-mac")
        ctr += 1  # probability ~2^-128 per try


def derive(finger_ids, keys):
    """(Secret B, blob MAC key) from the finger keys in sequence order."""
    if not 1 <= len(keys) <= helperblob.MAX_FINGERS or len(keys) != len(finger_ids):
        raise SequenceError("a sequence has 1..%d fingers" % helperblob.MAX_FINGERS)
    state = _start(len(keys))
    for i in range(len(keys)):
        state = _step(state, i, finger_ids[i], keys[i])
    return _finish(state)


def fuse(presses):
    """One consolidated minutiae list from several presses of a finger (first press frame)."""
    c = consolidate.Consolidated()
    for p in presses:
        c.add(p)
    # a minutia seen in more presses ranks as more reliable (it sorts like quality)
    out = [(m[0], m[1], m[2], 0, m[3] * 100 + m[4]) for m in c.minutiae()]
    c.wipe()
    return out


class Enrollment:
    def __init__(self, rng=None):
        self._rng = rng or os.urandom
        self._ids = []
        self._keys = []
        self._helpers = []
        self._cons = None
        self._fid = None

    def begin(self, finger_id):
        if len(self._keys) >= helperblob.MAX_FINGERS:
            raise SequenceError("at most %d fingers" % helperblob.MAX_FINGERS)
        if not 0 <= finger_id <= helperblob.MAX_FINGER_ID:
            raise SequenceError("finger id must be 0..%d" % helperblob.MAX_FINGER_ID)
        self._cons = consolidate.Consolidated()
        self._fid = finger_id

    def press(self, minutiae):
        """Merge one press: (aligned, new minutiae it added, coverage percent)."""
        if self._cons is None:
            raise SequenceError("begin(finger id) first")
        if len(minutiae) < finger_vault.MIN_MINUTIAE:
            return False, 0, self._cons.coverage()
        ok, added = self._cons.add(minutiae)
        return ok, added, self._cons.coverage()

    @property
    def presses(self):
        return 0 if self._cons is None else self._cons.presses

    def end(self):
        """Bind the current finger; finger_vault.VaultError when it has too few reliable
        minutiae (the flow asks for more presses)."""
        if self._cons is None:
            raise SequenceError("begin(finger id) first")
        key, helper = finger_vault.enroll(self._cons.minutiae(), self._rng)
        self._cons.wipe()
        self._cons = None
        self._ids.append(self._fid)
        self._keys.append(key)
        self._helpers.append(helper)
        return len(self._keys)

    def add(self, finger_id, captures):
        """All presses of one finger at once (tests, tools)."""
        self.begin(finger_id)
        for m in captures:
            self.press(m)
        return self.end()

    def finish(self):
        """(Secret B, helper blob bytes)."""
        if not self._keys:
            raise SequenceError("no finger enrolled")
        sb, mac_key = derive(self._ids, self._keys)
        blob = helperblob.build(list(zip(self._ids, self._helpers)), mac_key)
        self._keys = []
        return sb, blob


class Reproduction:
    def __init__(self, blob):
        self.blob = helperblob.parse(blob)
        self._state = _start(len(self.blob))
        self.position = 0
        self._presses = []

    @property
    def count(self):
        return len(self.blob)

    @property
    def done(self):
        return self.position >= self.count

    def finger_id(self):
        """ISO finger position the owner should present next (for the prompt)."""
        return self.blob.fingers[self.position][0]

    @property
    def presses(self):
        """Failed presses of the current finger kept for fusion."""
        return len(self._presses)

    def offer(self, minutiae):
        """True when this press (alone, or fused with the failed presses of the same finger
        before it) opens the current finger's vault."""
        if self.done:
            raise SequenceError("all fingers already read")
        helper = self.blob.fingers[self.position][1]
        key = finger_vault.unlock(helper, minutiae)
        if key is None and self._presses and len(minutiae) >= finger_vault.MIN_MINUTIAE:
            key = finger_vault.unlock(helper, fuse(self._presses + [minutiae]))
        if key is None:
            if len(minutiae) >= finger_vault.MIN_MINUTIAE:
                self._presses.append(minutiae)
                if len(self._presses) >= FUSE:
                    self._presses.pop(0)
            return False
        self._presses = []
        fid = self.blob.fingers[self.position][0]
        self._state = _step(self._state, self.position, fid, key)
        self.position += 1
        return True

    def finish(self):
        """Secret B; BlobError if the blob was modified (or a finger miscorrected)."""
        if not self.done:
            raise SequenceError("%d of %d fingers read" % (self.position, self.count))
        sb, mac_key = _finish(self._state)
        if not self.blob.verify(mac_key):
            raise helperblob.BlobError("helper blob authentication failed (modified blob?)")
        return sb
