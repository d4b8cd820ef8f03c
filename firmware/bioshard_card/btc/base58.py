# Base58Check, only to *display* legacy P2PKH/P2SH outputs (people still pay to them).
import hashlib

from .errors import PSBTError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _checksum(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()[:4]


def encode_check(payload):
    b = payload + _checksum(payload)
    n = int.from_bytes(b, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_ALPHABET[r])
    for c in b:
        if c:
            break
        out.append("1")
    return "".join(reversed(out))


def decode_check(s):
    n = 0
    for c in s:
        d = _ALPHABET.find(c)
        if d < 0:
            raise PSBTError("bad base58 character")
        n = n * 58 + d
    zeros = 0
    for c in s:
        if c != "1":
            break
        zeros += 1
    nbytes = 0
    m = n
    while m:  # MicroPython ints have no bit_length()
        m >>= 8
        nbytes += 1
    body = n.to_bytes(nbytes, "big")
    b = b"\x00" * zeros + body
    if len(b) < 5 or _checksum(b[:-4]) != b[-4:]:
        raise PSBTError("bad base58 checksum")
    return b[:-4]
