# heapsize: 100k
# Length-prefixed framing: exact bytes, any chunking, limits, and recovery from garbage.
from ptest import raises

from bioshard_card.proto import frames
from bioshard_card.proto.frames import FrameDecoder, FrameError


def _payloads():
    return [b"\x01", b"hello", bytes(range(256)) * 3, b"\xa0" * 300, bytes(4096)]


def _drain(dec):
    out = []
    while True:
        f = dec.pop()
        if f is None:
            return out
        out.append(f)


def test_encode_exact_bytes():
    assert frames.encode(b"abc") == b"\x00\x03abc"
    assert frames.encode(bytes(300))[:2] == b"\x01\x2c"
    assert frames.encode(bytearray(b"\xff")) == b"\x00\x01\xff"
    assert len(frames.encode(bytes(4096))) == 4098


def test_encode_limits():
    raises(FrameError, frames.encode, b"")
    raises(FrameError, frames.encode, bytes(frames.MAX_FRAME + 1))
    assert len(frames.encode(bytes(frames.MAX_FRAME))) == frames.MAX_FRAME + 2
    raises(FrameError, frames.encode, bytes(11), 10)


def test_any_chunking_gives_the_same_frames():
    pl = _payloads()
    stream = b"".join(frames.encode(p) for p in pl)
    dec = FrameDecoder()
    for size in (1, 2, 3, 7, 20, 61, 244, 509, 4098, len(stream)):
        for i in range(0, len(stream), size):
            dec.feed(stream[i : i + size])
        assert _drain(dec) == pl, size
        assert not dec.pending


def test_pending_and_reset_drop_a_cut_frame():
    dec = FrameDecoder()
    dec.feed(b"\x00")
    assert dec.pending
    dec.feed(b"\x05ab")
    assert dec.pending and dec.pop() is None
    dec.reset()  # connection lost mid-frame
    assert not dec.pending
    dec.feed(frames.encode(b"next"))
    assert dec.pop() == b"next"


def test_oversize_header_drops_rest_of_chunk_and_resyncs():
    dec = FrameDecoder()
    good = frames.encode(b"ok")
    over = frames.MAX_FRAME + 1
    e = raises(FrameError, dec.feed, good + bytes((over >> 8, over & 255)) + b"junk" + good)
    assert str(over) in str(e)
    assert dec.errors == 1
    assert dec.pop() == b"ok"  # the frame before the garbage survives
    assert dec.pop() is None  # the one after it, in the same chunk, is dropped
    dec.feed(frames.encode(b"again"))  # next chunk starts afresh
    assert dec.pop() == b"again"


def test_zero_length_header_is_garbage():
    dec = FrameDecoder()
    raises(FrameError, dec.feed, b"\x00\x00\x00\x01x")
    dec.feed(b"\x00\x01y")
    assert _drain(dec) == [b"y"]


def test_small_limit():
    dec = FrameDecoder(max_frame=8)
    dec.feed(frames.encode(b"12345678", 8))
    assert dec.pop() == b"12345678"
    raises(FrameError, dec.feed, b"\x00\x09")


def test_feed_accepts_bytes_like():
    dec = FrameDecoder()
    dec.feed(bytearray(b"\x00\x02"))
    dec.feed(memoryview(b"hi"))
    assert dec.pop() == b"hi"


def test_random_garbage_never_raises_anything_else():
    # xorshift32 garbage in random chunk sizes: only FrameError, and the decoder keeps working.
    s = 0x9E3779B9
    dec = FrameDecoder(max_frame=512)
    for _ in range(400):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        chunk = bytes((s >> k) & 0xFF for k in (0, 8, 16, 24)) * (1 + s % 5)
        try:
            dec.feed(chunk)
        except FrameError:
            pass
        _drain(dec)
    dec.reset()
    dec.feed(frames.encode(b"alive", 512))
    assert dec.pop() == b"alive"
