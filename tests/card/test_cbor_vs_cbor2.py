"""The card's CBOR codec against an independent implementation (cbor2), driven by hypothesis.

- anything cbor2 encodes (inside our subset) decodes to the same value with our decoder;
- anything we encode decodes to the same value with cbor2;
- for maps whose keys share one CBOR major type, our bytes equal cbor2's canonical bytes
  (cbor2 sorts length-first, RFC 7049; we sort bytewise, RFC 8949 — they agree in that case);
- hostile bytes (random, or mutations of valid messages) give a value cbor2 agrees with, or
  CBORDecodeError — never another exception.
"""
import cbor2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bioshard_card.proto import cbor
from bioshard_card.proto.cbor import CBORDecodeError

ints = st.integers(min_value=-(1 << 64), max_value=(1 << 64) - 1)
scalars = st.none() | st.booleans() | ints | st.binary(max_size=300) | st.text(max_size=40)
keys = ints | st.text(max_size=12) | st.binary(max_size=12)


def values(key_strategy):
    return st.recursive(
        scalars,
        lambda kids: st.lists(kids, max_size=6) | st.dictionaries(key_strategy, kids, max_size=6),
        max_leaves=30,
    )


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(values(keys))
def test_we_decode_what_cbor2_encodes(v):
    assert cbor.loads(cbor2.dumps(v)) == v
    assert cbor.loads(cbor2.dumps(v, canonical=True)) == v


@SETTINGS
@given(values(keys))
def test_cbor2_decodes_what_we_encode(v):
    enc = cbor.dumps(v)
    assert cbor2.loads(enc) == v
    assert cbor.loads(enc) == v
    assert cbor.dumps(cbor.loads(enc)) == enc  # deterministic: one value, one encoding


@SETTINGS
@given(values(st.text(max_size=12)))
def test_same_bytes_as_cbor2_canonical(v):
    assert cbor.dumps(v) == cbor2.dumps(v, canonical=True)


def _check_hostile(data):
    try:
        got = cbor.loads(data)
    except CBORDecodeError:
        return
    # We accepted it, so it must be well-formed CBOR and cbor2 must read the same value.
    assert cbor2.loads(data) == got


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_only_raise_decode_error(data):
    _check_hostile(data)


@settings(max_examples=1000, deadline=None)
@given(values(keys), st.data())
def test_mutated_messages_only_raise_decode_error(v, data):
    enc = bytearray(cbor.dumps(v))
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "cut" and enc:
            i = data.draw(st.integers(0, len(enc) - 1))
            del enc[i:]
        elif op == "insert":
            i = data.draw(st.integers(0, len(enc)))
            enc[i:i] = data.draw(st.binary(min_size=1, max_size=9))
        elif enc:
            i = data.draw(st.integers(0, len(enc) - 1))
            enc[i] ^= data.draw(st.integers(1, 255))
    _check_hostile(bytes(enc))
