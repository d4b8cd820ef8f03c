# Secret B from an ordered sequence of 1..5 fingers.
#
#   state_0 = HMAC("bioshard/secretB/v1", "start" || count)
#   state_i = HMAC(state_{i-1}, "finger" || position i || finger id || finger key_i)
#   Secret B = HMAC(state_n, "secretB" || counter)  (first value that is a valid secp256k1 scalar)
#   blob MAC key = HMAC(state_n, "helper-mac")
# Each step is keyed by the previous state, so the same fingers in another order, a different
# count or a different finger id give an unrelated Secret B. The finger keys never leave RAM.
#
# Card flow: Enrollment.add(finger id, captures) for each finger in order, then finish() ->
# (Secret B, helper blob). Reproduction(blob): offer(minutiae) for the finger the prompt names;
# False = "wrong finger, try again" (the per-finger check value), True = next finger; after the
# last one, finish() checks the blob MAC and returns Secret B. Presses of the same finger are
# also decoded as a running mean (fuzzy.Presses), so a retry builds on the presses before it.
from ..crypto.hmac_sha256 import hmac_sha256
from . import fuzzy, helperblob, template

LABEL = b"bioshard/secretB/v1"
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


class Enrollment:
    def __init__(self, t=fuzzy.T_DEFAULT, rng=None):
        self._t = t
        self._rng = rng
        self._ids = []
        self._keys = []
        self._helpers = []

    def add(self, finger_id, captures):
        """captures: >= 2 minutiae lists of this finger (raises template.TemplateError)."""
        return self.add_features(finger_id, [template.features(m) for m in captures])

    def add_features(self, finger_id, feature_sets):
        if len(self._keys) >= helperblob.MAX_FINGERS:
            raise SequenceError("at most %d fingers" % helperblob.MAX_FINGERS)
        if not 0 <= finger_id <= helperblob.MAX_FINGER_ID:
            raise SequenceError("finger id must be 0..%d" % helperblob.MAX_FINGER_ID)
        key, helper = fuzzy.enroll_features(feature_sets, self._t, self._rng)
        self._ids.append(finger_id)
        self._keys.append(key)
        self._helpers.append(helper)
        return len(self._keys)

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
        self._presses = None

    @property
    def count(self):
        return len(self.blob)

    @property
    def done(self):
        return self.position >= self.count

    def finger_id(self):
        """ISO finger position the owner should present next (for the prompt)."""
        return self.blob.fingers[self.position][0]

    def offer(self, minutiae):
        if self.done:
            raise SequenceError("all fingers already read")
        helper = self.blob.fingers[self.position][1]
        return self.offer_features(fuzzy.query_features(helper, minutiae))

    def offer_features(self, query):
        """query: projection values at this finger's selected indices."""
        if self.done:
            raise SequenceError("all fingers already read")
        if self._presses is None:
            self._presses = fuzzy.Presses(self.blob.fingers[self.position][1])
        return self._accept(self._presses.offer(query))

    @property
    def presses(self):
        """Failed presses of the current finger so far (their mean is retried with the next)."""
        return 0 if self._presses is None else self._presses.count

    def _accept(self, key):
        if key is None:
            return False
        self._presses.wipe()
        self._presses = None
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
