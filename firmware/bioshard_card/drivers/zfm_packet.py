# ZFM packet framing, written once and shared by the card driver and the host simulator.
#
#   EF 01 | address (4, BE) | PID (1) | length (2, BE) | payload | checksum (2, BE)
#
# `length` counts payload + checksum; the checksum is the low 16 bits of the byte sum of
# PID, both length bytes and the payload. Everything here works on caller-owned buffers
# so the card never builds a packet as a list of ints.
try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

from .zfm_codes import PID_COMMAND, PID_DATA, PID_ACK, PID_END, ZFMProtocolError, ZFMChecksumError

START_HI = const(0xEF)
START_LO = const(0x01)
HEADER_LEN = const(9)  # start code + address + PID + length
CHECKSUM_LEN = const(2)
OVERHEAD = const(11)  # HEADER_LEN + CHECKSUM_LEN
MAX_PAYLOAD = const(256)  # the largest data packet size a ZFM sensor supports
PACKET_SIZES = (32, 64, 128, 256)  # ReadSysPara size code 0..3 -> bytes


def checksum(pid, length, payload=b""):
    """16-bit ZFM checksum of PID, length and payload (a bytes-like or memoryview)."""
    return (pid + (length >> 8) + (length & 0xFF) + sum(payload)) & 0xFFFF


def finish_into(buf, address, pid, n):
    """Payload already at buf[9:9+n]: fill in header and checksum; return packet length."""
    if n > MAX_PAYLOAD:
        raise ValueError("payload too long")
    length = n + CHECKSUM_LEN
    buf[0] = START_HI
    buf[1] = START_LO
    buf[2] = (address >> 24) & 0xFF
    buf[3] = (address >> 16) & 0xFF
    buf[4] = (address >> 8) & 0xFF
    buf[5] = address & 0xFF
    buf[6] = pid
    buf[7] = length >> 8
    buf[8] = length & 0xFF
    c = checksum(pid, length, memoryview(buf)[HEADER_LEN:HEADER_LEN + n])
    buf[HEADER_LEN + n] = c >> 8
    buf[HEADER_LEN + n + 1] = c & 0xFF
    return HEADER_LEN + n + CHECKSUM_LEN


def build_into(buf, address, pid, payload=b""):
    """Write one packet into `buf` (bytearray, large enough); return its length."""
    n = len(payload)
    if n > MAX_PAYLOAD:
        raise ValueError("payload too long")
    buf[HEADER_LEN:HEADER_LEN + n] = payload
    return finish_into(buf, address, pid, n)


def encode(address, pid, payload=b""):
    """One packet as new bytes (host side and tests; the card uses build_into)."""
    buf = bytearray(OVERHEAD + len(payload))
    build_into(buf, address, pid, payload)
    return bytes(buf)


def parse_header(hdr, address=None):
    """Check a 9-byte header; return (address, pid, payload_len). Raises ZFMProtocolError."""
    if hdr[0] != START_HI or hdr[1] != START_LO:
        raise ZFMProtocolError("bad start code %02x%02x" % (hdr[0], hdr[1]))
    addr = (hdr[2] << 24) | (hdr[3] << 16) | (hdr[4] << 8) | hdr[5]
    if address is not None and addr != address:
        raise ZFMProtocolError("reply from address %08x, expected %08x" % (addr, address))
    pid = hdr[6]
    if pid not in (PID_COMMAND, PID_DATA, PID_ACK, PID_END):
        raise ZFMProtocolError("unknown packet ID 0x%02x" % pid)
    length = (hdr[7] << 8) | hdr[8]
    if length < CHECKSUM_LEN or length > MAX_PAYLOAD + CHECKSUM_LEN:
        raise ZFMProtocolError("bad packet length %d" % length)
    return addr, pid, length - CHECKSUM_LEN


def check(pid, payload, ck):
    """Raise ZFMChecksumError unless the 2 checksum bytes `ck` match PID + payload."""
    n = len(payload) + CHECKSUM_LEN
    want = checksum(pid, n, payload)
    got = (ck[0] << 8) | ck[1]
    if got != want:
        raise ZFMChecksumError("checksum %04x, expected %04x" % (got, want))


def decode(packet, address=None):
    """Parse one whole packet (bytes); return (address, pid, payload). Host side and tests."""
    if len(packet) < OVERHEAD:
        raise ZFMProtocolError("packet too short")
    addr, pid, n = parse_header(packet, address)
    if len(packet) != OVERHEAD + n:
        raise ZFMProtocolError("packet length %d, header says %d" % (len(packet), OVERHEAD + n))
    payload = packet[HEADER_LEN:HEADER_LEN + n]
    check(pid, payload, packet[HEADER_LEN + n:])
    return addr, pid, payload
