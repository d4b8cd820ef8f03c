# HMAC-SHA256 (RFC 2104), HKDF-SHA256 (RFC 5869) and a constant-time compare, on hashlib.sha256.
#
# MicroPython has no `hmac` module and its sha256 objects cannot be copied, so HMAC is written
# out: inner = H((K ^ ipad) || msg), outer = H((K ^ opad) || inner). The incremental `Hmac`
# class lets callers MAC a header and a body without concatenating them into a new buffer.
import hashlib

_BLOCK = 64
_DIGEST = 32


def _pad_key(key, pad):
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    k = bytearray(_BLOCK)
    k[:len(key)] = key
    for i in range(_BLOCK):
        k[i] ^= pad
    return k


class Hmac:
    """Incremental HMAC-SHA256: Hmac(key).update(a).update(b).digest()."""

    def __init__(self, key, msg=None):
        ik = _pad_key(key, 0x36)
        self._inner = hashlib.sha256(ik)
        ok = _pad_key(key, 0x5C)
        self._outer = hashlib.sha256(ok)
        # The padded keys are key material: wipe our copies once absorbed.
        for i in range(_BLOCK):
            ik[i] = 0
            ok[i] = 0
        if msg is not None:
            self._inner.update(msg)

    def update(self, data):
        self._inner.update(data)
        return self

    def digest(self):
        """Final tag; the object must not be used afterwards (sha256 objects cannot be copied)."""
        self._outer.update(self._inner.digest())
        d = self._outer.digest()
        self._inner = self._outer = None
        return d


def hmac_sha256(key, msg):
    return Hmac(key, msg).digest()


def hkdf_extract(salt, ikm):
    if not salt:
        salt = bytes(_DIGEST)
    return hmac_sha256(salt, ikm)


def hkdf_expand(prk, info, length):
    if length > 255 * _DIGEST:
        raise ValueError("HKDF output too long")
    out = bytearray()
    t = b""
    i = 1
    while len(out) < length:
        t = Hmac(prk).update(t).update(info).update(bytes((i,))).digest()
        out += t
        i += 1
    return bytes(out[:length])


def hkdf(ikm, salt, info, length):
    return hkdf_expand(hkdf_extract(salt, ikm), info, length)


def ct_equal(a, b):
    """Compare two byte strings in time independent of where they differ (length is public)."""
    if len(a) != len(b):
        return False
    r = 0
    for i in range(len(a)):
        r |= a[i] ^ b[i]
    return r == 0
