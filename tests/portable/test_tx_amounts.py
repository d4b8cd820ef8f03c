# heapsize: 100k
from ptest import raises

from bioshard_card.btc.amounts import format_btc, parse_btc, format_rate
from bioshard_card.btc.errors import PSBTError


def test_format_btc_exact():
    assert format_btc(0) == "0.00000000 BTC"
    assert format_btc(1) == "0.00000001 BTC"
    assert format_btc(10000000) == "0.10000000 BTC"
    assert format_btc(2100000000000000) == "21000000.00000000 BTC"
    assert format_btc(-150) == "-0.00000150 BTC"
    assert format_btc(123456789, False) == "1.23456789"


def test_parse_roundtrip():
    for s in (0, 1, 99999999, 100000000, 2100000000000000, 123456789):
        assert parse_btc(format_btc(s)) == s
    assert parse_btc("0.001") == 100000
    assert parse_btc(".5") == 50000000
    assert parse_btc("3") == 300000000
    for bad in ("", ".", "1.123456789", "-1", "1e3", "0x10", "1.2.3", "123456789"):
        raises(PSBTError, parse_btc, bad)


def test_fee_rate():
    assert format_rate(1000, 100) == "10.0 sat/vB"
    assert format_rate(1545, 111) == "13.9 sat/vB"  # 13.918...
    assert format_rate(1, 3) == "0.3 sat/vB"
    assert format_rate(1, 4) == "0.3 sat/vB"  # 0.25 rounds half up
    raises(PSBTError, format_rate, 1, 0)
