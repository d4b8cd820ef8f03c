# The authenticated, encrypted link between host and card (after pairing).
#
# Encrypt-then-MAC: AES-256-CTR for confidentiality, HMAC-SHA256 (truncated to 16 bytes) over
# direction || counter || ciphertext for integrity. Each direction has its own encryption key,
# MAC key and explicit 64-bit message counter. A frame is accepted only if its MAC verifies and
# its counter is exactly the next one expected: replays, reordering, dropped frames, reflected
# frames, truncation and bit flips all raise a distinct ChannelError subclass, and a rejected
# frame leaves the channel state untouched (the caller may keep using the channel or drop it).
#
# Frame:  dir(1) || counter(8, BE) || ciphertext || tag(16)
# CTR nonce (12 bytes): dir || 00 00 00 || counter(8, BE); the per-message block counter starts
# at 0, so a (key, nonce) pair is never reused while counters are strictly increasing and the
# keys are fresh for every session (see session_channel()).
from bioshard_card.crypto.aes_ctr import AesCtr
from bioshard_card.crypto.hmac_sha256 import Hmac, ct_equal, hkdf

try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

TAG_LEN = const(16)
HEADER_LEN = const(9)
OVERHEAD = const(25)  # HEADER_LEN + TAG_LEN
NONCE_LEN = const(16)  # session nonces contributed by each side
DIR_HOST_TO_CARD = const(0x48)  # "H"
DIR_CARD_TO_HOST = const(0x43)  # "C"
_COUNTER_LIMIT = 0xFFFFFFFFFFFFFFFF  # the last value is never used: counters never wrap
_SESSION_INFO = b"bioshard/session/v1"


class ChannelError(Exception):
    """Base of every rejection by the secure channel."""


class TruncatedError(ChannelError):
    pass


class WrongDirectionError(ChannelError):
    """A frame we sent ourselves came back (reflection), or an unknown direction byte."""


class AuthError(ChannelError):
    """The MAC does not verify: modified frame, wrong key or wrong session."""


class ReplayError(ChannelError):
    """An authentic frame whose counter was already accepted."""


class ReorderError(ChannelError):
    """An authentic frame from the future: an earlier frame was dropped or reordered."""


class CounterExhaustedError(ChannelError):
    pass


class ChannelClosedError(ChannelError):
    pass


def _u64(n):
    return n.to_bytes(8, "big")


class SecureChannel:
    """seal()/open() for one session. `role` is "host" or "card" and fixes the direction bytes."""

    def __init__(self, k_enc_send, k_mac_send, k_enc_recv, k_mac_recv, role):
        if role == "host":
            self._send_dir, self._recv_dir = DIR_HOST_TO_CARD, DIR_CARD_TO_HOST
        elif role == "card":
            self._send_dir, self._recv_dir = DIR_CARD_TO_HOST, DIR_HOST_TO_CARD
        else:
            raise ValueError("role must be 'host' or 'card'")
        for k in (k_enc_send, k_mac_send, k_enc_recv, k_mac_recv):
            if len(k) != 32:
                raise ValueError("channel keys are 32 bytes")
        self._enc_send = AesCtr(k_enc_send)
        self._enc_recv = AesCtr(k_enc_recv)
        # bytearray copies so close() can wipe them (the caller's bytes objects are immutable).
        self._mac_send = bytearray(k_mac_send)
        self._mac_recv = bytearray(k_mac_recv)
        self._send_ctr = 0
        self._recv_ctr = 0
        self._closed = False

    @staticmethod
    def _nonce(d, header):
        return bytes((d, 0, 0, 0)) + header[1:HEADER_LEN]

    def seal(self, plaintext):
        if self._closed:
            raise ChannelClosedError("channel closed")
        if self._send_ctr >= _COUNTER_LIMIT:
            raise CounterExhaustedError("send counter exhausted; start a new session")
        header = bytes((self._send_dir,)) + _u64(self._send_ctr)
        ct = self._enc_send.crypt(self._nonce(self._send_dir, header), plaintext)
        tag = Hmac(self._mac_send).update(header).update(ct).digest()[:TAG_LEN]
        frame = header + ct + tag
        # Count the frame only once it exists: a MemoryError above leaves the counter as it
        # was, so the short error reply sealed next still arrives in order.
        self._send_ctr += 1
        return frame

    def open(self, frame):
        if self._closed:
            raise ChannelClosedError("channel closed")
        if len(frame) < OVERHEAD:
            raise TruncatedError("frame shorter than header and tag")
        d = frame[0]
        if d != self._recv_dir:
            if d == self._send_dir:
                raise WrongDirectionError("reflected frame (our own direction)")
            raise WrongDirectionError("unknown direction byte")
        mv = memoryview(frame)
        body_end = len(frame) - TAG_LEN
        tag = Hmac(self._mac_recv).update(mv[:body_end]).digest()[:TAG_LEN]
        if not ct_equal(tag, mv[body_end:]):
            raise AuthError("bad MAC")
        ctr = int.from_bytes(mv[1:HEADER_LEN], "big")
        if ctr < self._recv_ctr:
            raise ReplayError("replayed frame")
        if ctr > self._recv_ctr:
            raise ReorderError("frame out of order")
        pt = self._enc_recv.crypt(self._nonce(d, frame[:HEADER_LEN]), mv[HEADER_LEN:body_end])
        self._recv_ctr = ctr + 1
        return pt

    def close(self):
        """Wipe what we can: the MAC keys and drop the ciphers.

        MicroPython's cryptolib keeps its expanded AES key inside the object, which Python
        code cannot overwrite; it is released for the garbage collector here."""
        for k in (self._mac_send, self._mac_recv):
            for i in range(len(k)):
                k[i] = 0
        self._enc_send = self._enc_recv = None
        self._closed = True


def session_keys(k_link, host_nonce, card_nonce):
    """Four fresh 32-byte keys for one connection: (h2c_enc, h2c_mac, c2h_enc, c2h_mac).

    Both nonces enter the salt, so neither side alone can force a key (and thus a CTR keystream)
    to repeat across sessions; counters restart at 0 safely because the keys are new."""
    if len(k_link) != 32:
        raise ValueError("link key is 32 bytes")
    if len(host_nonce) != NONCE_LEN or len(card_nonce) != NONCE_LEN:
        raise ValueError("session nonces are %d bytes" % NONCE_LEN)
    okm = hkdf(k_link, bytes(host_nonce) + bytes(card_nonce), _SESSION_INFO, 128)
    return okm[0:32], okm[32:64], okm[64:96], okm[96:128]


def session_channel(role, k_link, host_nonce, card_nonce):
    """The SecureChannel for `role` ("host" or "card") of the session (host_nonce, card_nonce)."""
    h_enc, h_mac, c_enc, c_mac = session_keys(k_link, host_nonce, card_nonce)
    if role == "host":
        return SecureChannel(h_enc, h_mac, c_enc, c_mac, "host")
    return SecureChannel(c_enc, c_mac, h_enc, h_mac, "card")
