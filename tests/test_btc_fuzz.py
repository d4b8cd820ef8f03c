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

CORPUS = Path(__file__).parent / "psbt_corpus"
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


fields = st.tuples(
    st.sampled_from(KNOWN_TYPES),
    st.binary(max_size=70),  # key data
    st.one_of(st.binary(max_size=80), st.sampled_from([b"", b"\x00" * 32, b"\x02" * 33, b"\x00" * 64])),
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
