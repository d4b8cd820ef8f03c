# ZFM framing against packets quoted in the R307 / AS608 datasheets (independent of our code).
from ptest import raises, h2b
from bioshard_card.drivers import zfm_packet as P
from bioshard_card.drivers import zfm_codes as C

# From the R307 user manual: command packets for VfyPwd (password 0), GenImg, UpImage
# and the "OK" acknowledge.
VFYPWD = "ef01ffffffff0100071300000000001b"
GENIMG = "ef01ffffffff010003010005"
UPIMAGE = "ef01ffffffff0100030a000e"
ACK_OK = "ef01ffffffff07000300000a"


def test_encode_matches_datasheet_packets():
    assert P.encode(0xFFFFFFFF, C.PID_COMMAND, h2b("1300000000")) == h2b(VFYPWD)
    assert P.encode(0xFFFFFFFF, C.PID_COMMAND, b"\x01") == h2b(GENIMG)
    assert P.encode(0xFFFFFFFF, C.PID_COMMAND, b"\x0a") == h2b(UPIMAGE)
    assert P.encode(0xFFFFFFFF, C.PID_ACK, b"\x00") == h2b(ACK_OK)


def test_decode_datasheet_packets():
    addr, pid, payload = P.decode(h2b(ACK_OK), 0xFFFFFFFF)
    assert (addr, pid, bytes(payload)) == (0xFFFFFFFF, C.PID_ACK, b"\x00")
    addr, pid, payload = P.decode(h2b(VFYPWD))
    assert pid == C.PID_COMMAND and bytes(payload) == h2b("1300000000")


def test_checksum_of_largest_packet():
    # PID + length bytes + 256 * 0xff: the largest sum a packet can have still fits 16 bits.
    assert P.checksum(0x08, 258, b"\xff" * 256) == 0x08 + 0x01 + 0x02 + 256 * 255
    assert P.checksum(0x02, 4, b"\x01\x02") == 0x02 + 0x04 + 0x03


def test_build_into_and_finish_into_agree():
    buf = bytearray(P.OVERHEAD + P.MAX_PAYLOAD)
    n = P.build_into(buf, 0x12345678, C.PID_DATA, bytes(range(128)))
    assert n == 139
    assert bytes(buf[:n]) == P.encode(0x12345678, C.PID_DATA, bytes(range(128)))
    assert bytes(buf[2:6]) == h2b("12345678")


def test_decode_rejects_each_kind_of_damage():
    good = bytearray(h2b(ACK_OK))
    bad = bytearray(good)
    bad[-1] ^= 1
    e = raises(C.ZFMChecksumError, P.decode, bytes(bad))
    assert isinstance(e, C.ZFMProtocolError)
    bad = bytearray(good)
    bad[0] = 0xEE
    raises(C.ZFMProtocolError, P.decode, bytes(bad))
    bad = bytearray(good)
    bad[6] = 0x05  # no such packet ID
    raises(C.ZFMProtocolError, P.decode, bytes(bad))
    raises(C.ZFMProtocolError, P.decode, bytes(good[:-1]))  # truncated
    raises(C.ZFMProtocolError, P.decode, bytes(good), 0x00000001)  # other address
    bad = bytearray(good)
    bad[7], bad[8] = 0x01, 0x03  # length 259 > 256 + 2
    raises(C.ZFMProtocolError, P.parse_header, bytes(bad))


def test_every_confirmation_code_has_a_name_and_message():
    for code in range(256):
        e = C.ZFMError(code, 0x01)
        assert e.code == code and e.name and e.message
        assert ("0x%02x" % code) in str(e)
    assert C.ZFMError(0x02).name == "NO_FINGER"
    assert C.ZFMError(0x13).name == "WRONG_PASSWORD"
    assert C.ZFMError(0x0F).name == "UPLOAD_IMAGE_FAIL"
    assert C.ZFMError(0x77).name == "UNKNOWN_0x77"
    codes = list(C.known_codes())
    assert len(codes) == 42 and codes[0] == 0 and codes[-1] == 0xFE
    for code in codes:
        assert not C.code_name(code).startswith("UNKNOWN")
