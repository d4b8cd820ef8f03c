# heapsize: 100k
# The card factor's OPRF client on the card (crypto/oprf.py, bio/card_factor.py) in the card's heap.
# VECTOR was computed with the service's implementation over libsecp256k1 (bioshard_backup/oprf.py,
# coincurve): data, service key k, blinding r, r*H(data), k*r*H(data), the OPRF output.
from ptest import raises

from bioshard_card.bio import card_factor
from bioshard_card.crypto import oprf
from bioshard_card.crypto import secp256k1 as ec

H = bytes.fromhex
VECTOR = {
    "data": H("a676b57009c2df3e36d2dcee4353d9eb6bf2cd2fd2af2741e85c65a67d163d03"),
    "k": H("022b35212d3686961f2ec12ea414ae712e4fe26b1cf9d7b26df93c37416dc345"),
    "r": H("1dadc02a12c78103ff2dcfd5ea4104589ec414c3be0e36b912d04506c8bce421"),
    "blinded": H("0208758d0ca638220d68a3f3bd49bbeb732be4ee5ef57e6c717ea5010175d67e81"),
    "evaluated": H("03307d5d4d3fc54f800bf813361ed8c2ec799fe2aafc451ab925bf8e50af61fe01"),
    "out": H("2673ae1bdcefa343c4316f06c14a41b0958cd699e093792a72ae6af4989c7004"),
}


def test_blind_and_finalize_match_libsecp256k1():
    v = VECTOR
    r, blinded = oprf.blind(v["data"], lambda n: v["r"])
    assert r == int.from_bytes(v["r"], "big") and blinded == v["blinded"]
    assert oprf.finalize(v["data"], r, v["evaluated"]) == v["out"]


def test_a_service_answer_round_trip_in_the_card_heap():
    k = int.from_bytes(VECTOR["k"], "big")
    req = card_factor.Request(bytes(range(32)))
    evaluated = ec.cbytes(ec.mul(ec.cpoint(req.blinded), k))  # the service's step, for the test
    factor, mixed = req.finish(evaluated)
    assert len(factor) == 32 and mixed == card_factor.mix(bytes(range(32)), factor)
    raises(ValueError, req.finish, evaluated)


def test_not_a_point_is_refused():
    r, _ = oprf.blind(b"x")
    raises(oprf.OprfError, oprf.finalize, b"x", r, b"\x02" + b"\xff" * 32)
