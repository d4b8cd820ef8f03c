# heapsize: 100k
# HMAC-SHA256 against RFC 4231 (test cases 1-7) and HKDF-SHA256 against RFC 5869 (A.1-A.3).
from ptest import h2b

from bioshard_card.crypto.hmac_sha256 import Hmac, ct_equal, hkdf, hkdf_expand, hkdf_extract, hmac_sha256

RFC4231 = (
    (b"\x0b" * 20, b"Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", b"what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (b"\xaa" * 20, b"\xdd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    (bytes(range(1, 26)), b"\xcd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    (b"\xaa" * 131,
     b"This is a test using a larger than block-size key and a larger than block-size data."
     b" The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
)


def test_rfc4231_vectors():
    for key, msg, tag in RFC4231:
        assert hmac_sha256(key, msg) == h2b(tag)


def test_rfc4231_case5_truncated_128():
    assert hmac_sha256(b"\x0c" * 20, b"Test With Truncation")[:16] == h2b("a3b6167473100ee06e0c796c2955552b")


def test_incremental_equals_one_shot():
    for key, msg, tag in RFC4231:
        h = Hmac(key)
        for i in range(0, len(msg), 7):
            h.update(msg[i:i + 7])
        assert h.digest() == h2b(tag)


def _seq(a, b):
    return bytes(range(a, b + 1))


RFC5869 = (
    (b"\x0b" * 22, _seq(0x00, 0x0C), _seq(0xF0, 0xF9), 42,
     "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
    (_seq(0x00, 0x4F), _seq(0x60, 0xAF), _seq(0xB0, 0xFF), 82,
     "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
     "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
     "cc30c58179ec3e87c14c01d5c1f3434f1d87"),
    (b"\x0b" * 22, b"", b"", 42,
     "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
)


def test_rfc5869_vectors():
    for ikm, salt, info, n, prk, okm in RFC5869:
        assert hkdf_extract(salt, ikm) == h2b(prk)
        assert hkdf_expand(h2b(prk), info, n) == h2b(okm)
        assert hkdf(ikm, salt, info, n) == h2b(okm)


def test_hkdf_expand_prefix_property():
    prk = h2b(RFC5869[1][4])
    full = hkdf_expand(prk, b"info", 100)
    for n in (1, 31, 32, 33, 64, 99):
        assert hkdf_expand(prk, b"info", n) == full[:n]


def test_ct_equal():
    a = bytes(range(32))
    assert ct_equal(a, bytes(a))
    assert ct_equal(b"", b"")
    for i in (0, 15, 31):
        b = bytearray(a)
        b[i] ^= 1
        assert not ct_equal(a, b)
    assert not ct_equal(a, a[:31])
