# heapsize: 100k
# CBOR codec of the card, checked against RFC 8949 itself: the Appendix A examples that fall in
# our subset must encode to exactly the RFC's bytes and decode back, and the Appendix F
# "not well-formed" examples (plus what the subset excludes) must raise CBORDecodeError.
from ptest import raises, h2b, b2h

from bioshard_card.proto import cbor
from bioshard_card.proto.cbor import CBORDecodeError, CBOREncodeError

# RFC 8949 Appendix A (value, hex) within the subset: ints, strings, arrays, maps, simple.
RFC_EXAMPLES = [
    (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"), (100, "1864"),
    (1000, "1903e8"), (1000000, "1a000f4240"), (1000000000000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"), (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"), (-10, "29"), (-100, "3863"), (-1000, "3903e7"),
    (False, "f4"), (True, "f5"), (None, "f6"),
    (b"", "40"), (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"), ("a", "6161"), ("IETF", "6449455446"), ("\"\\", "62225c"),
    ("\u00fc", "62c3bc"), ("\u6c34", "63e6b0b4"), ("\U00010151", "64f0908591"),
    ([], "80"), ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"), ({1: 2, 3: 4}, "a201020304"), ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    ({"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}, "a56161614161626142616361436164614461656145"),
]


def test_rfc8949_appendix_a_encode():
    for value, hx in RFC_EXAMPLES:
        assert b2h(cbor.dumps(value)) == hx, (value, hx)


def test_rfc8949_appendix_a_decode():
    for value, hx in RFC_EXAMPLES:
        got = cbor.loads(h2b(hx))
        assert got == value and type(got) is type(value), (hx, got)


# RFC 8949 Appendix F.1 (not well-formed), grouped as in the RFC.
NOT_WELL_FORMED = [
    # end of input in a head
    "18", "19", "1a", "1b", "1901", "1a0102", "1b01020304050607", "38", "58", "78", "98",
    "9a01ff00", "b8", "d8", "f8", "f900", "fa0000", "fb000000",
    # definite-length strings with short data
    "41", "61", "5affffffff00", "5bffffffffffffffff010203", "7affffffff00",
    "7b7fffffffffffffff010203",
    # definite-length maps and arrays not closed with enough items
    "81", "818181818181818181", "8200", "a1", "a20102", "a100", "a2000000",
    # reserved additional information values
    "1c", "1d", "1e", "3c", "3d", "3e", "5c", "5d", "5e", "7c", "7d", "7e", "9c", "9d", "9e",
    "bc", "bd", "be", "dc", "dd", "de", "fc", "fd", "fe",
    # reserved two-byte encodings of simple values
    "f800", "f801", "f818", "f81f",
    # break outside an indefinite-length item
    "ff", "81ff", "8200ff", "a1ff", "a1ff00", "a100ff", "a20000ff", "9f81ff", "9f829f819f9fffffffff",
]

# Well-formed CBOR that our strict subset refuses on purpose.
OUTSIDE_SUBSET = [
    "5f42010243030405ff",  # indefinite byte string
    "7f657374726561646d696e67ff",  # indefinite text string
    "9fff", "9f018202039f0405ffff", "bf61610161629f0203ffff",  # indefinite array/map
    "f90000", "fa47c35000", "fb3ff199999999999a",  # floats
    "f7", "f0", "f8ff",  # undefined, simple values
    "c074323031332d30332d32315432303a30343a30305a", "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
    "1817", "190017", "1a00000017", "1b0000000000000017", "3817", "5801ff", "98020102",  # non-shortest
    "a2616101616102",  # duplicate key
    "a1800a", "a1f50a", "a1f60a", "a1a00a",  # key types: array, bool, null, map
    "0000", "80ff",  # trailing bytes
    "62c0af", "63eda080", "61ff", "62c3", "64f4900000", "63e08080",  # invalid UTF-8
]


def test_rfc8949_appendix_f_not_well_formed():
    for hx in NOT_WELL_FORMED:
        e = raises(CBORDecodeError, cbor.loads, h2b(hx))
        assert "byte" in str(e), hx  # the message says where


def test_outside_subset_rejected():
    for hx in OUTSIDE_SUBSET:
        raises(CBORDecodeError, cbor.loads, h2b(hx))


def test_decode_error_is_value_error():
    # Handlers that validate params with `except ValueError` also catch bad CBOR.
    assert issubclass(CBORDecodeError, ValueError)


def test_map_keys_sorted_bytewise():
    # RFC 8949 §4.2.1: bytewise lexicographic order of the encoded keys, independent of the
    # dict's insertion order.
    a = {"method": 1, "id": 2, "params": 3, 10: 4, -1: 5, b"k": 6}
    b = {}
    for k in (b"k", -1, 10, "params", "id", "method"):
        b[k] = a[k]
    ea = cbor.dumps(a)
    assert ea == cbor.dumps(b)
    # 0a, 20, 416b, 626964, 666d6574686f64 ("method"), 66706172616d73 ("params")
    assert b2h(ea) == "a60a042005416b0662696402666d6574686f640166706172616d7303"


def test_encode_rejects_unsupported():
    raises(CBOREncodeError, cbor.dumps, 1.5)
    raises(CBOREncodeError, cbor.dumps, 1 << 64)
    raises(CBOREncodeError, cbor.dumps, -(1 << 64) - 1)
    raises(CBOREncodeError, cbor.dumps, {(1, 2): 3})
    raises(CBOREncodeError, cbor.dumps, set())
    nested = []
    for _ in range(40):
        nested = [nested]
    raises(CBOREncodeError, cbor.dumps, nested)


def test_bytes_like_encode_as_byte_strings():
    assert cbor.dumps(bytearray(b"ab")) == b"\x42ab"
    assert cbor.dumps(memoryview(b"ab")) == b"\x42ab"
    assert cbor.dumps((1, 2)) == cbor.dumps([1, 2])


def test_limits():
    deep = h2b("81" * 17 + "00")
    e = raises(CBORDecodeError, cbor.loads, deep)
    assert "nesting" in str(e)
    assert cbor.loads(deep, max_depth=17) is not None
    assert cbor.loads(h2b("81" * 16 + "00")) is not None  # default depth 16 is fine
    many = h2b("9903e8" + "00" * 1000)  # array of 1000 zeros
    assert len(cbor.loads(many)) == 1000
    e = raises(CBORDecodeError, cbor.loads, many, 16, 999)
    assert "items" in str(e)
    e = raises(CBORDecodeError, cbor.loads, b"\x00" * 10, 16, 100, 9)
    assert "limit" in str(e)


def test_huge_declared_lengths_do_not_allocate():
    # A 9-byte message claiming 2**64-1 elements or bytes must fail fast, before any allocation
    # (this test runs in a 100 KB heap).
    for hx in ("9bffffffffffffffff", "bbffffffffffffffff", "5bffffffffffffffff",
               "7bffffffffffffffff", "9a7fffffff", "ba7fffffff00"):
        raises(CBORDecodeError, cbor.loads, h2b(hx))


def test_rpc_shaped_roundtrip():
    msg = {"id": "17", "method": "sign", "params": {"psbt": bytes(range(256)) * 4, "n": -5,
                                                    "flags": [True, False, None], "u": "\u00e9\u6c34"}}
    enc = cbor.dumps(msg)
    assert cbor.loads(enc) == msg
    assert cbor.loads(bytearray(enc)) == msg
    assert cbor.loads(memoryview(enc)) == msg
