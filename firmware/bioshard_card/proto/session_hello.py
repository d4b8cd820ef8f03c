# The session hello: the first exchange of every connection after pairing, which proves both
# sides hold the pairing's link key and starts the secure channel (secure_channel.py).
#
#   S1 host -> card  0x10 pairing_id(16) host_nonce(16)
#   S2 card -> host  0x11 card_id_pub(33) card_nonce(16) seal("bioshard/session/ready")
#                    or 0x12 when the card holds no such pairing
# Both sides then use secure_channel.session_channel(role, k_link, host_nonce, card_nonce); the
# sealed "ready" is the card's key confirmation (counter 0 of the card-to-host direction).
import os

from bioshard_card.crypto.hmac_sha256 import ct_equal
from bioshard_card.proto import secure_channel
from bioshard_card.proto.pairing_codec import PUB_LEN, PairingError
from bioshard_card.proto.pairing_keys import PAIRING_ID_LEN

S1_HELLO = 0x10
S2_ACCEPT = 0x11
S2_NOT_PAIRED = 0x12
S1_LEN = 1 + PAIRING_ID_LEN + secure_channel.NONCE_LEN

_READY = b"bioshard/session/ready"


class NotPairedError(PairingError):
    """The card holds no pairing with the id the host presented."""


def encode_s1(pid, host_nonce):
    return bytes((S1_HELLO,)) + pid + host_nonce


def card_session_accept(s1, record, rng=os.urandom):
    """Card: answer a session hello. Returns (reply, channel); channel is None if not paired."""
    if len(s1) != S1_LEN or s1[0] != S1_HELLO:
        raise PairingError("bad session hello")
    pid = bytes(s1[1:1 + PAIRING_ID_LEN])
    if record is None or not ct_equal(pid, record.pairing_id):
        return bytes((S2_NOT_PAIRED,)), None
    host_nonce = bytes(s1[1 + PAIRING_ID_LEN:])
    card_nonce = rng(secure_channel.NONCE_LEN)
    ch = secure_channel.session_channel("card", record.k_link, host_nonce, card_nonce)
    reply = bytes((S2_ACCEPT,)) + record.card_id_pub + card_nonce + ch.seal(_READY)
    return reply, ch


def decode_s2(s2):
    """Host: (card_id_pub, card_nonce, sealed_ready); NotPairedError if the card refused."""
    if len(s2) == 1 and s2[0] == S2_NOT_PAIRED:
        raise NotPairedError("the card is not paired with this host")
    n = 1 + PUB_LEN + secure_channel.NONCE_LEN
    if len(s2) < n or s2[0] != S2_ACCEPT:
        raise PairingError("bad session accept")
    return bytes(s2[1:1 + PUB_LEN]), bytes(s2[1 + PUB_LEN:n]), bytes(s2[n:])


def session_ready_plaintext():
    return _READY
