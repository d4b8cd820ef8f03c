"""Property test of the secure channel against a model of an active network attacker.

The attacker sees every sealed frame and decides what the receiver gets: the next frame in
order, an old frame again, a frame from the future (skipping some), a modified frame, a frame
the receiver sent itself, or random bytes. The channel must accept exactly the frames the
model says are the next authentic one, return its plaintext, and refuse everything else with
a ChannelError, whatever came before."""
from hypothesis import given, settings
from hypothesis import strategies as st

from bioshard_card.proto.secure_channel import ChannelError, session_channel

K = bytes(range(32))
HN, CN = b"h" * 16, b"c" * 16

event = st.one_of(
    st.tuples(st.just("send"), st.binary(max_size=40)),
    st.tuples(st.just("deliver_next"), st.just(None)),
    st.tuples(st.just("replay"), st.integers(0, 30)),
    st.tuples(st.just("future"), st.integers(1, 5)),
    st.tuples(st.just("flip"), st.integers(0, 10_000)),
    st.tuples(st.just("reflect"), st.binary(max_size=10)),
    st.tuples(st.just("garbage"), st.binary(max_size=80)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(event, max_size=40))
def test_channel_against_attacker_model(events):
    host = session_channel("host", K, HN, CN)
    card = session_channel("card", K, HN, CN)
    sent = []       # (frame, plaintext) in sending order
    delivered = 0   # the model: how many frames the card has accepted
    card_sent = []  # frames the card sealed (used for reflection), still owed to the host
    for kind, arg in events:
        if kind == "send":
            sent.append((host.seal(arg), arg))
            continue
        if kind == "deliver_next":
            if delivered < len(sent):
                frame, pt = sent[delivered]
                assert card.open(frame) == pt
                delivered += 1
            continue
        if kind == "replay":
            if delivered == 0:
                continue
            frame = sent[arg % delivered][0]
        elif kind == "future":
            i = delivered + arg
            if i >= len(sent):
                continue
            frame = sent[i][0]
        elif kind == "flip":
            if not sent:
                continue
            f = bytearray(sent[arg % len(sent)][0])
            f[(arg // 7) % len(f)] ^= 1 << (arg % 8)
            frame = bytes(f)
        elif kind == "reflect":
            frame = card.seal(arg)
            card_sent.append((frame, arg))
        else:
            frame = arg
        try:
            card.open(frame)
        except ChannelError:
            pass
        else:
            raise AssertionError("accepted a frame the model rejects: %s" % kind)
    # After any attack sequence the honest stream still flows.
    for frame, pt in sent[delivered:]:
        assert card.open(frame) == pt
    for frame, pt in card_sent:
        assert host.open(frame) == pt
    assert host.open(card.seal(b"bye")) == b"bye"
