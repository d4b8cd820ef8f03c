# BIP-340 tagged hashes: SHA256(SHA256(tag) || SHA256(tag) || msg).
#
# The 64-byte tag prefix is cached per tag: hashlib objects cannot be copied on MicroPython,
# so caching a midstate is impossible, but caching the prefix saves one SHA-256 per call.
import hashlib

_PREFIX = {}


def tag_prefix(tag):
    pre = _PREFIX.get(tag)
    if pre is None:
        th = hashlib.sha256(tag.encode()).digest()
        pre = th + th
        _PREFIX[tag] = pre
    return pre


def tagged_hash(tag, msg):
    h = hashlib.sha256(tag_prefix(tag))
    h.update(msg)
    return h.digest()


def sha256(data):
    return hashlib.sha256(data).digest()
