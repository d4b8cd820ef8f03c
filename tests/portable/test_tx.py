# heapsize: 100k
# Transaction serialization, txid (also of segwit-serialized transactions, hashed in place)
# and the unsigned-tx rules a PSBT v0 imposes.
from ptest import repo_path, load_json, h2b, b2h, raises

from bioshard_card.btc.compact import Reader, compact_size
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.tx import parse_tx, parse_unsigned, sha256d, txid_of_serialized


def _raw():
    v = load_json(repo_path("tests/vectors/bip341/wallet-test-vectors.json"))
    return h2b(v["keyPathSpending"][0]["given"]["rawUnsignedTx"])


def test_txid_with_and_without_witness():
    raw = _raw()
    tx, _ = parse_tx(raw)
    legacy_id = sha256d(raw)
    assert txid_of_serialized(Reader(raw)) == legacy_id
    signed = tx.serialize([[b"\x01" * 64]] * len(tx.inputs))
    assert signed != raw and len(signed) > len(raw)
    assert txid_of_serialized(Reader(signed)) == legacy_id
    assert tx.txid() == bytes(reversed(legacy_id))
    tx2, wit = parse_tx(signed)
    assert tx2.serialize() == raw and wit[0] == [b"\x01" * 64]


def test_parse_unsigned_limits():
    raw = _raw()  # 9 inputs, 2 outputs
    tx = parse_unsigned(Reader(raw), 9, 2, 100)
    assert len(tx.inputs) == 9 and tx.locktime == 0x1DCD6500
    assert raises(PSBTError, parse_unsigned, Reader(raw), 8, 2, 100).reason == "too many inputs"
    assert raises(PSBTError, parse_unsigned, Reader(raw), 9, 1, 100).reason == "too many outputs"
    assert raises(PSBTError, parse_unsigned, Reader(raw), 9, 2, 30).reason == "output script too long"
    assert raises(PSBTError, parse_unsigned, Reader(raw[:-1]), 9, 2, 100).reason == "truncated data"


def test_compact_size_canonical():
    for n in (0, 0xFC, 0xFD, 0xFFFF, 0x10000, 0xFFFFFFFF, 0x100000000):
        b = compact_size(n)
        assert Reader(b).compact() == n
    for bad in ("fdfc00", "fe ffff0000", "ff ffffffff00000000"):
        assert raises(PSBTError, Reader(h2b(bad.replace(" ", ""))).compact).reason == "non-canonical compact size"
    assert b2h(compact_size(0xFD)) == "fdfd00"
