# The helper blob: everything public the card needs to re-derive Secret B from 1..5 fingers.
#
# The host backs it up; a brand-new card given the same fingers and this blob derives the same
# Secret B. Layout (version 3, all fields fixed-size, so parsing is strict):
#   magic  "BSHB"                      4
#   version = 3                        1
#   count  = number of fingers, 1..5   1
#   count x { finger id (ISO 19794 finger position 0..10, for the prompt),
#             finger vault helper (finger_vault.HELPER_LEN bytes) }
#   mac = HMAC-SHA256(mac key, all the bytes above)   32
# The MAC key comes from the reproduced sequence (sequence.py), so a modified blob is detected
# after the fingers have been read, and nobody without the fingers can forge a valid blob.
# Blobs of versions 1 and 2 (the alignment-free commitment) are refused: re-enroll.
from ..crypto.hmac_sha256 import ct_equal, hmac_sha256
from . import finger_vault

MAGIC = b"BSHB"
VERSION = 3
MAX_FINGERS = 5
MAX_FINGER_ID = 10
MAC_LEN = 32
_HEAD = 6
_ENTRY = 1 + finger_vault.HELPER_LEN


class BlobError(ValueError):
    pass


class HelperBlob:
    def __init__(self, fingers, body, mac):
        self.fingers = fingers  # list of (finger id, helper bytes), in sequence order
        self.body = body        # the MACed bytes
        self.mac = mac

    def __len__(self):
        return len(self.fingers)

    def verify(self, mac_key):
        return ct_equal(hmac_sha256(mac_key, self.body), self.mac)


def body(fingers):
    """Unauthenticated part of a blob for [(finger id, helper)]."""
    if not 1 <= len(fingers) <= MAX_FINGERS:
        raise BlobError("a sequence has 1..%d fingers" % MAX_FINGERS)
    out = bytearray(MAGIC)
    out.append(VERSION)
    out.append(len(fingers))
    for fid, helper in fingers:
        if not 0 <= fid <= MAX_FINGER_ID:
            raise BlobError("finger id must be 0..%d" % MAX_FINGER_ID)
        try:
            finger_vault.parse_helper(helper)
        except finger_vault.HelperError as e:
            raise BlobError(str(e))
        out.append(fid)
        out.extend(helper)
    return bytes(out)


def build(fingers, mac_key):
    b = body(fingers)
    return b + hmac_sha256(mac_key, b)


def parse(blob):
    """Strict parser: HelperBlob, or BlobError naming the first problem found."""
    if not isinstance(blob, (bytes, bytearray)):
        raise BlobError("helper blob must be bytes")
    if len(blob) < _HEAD + MAC_LEN:
        raise BlobError("helper blob truncated")
    if bytes(blob[:4]) != MAGIC:
        raise BlobError("not a bioshard helper blob (bad magic)")
    if blob[4] in (1, 2):
        raise BlobError("helper blob version %d is from the old fingerprint scheme: re-enroll "
                        "the fingers (bioshard enroll --force)" % blob[4])
    if blob[4] != VERSION:
        raise BlobError("unsupported helper blob version %d" % blob[4])
    count = blob[5]
    if not 1 <= count <= MAX_FINGERS:
        raise BlobError("helper blob finger count %d out of 1..%d" % (count, MAX_FINGERS))
    want = _HEAD + count * _ENTRY + MAC_LEN
    if len(blob) != want:
        raise BlobError("helper blob is %d bytes, expected %d" % (len(blob), want))
    fingers = []
    o = _HEAD
    for _ in range(count):
        fid = blob[o]
        if fid > MAX_FINGER_ID:
            raise BlobError("finger id %d out of range" % fid)
        helper = bytes(blob[o + 1:o + _ENTRY])
        try:
            finger_vault.parse_helper(helper)
        except finger_vault.HelperError as e:
            raise BlobError("finger %d: %s" % (len(fingers) + 1, e))
        fingers.append((fid, helper))
        o += _ENTRY
    return HelperBlob(fingers, bytes(blob[:o]), bytes(blob[o:]))
