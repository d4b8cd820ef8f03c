"""Frame decoder properties with hypothesis: any payloads, cut anywhere, come back unchanged;
garbage between frames costs only the chunk it is in."""
from hypothesis import given, settings
from hypothesis import strategies as st

from bioshard_card.proto import frames
from bioshard_card.proto.frames import FrameDecoder, FrameError

payloads = st.lists(st.binary(min_size=1, max_size=600), min_size=1, max_size=8)


def _drain(dec):
    out = []
    while (f := dec.pop()) is not None:
        out.append(bytes(f))
    return out


@settings(max_examples=300, deadline=None)
@given(payloads, st.lists(st.integers(1, 300), min_size=1, max_size=50))
def test_any_cut_points(pl, cuts):
    stream = b"".join(frames.encode(p) for p in pl)
    dec = FrameDecoder()
    i = k = 0
    while i < len(stream):
        n = cuts[k % len(cuts)]
        dec.feed(stream[i:i + n])
        i += n
        k += 1
    assert _drain(dec) == pl
    assert not dec.pending


@settings(max_examples=300, deadline=None)
@given(payloads, st.integers(1001, 0xFFFF), st.binary(max_size=40), payloads)
def test_bad_header_costs_only_its_chunk(before, bad_len, rest, after):
    dec = FrameDecoder(max_frame=1000)
    for p in before:
        dec.feed(frames.encode(p))
    try:
        dec.feed(bad_len.to_bytes(2, "big") + rest + frames.encode(b"lost"))
    except FrameError:
        pass
    else:
        raise AssertionError("oversize header accepted")
    for p in after:  # no reset: the next chunk is a fresh frame
        dec.feed(frames.encode(p))
    assert _drain(dec) == before + after
