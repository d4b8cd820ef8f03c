"""The card's OPRF client (crypto/oprf.py, pure Python) against the service's OPRF
(bioshard_backup/oprf.py, libsecp256k1 through coincurve), and the card factor built on it."""
import hashlib

import pytest
from coincurve import PublicKey
from hypothesis import given, settings, strategies as st

from bioshard_backup import oprf as service
from bioshard_card.bio import card_factor
from bioshard_card.crypto import oprf as card

scalars = st.integers(min_value=1, max_value=service.N - 1).map(lambda v: v.to_bytes(32, "big"))


@settings(max_examples=40)
@given(st.binary(max_size=80))
def test_hash_to_curve_is_the_services(data):
    from bioshard_card.crypto import secp256k1 as ec

    assert ec.cbytes(card.hash_to_curve(data)) == service.hash_to_curve(data)


@settings(max_examples=25)
@given(st.binary(min_size=1, max_size=64), scalars, st.binary(min_size=32, max_size=32))
def test_card_client_gets_the_oprf_of_its_input(data, k, seed):
    rng = iter([hashlib.sha256(seed + bytes([i])).digest() for i in range(8)])
    r, blinded = card.blind(data, lambda n: next(rng))
    out = card.finalize(data, r, service.evaluate(k, blinded))
    # the function itself, computed directly with libsecp256k1: SHA256(tag || x || k*H(x))
    want = hashlib.sha256(service.OUT_TAG + data +
                          PublicKey(service.hash_to_curve(data)).multiply(k).format()).digest()
    assert out == want
    # and the service's own client agrees
    r2, b2 = service.blind(data)
    assert service.finalize(data, r2, service.evaluate(k, b2)) == want


def test_blinding_hides_the_input():
    """Two requests for the same input send unrelated points; the service never sees H(x)."""
    a = card.blind(b"fingers")[1]
    b = card.blind(b"fingers")[1]
    assert a != b and service.hash_to_curve(b"fingers") not in (a, b)


def test_bad_answers_are_named():
    r, _ = card.blind(b"x")
    for bad in (b"", b"\x02" + b"\xff" * 32, b"\x05" + bytes(32), bytes(33)):
        with pytest.raises(card.OprfError, match="not a secp256k1 point"):
            card.finalize(b"x", r, bad)


@settings(max_examples=10)
@given(st.binary(min_size=32, max_size=32), scalars, scalars)
def test_card_factor_depends_on_service_key_and_fingers(secret_b, k1, k2):
    req = card_factor.Request(secret_b)
    f1, mixed1 = req.finish(service.evaluate(k1, req.blinded))
    req = card_factor.Request(secret_b)
    f1b, mixed1b = req.finish(service.evaluate(k1, req.blinded))
    assert (f1, mixed1) == (f1b, mixed1b)             # fresh blinding, same factor
    req = card_factor.Request(secret_b)
    f2, mixed2 = req.finish(service.evaluate(k2, req.blinded))
    assert k1 == k2 or (f1 != f2 and mixed1 != mixed2)  # another service key: another share
    other = bytes([secret_b[0] ^ 1]) + secret_b[1:]
    req = card_factor.Request(other)
    f3, _ = req.finish(service.evaluate(k1, req.blinded))
    assert f3 != f1                                    # other fingers: another factor
    assert mixed1 != secret_b and len(mixed1) == 32


def test_a_request_is_used_once():
    req = card_factor.Request(bytes(32))
    ev = service.evaluate(service.generate_key(), req.blinded)
    req.finish(ev)
    with pytest.raises(ValueError, match="already used"):
        req.finish(ev)
