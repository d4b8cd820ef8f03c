# heapsize: 2m
# BIP-340: every row of the official test-vectors.csv (sign and verify), on the card's code.
from ptest import h2b, vector_path

from bioshard_card.crypto import bip340


def _rows():
    with open(vector_path("bip340/test-vectors.csv")) as f:
        lines = f.read().split("\n")
    rows = []
    for line in lines[1:]:
        if line.strip():
            rows.append(line.split(","))
    return rows


def test_vectors_sign_and_verify():
    rows = _rows()
    assert len(rows) >= 19
    signed = 0
    for index, sk, pk, aux, msg, sig, result, _comment in rows:
        pk, msg, sig = h2b(pk), h2b(msg), h2b(sig)
        expect = result == "TRUE"
        if sk:
            assert bip340.pubkey_gen(h2b(sk)) == pk, index
            assert bip340.sign(msg, h2b(sk), h2b(aux)) == sig, index
            signed += 1
        try:
            got = bip340.verify(msg, pk, sig)
        except ValueError:
            got = False
        assert got == expect, index
    assert signed >= 4


def test_verify_rejects_every_single_bit_flip_of_a_valid_signature():
    rows = _rows()
    _, _, pk, _, msg, sig, _, _ = rows[1]
    pk, msg, sig = h2b(pk), h2b(msg), h2b(sig)
    assert bip340.verify(msg, pk, sig)
    for i in (0, 17, 31, 32, 50, 63):
        bad = bytearray(sig)
        bad[i] ^= 1
        assert not bip340.verify(msg, pk, bytes(bad))
