"""Fuzzing the card's PSBT parser and review with hypothesis: structured mutations of valid
PSBTs (extra, replaced and duplicated fields of every known type with random lengths; random
counts; byte flips, cuts and splices). The card must answer every one with a Review or a
PSBTError — no other exception — and anything it accepts must still satisfy the review's
promises (all inputs ours, non-negative fee, change only to our own script)."""
import json
import struct
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from bioshard.wallet.psbt_io import parse as parse_maps
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.review import Wallet, review_psbt

CORPUS = Path(__file__).resolve().parents[1] / "psbt_corpus"
W = json.loads((CORPUS / "wallet.json").read_text())
WALLET = Wallet(bytes.fromhex(W["output_key"]), bytes.fromhex(W["agg_key"]),
                [bytes.fromhex(k) for k in W["participants"]], bytes.fromhex(W["card_key"]), W["network"])
SEEDS = [p.read_bytes() for p in sorted((CORPUS / "valid").glob("*.psbt"))]
OWN = b"\x51\x20" + bytes.fromhex(W["output_key"])
KNOWN_TYPES = list(range(0x00, 0x20)) + [0xFB, 0xFC]


def check(data):
    # The host's own PSBT codec must fail as cleanly as the card's parser.
    try:
        parse_maps(data)
    except PSBTError:
        pass
    try:
        rv = review_psbt(data, WALLET)
    except PSBTError as e:
        assert e.reason and isinstance(e.reason, str)
        return None
    assert rv.fee >= 0 and rv.total_in - rv.total_out == rv.fee
    for inp in rv.psbt.inputs:
        assert inp.script == OWN
    for line, o in zip(rv.outputs, rv.psbt.tx.outputs):
        assert line.change == (o.script == OWN)
    for i in range(len(rv.psbt.inputs)):
        assert len(rv.sighash(i)) == 32
    return rv


def _sized(lengths):
    # Random bytes of the lengths the BIPs use, so mutations reach each field's deeper checks.
    return st.one_of(st.sampled_from(lengths).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
                     st.binary(max_size=80))


fields = st.tuples(
    st.sampled_from(KNOWN_TYPES),
    _sized([0, 20, 32, 33, 64, 65, 66, 98]),  # key data
    _sized([0, 1, 4, 8, 32, 33, 34, 43, 64, 65, 66, 78]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(SEEDS))), st.lists(st.tuples(st.integers(0, 40), fields), max_size=4),
       st.booleans())
def test_field_mutations(seed, edits, drop):
    p = parse_maps(SEEDS[seed])
    maps = [p.global_map] + p.inputs + p.outputs
    for where, (t, kd, v) in edits:
        m = maps[where % len(maps)]
        key = bytes((t,)) + kd if t < 0xFD else b"\xfd" + struct.pack("<H", t) + kd
        if drop and m:
            m.pop(next(iter(m)))
        m[key] = v
    check(p.serialize())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(range(len(SEEDS))), st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.binary(max_size=9)), min_size=1, max_size=5))
def test_byte_mutations(seed, ops):
    b = bytearray(SEEDS[seed])
    for kind, pos, data in ops:
        pos %= max(1, len(b))
        if kind == 0 and b:
            b[pos] ^= (data[0] if data else 1) or 1
        elif kind == 1:
            del b[pos:pos + 1 + len(data)]
        else:
            b[pos:pos] = data
    check(bytes(b))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_after_magic(tail):
    check(b"psbt\xff" + tail)


def test_seeds_are_accepted():
    # The fuzz seeds themselves must pass, otherwise the mutations above test nothing useful.
    assert SEEDS and all(check(s) is not None for s in SEEDS)


# Checks the card skips on purpose: curve-point validity of keys it never uses (it compares
# its own keys byte for byte instead) and RIPEMD-160 preimages (MicroPython has no ripemd160).
_BDK_ONLY = {("g", 0x01), ("i", 0x02), ("i", 0x06), ("i", 0x14), ("i", 0x15), ("i", 0x16),
             ("i", 0x17), ("i", 0x1A), ("i", 0x1B), ("i", 0x1C), ("o", 0x02), ("o", 0x05),
             ("o", 0x07), ("o", 0x08),  # keys that must be points on the curve
             ("i", 0x0A), ("i", 0x0C)}  # RIPEMD-160 preimages


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(SEEDS))), st.integers(0, 40), fields)
def test_card_is_at_least_as_strict_as_bdk(seed, where, field):
    """Differential: whatever the card's parser accepts, rust-bitcoin's PSBT parser (bdk)
    must accept too, apart from the checks listed in _BDK_ONLY."""
    import base64

    import pytest
    bdk = pytest.importorskip("bdkpython")
    from bioshard_card.btc import psbt as card_psbt

    t, kd, v = field
    p = parse_maps(SEEDS[seed])
    maps = [("g", p.global_map)] + [("i", m) for m in p.inputs] + [("o", m) for m in p.outputs]
    kind, m = maps[where % len(maps)]
    m[bytes((t,)) + kd] = v
    data = p.serialize()
    try:
        card_psbt.parse(data)
    except PSBTError:
        return
    if (kind, t) in _BDK_ONLY:
        return
    bdk.Psbt(base64.b64encode(data).decode())  # raises if rust-bitcoin finds it malformed
