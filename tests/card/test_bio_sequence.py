"""Secret B chain and helper blob, checked against an independent HMAC (CPython's hmac) and
fuzzed with hypothesis."""
import hashlib
import hmac

from hypothesis import given, settings, strategies as st

from bioshard_card.bio import helperblob, sequence

ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _h(k, m):
    return hmac.new(k, m, hashlib.sha256).digest()


def reference_derive(ids, keys):
    state = _h(b"bioshard/secretB/v3", b"start" + bytes([len(keys)]))
    for i, (fid, key) in enumerate(zip(ids, keys)):
        state = _h(state, b"finger" + bytes([i, fid]) + key)
    ctr = 0
    while True:
        sb = _h(state, b"secretB" + bytes([ctr]))
        if 0 < int.from_bytes(sb, "big") < ORDER:
            return sb, _h(state, b"helper-mac")
        ctr += 1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.binary(min_size=32, max_size=32)), min_size=1, max_size=5))
def test_chain_matches_independent_hmac(fingers):
    ids = [f for f, _ in fingers]
    keys = [k for _, k in fingers]
    assert sequence.derive(ids, keys) == reference_derive(ids, keys)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(min_size=32, max_size=32), min_size=2, max_size=5, unique=True))
def test_any_reordering_changes_secret_b(keys):
    ids = [1] * len(keys)
    base = sequence.derive(ids, keys)[0]
    assert sequence.derive(ids, keys[1:] + keys[:1])[0] != base


def _blob():
    import random

    from bioshard_card.bio import finger_vault

    r = random.Random(5)
    cons = [(40 + r.randrange(180), 40 + r.randrange(200), r.randrange(256), 3, 60) for _ in range(40)]
    _, helper = finger_vault.enroll(cons, lambda n: bytes(r.getrandbits(8) for _ in range(n)))
    return helperblob.build([(1, helper), (6, helper)], b"k" * 32)


BLOB = _blob()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_parser_only_raises_blob_error(data):
    blob = bytearray(BLOB)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(blob) - 1))
        blob[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blob)))
    try:
        parsed = helperblob.parse(bytes(blob[:cut]) if data.draw(st.booleans()) else bytes(blob))
    except helperblob.BlobError:
        return
    # whatever parses must re-serialise to the same bytes
    assert parsed.body + parsed.mac in (bytes(blob), bytes(blob[:cut]))
    assert parsed.verify(b"k" * 32) == (parsed.body + parsed.mac == BLOB)
