# The pairing messages on the wire: type bytes, lengths, encode and decode. Shared by the card
# (pairing_card.py) and the host (host/bioshard/pairing.py); the flow and the keys they carry
# are in pairing_keys.py and docs/protocol-pairing.md.
#
#   M1 host -> card  0x01 ver commit                commit = SHA256(tag || host_eph_pub || host_nonce)
#   M2 card -> host  0x02 card_id_pub card_eph_pub card_nonce
#   M3 host -> card  0x03 host_eph_pub host_nonce    (card checks the commitment)
#   M4 host -> card  0x04 HMAC(k_confirm, "host" || T)
#   M5 card -> host  0x05 HMAC(k_confirm, "card" || T)
VERSION = 1
M1_INIT = 0x01
M2_CARD = 0x02
M3_REVEAL = 0x03
M4_HOST_CONFIRM = 0x04
M5_CARD_CONFIRM = 0x05

PUB_LEN = 33
NONCE_LEN = 32
MAC_LEN = 32

M1_LEN = 2 + 32
M2_LEN = 1 + 2 * PUB_LEN + NONCE_LEN
M3_LEN = 1 + PUB_LEN + NONCE_LEN
M45_LEN = 1 + MAC_LEN


class PairingError(Exception):
    """Pairing failed: malformed message, broken commitment or bad confirmation."""


class PairingStateError(PairingError):
    """A message arrived out of order."""


def encode_m1(commit):
    return bytes((M1_INIT, VERSION)) + commit


def decode_m1(m):
    if len(m) != M1_LEN or m[0] != M1_INIT:
        raise PairingError("bad pairing init")
    if m[1] != VERSION:
        raise PairingError("unsupported pairing version %d" % m[1])
    return bytes(m[2:])


def encode_m2(card_id_pub, card_eph_pub, card_nonce):
    return bytes((M2_CARD,)) + card_id_pub + card_eph_pub + card_nonce


def decode_m2(m):
    """(card_id_pub, card_eph_pub, card_nonce)."""
    if len(m) != M2_LEN or m[0] != M2_CARD:
        raise PairingError("bad card message")
    return bytes(m[1:34]), bytes(m[34:67]), bytes(m[67:99])


def encode_m3(host_eph_pub, host_nonce):
    return bytes((M3_REVEAL,)) + host_eph_pub + host_nonce


def decode_m3(m):
    """(host_eph_pub, host_nonce)."""
    if len(m) != M3_LEN or m[0] != M3_REVEAL:
        raise PairingError("bad reveal message")
    return bytes(m[1:34]), bytes(m[34:66])


def encode_confirm(kind, mac):
    """M4 (kind M4_HOST_CONFIRM) or M5 (M5_CARD_CONFIRM) carrying a confirmation MAC."""
    return bytes((kind,)) + mac


def decode_confirm(kind, m):
    """The MAC of an M4 / M5 of type `kind`, or None if the message is not one."""
    if len(m) != M45_LEN or m[0] != kind:
        return None
    return bytes(m[1:])
