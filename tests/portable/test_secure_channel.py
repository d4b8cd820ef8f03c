# heapsize: 100k
# The secure channel rejects every tampering with a specific error and keeps its state.
from ptest import raises

from bioshard_card.crypto.aes_ctr import aes256_ctr
from bioshard_card.crypto.hmac_sha256 import hmac_sha256
from bioshard_card.proto.secure_channel import (
    OVERHEAD, AuthError, ChannelClosedError, ChannelError, CounterExhaustedError, ReorderError,
    ReplayError, SecureChannel, TruncatedError, WrongDirectionError, session_channel, session_keys,
)

K_LINK = bytes(range(32))
HN = bytes(range(100, 116))
CN = bytes(range(200, 216))


def _pair():
    return session_channel("host", K_LINK, HN, CN), session_channel("card", K_LINK, HN, CN)


def test_roundtrip_both_directions_and_lengths():
    host, card = _pair()
    for n in (0, 1, 16, 17, 300):
        msg = bytes((i * 13) & 0xFF for i in range(n))
        f = host.seal(msg)
        assert len(f) == n + OVERHEAD
        assert card.open(f) == msg
        g = card.seal(msg)
        assert host.open(g) == msg


def test_frame_layout_is_encrypt_then_mac():
    # Rebuild the first host frame from the primitives: dir||ctr||AES-CTR(pt)||HMAC[:16].
    h_enc, h_mac, _, _ = session_keys(K_LINK, HN, CN)
    host, _ = _pair()
    pt = b"sign this psbt please"
    f = host.seal(pt)
    header = b"H" + bytes(8)
    ct = aes256_ctr(h_enc, b"H\x00\x00\x00" + bytes(8), pt)
    assert f == header + ct + hmac_sha256(h_mac, header + ct)[:16]
    assert ct != pt


def test_same_plaintext_gives_different_frames():
    host, card = _pair()
    a, b = host.seal(b"x" * 20), host.seal(b"x" * 20)
    assert a[9:-16] != b[9:-16]
    assert card.open(a) == card.open(b)


def test_replay_rejected_state_kept():
    host, card = _pair()
    f1 = host.seal(b"one")
    assert card.open(f1) == b"one"
    raises(ReplayError, card.open, f1)
    f2 = host.seal(b"two")
    assert card.open(f2) == b"two"


def test_reorder_rejected_state_kept():
    host, card = _pair()
    f1, f2 = host.seal(b"one"), host.seal(b"two")
    raises(ReorderError, card.open, f2)
    assert card.open(f1) == b"one"
    assert card.open(f2) == b"two"


def test_every_bit_flip_rejected():
    host, card = _pair()
    f = host.seal(b"abc")
    for i in range(len(f)):
        for bit in (0x01, 0x80):
            g = bytearray(f)
            g[i] ^= bit
            e = raises(ChannelError, card.open, bytes(g))
            assert isinstance(e, (AuthError, WrongDirectionError))
    assert card.open(f) == b"abc"


def test_truncation_rejected():
    host, card = _pair()
    f = host.seal(b"hello world")
    for n in range(len(f)):
        e = raises(ChannelError, card.open, f[:n])
        if n < OVERHEAD:
            assert isinstance(e, TruncatedError)
        else:
            assert isinstance(e, AuthError)
    assert card.open(f) == b"hello world"


def test_reflection_and_wrong_direction():
    host, card = _pair()
    f = host.seal(b"ping")
    raises(WrongDirectionError, host.open, f)  # our own frame bounced back
    g = bytearray(f)
    g[0] = 0x00
    raises(WrongDirectionError, card.open, bytes(g))
    # Swapping the direction byte of an authentic frame breaks its MAC.
    c = card.seal(b"pong")
    h = bytearray(c)
    h[0] = f[0]
    raises(AuthError, card.open, bytes(h))
    assert card.open(f) == b"ping"


def test_other_session_rejected():
    host, _ = _pair()
    other_card = session_channel("card", K_LINK, HN, bytes(16))
    raises(AuthError, other_card.open, host.seal(b"x"))
    wrong_key = session_channel("card", bytes(32), HN, CN)
    raises(AuthError, wrong_key.open, host.seal(b"x"))


def test_counter_never_wraps():
    host, card = _pair()
    host._send_ctr = 0xFFFFFFFFFFFFFFFE
    card._recv_ctr = 0xFFFFFFFFFFFFFFFE
    assert card.open(host.seal(b"last")) == b"last"
    raises(CounterExhaustedError, host.seal, b"wrap")


def test_close_wipes_and_refuses():
    host, card = _pair()
    f = host.seal(b"a")
    card.close()
    assert card._mac_recv == bytearray(32) and card._mac_send == bytearray(32)
    raises(ChannelClosedError, card.open, f)
    raises(ChannelClosedError, card.seal, b"a")


def test_bad_parameters():
    raises(ValueError, SecureChannel, bytes(32), bytes(32), bytes(32), bytes(32), "nobody")
    raises(ValueError, SecureChannel, bytes(16), bytes(32), bytes(32), bytes(32), "host")
    raises(ValueError, session_keys, K_LINK, HN[:8], CN)
