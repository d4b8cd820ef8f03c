# Length-prefixed frames over a byte stream: len(u16 big-endian) + payload.
#
# BLE delivers the stream in ATT-MTU-sized pieces (20..244 bytes), USB serial in whatever the
# UART driver hands over, so the decoder accepts any chunking, down to one byte at a time.
#
# Garbage handling: a header announcing an empty frame or more than max_frame bytes cannot be
# honoured, and the stream has no sync marker to search for. Every sender starts a frame at the
# start of a write (one GATT write / one serial write), so the decoder drops the rest of the
# offending chunk and expects a fresh header at the next chunk — that is the resynchronisation
# point. A frame cut short by a lost connection is dropped by reset().
try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


MAX_FRAME = const(16384)  # a 5-finger helper blob (~12 KB) and a PSBT in one sign request
HEADER = const(2)


class FrameError(ValueError):
    pass


def encode(payload, max_frame=MAX_FRAME):
    """Frame one payload: 2-byte big-endian length, then the bytes."""
    n = len(payload)
    if n == 0 or n > max_frame:
        raise FrameError("frame payload of %d bytes (allowed 1..%d)" % (n, max_frame))
    return bytes((n >> 8, n & 0xFF)) + bytes(payload)


class FrameDecoder:
    """Incremental decoder: feed() chunks, pop() complete payloads (oldest first)."""

    def __init__(self, max_frame=MAX_FRAME):
        self.max_frame = max_frame
        # Each frame gets one exact-size bytearray once its header is in, filled in place and
        # handed out without a copy: one allocation per frame and no idle 4 KB buffer, which
        # matters more on a 100 KB heap than reusing a fixed buffer would.
        self._frame = None
        self._ready = []
        self.errors = 0  # frames refused since creation (diagnostics)
        self.reset()

    def reset(self):
        """Forget any partial frame (call on disconnect)."""
        self._hdr = -1  # first length byte once seen, else -1
        self._len = 0  # payload length of the frame being filled; 0 = reading a header
        self._got = 0
        self._frame = None

    @property
    def pending(self):
        """True while a frame has started but is not complete."""
        return self._hdr >= 0 or self._len > 0

    def feed(self, chunk):
        """Consume chunk. Complete frames queue up for pop(); a bad header raises FrameError
        after queuing the frames before it, and the rest of the chunk is discarded."""
        mv = memoryview(chunk)
        i = 0
        n = len(mv)
        while i < n:
            if self._len == 0:
                if self._hdr < 0:
                    self._hdr = mv[i]
                    i += 1
                    continue
                length = (self._hdr << 8) | mv[i]
                i += 1
                self._hdr = -1
                if length == 0 or length > self.max_frame:
                    self.errors += 1
                    self.reset()
                    raise FrameError("bad frame length %d (allowed 1..%d); rest of chunk dropped"
                                     % (length, self.max_frame))
                self._len = length
                self._got = 0
                self._frame = bytearray(length)
                continue
            take = min(self._len - self._got, n - i)
            self._frame[self._got : self._got + take] = mv[i : i + take]
            self._got += take
            i += take
            if self._got == self._len:
                self._ready.append(self._frame)
                self._frame = None
                self._len = 0
                self._got = 0

    def pop(self):
        """The oldest complete payload (a bytearray the caller now owns), or None."""
        if self._ready:
            return self._ready.pop(0)
        return None
