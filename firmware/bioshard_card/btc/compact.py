# Bounded readers for Bitcoin serialization: every length read from the input is checked
# against what is left *before* anything is allocated, so a hostile length field cannot make
# the card allocate or read past its buffer. Non-canonical compact sizes are refused (BIP-174
# requires canonical encodings; accepting two spellings of one number invites malleability).
import struct

from .errors import PSBTError


class Reader:
    """Reads from a bytes-like buffer between `pos` and `end`, never beyond."""

    def __init__(self, buf, pos=0, end=None):
        self.buf = buf
        self.pos = pos
        self.end = len(buf) if end is None else end

    def remaining(self):
        return self.end - self.pos

    def read(self, n):
        if n < 0 or n > self.end - self.pos:
            raise PSBTError("truncated data")
        p = self.pos
        self.pos = p + n
        return bytes(self.buf[p : p + n])

    def skip(self, n):
        if n < 0 or n > self.end - self.pos:
            raise PSBTError("truncated data")
        self.pos += n

    def sub(self, n):
        """A reader over the next n bytes (a PSBT value); advances this reader past them."""
        if n < 0 or n > self.end - self.pos:
            raise PSBTError("truncated data")
        r = Reader(self.buf, self.pos, self.pos + n)
        self.pos += n
        return r

    def u8(self):
        if self.pos >= self.end:
            raise PSBTError("truncated data")
        b = self.buf[self.pos]
        self.pos += 1
        return b

    def u32(self):
        return struct.unpack("<I", self.read(4))[0]

    def i32(self):
        return struct.unpack("<i", self.read(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.read(8))[0]

    def compact(self):
        b = self.u8()
        if b < 0xFD:
            return b
        if b == 0xFD:
            v, lo = struct.unpack("<H", self.read(2))[0], 0xFD
        elif b == 0xFE:
            v, lo = self.u32(), 0x10000
        else:
            v, lo = self.u64(), 0x100000000
        if v < lo:
            raise PSBTError("non-canonical compact size")
        return v

    def var_bytes(self, limit):
        n = self.compact()
        if n > limit:
            raise PSBTError("field too long")
        return self.read(n)


def compact_size(n):
    if n < 0xFD:
        return bytes((n,))
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def var_bytes(b):
    return compact_size(len(b)) + b
