# heapsize: 100k
# Secret B -> card share KDF (v1): deterministic, domain-separated, in range, format frozen.
from ptest import b2h, raises

from bioshard_card.crypto import kdf, musig2
from bioshard_card.crypto.hmac_sha256 import hkdf_expand, hkdf_extract

SECRET_B = bytes(range(32))


def test_same_secret_gives_same_share():
    assert kdf.card_share(SECRET_B) == kdf.card_share(bytes(SECRET_B))
    assert kdf.card_share_pubkey(SECRET_B) == musig2.individual_pk(kdf.card_share(SECRET_B))


def test_different_secret_or_context_gives_different_share():
    a = kdf.card_share(SECRET_B)
    flipped = bytearray(SECRET_B)
    flipped[31] ^= 1
    assert kdf.card_share(bytes(flipped)) != a
    assert kdf.card_share(SECRET_B, b"wallet-2") != a
    assert kdf.card_share(SECRET_B, b"wallet-2") != kdf.card_share(SECRET_B, b"wallet-3")


def test_share_is_a_valid_secret_key():
    for i in range(8):
        d = int.from_bytes(kdf.card_share(bytes((i,)) * 32), "big")
        assert 0 < d < musig2.N


def test_v1_construction_is_hkdf_with_the_documented_labels():
    # Recomputed from the spec in kdf.py / docs/signing.md (first draw, i = 0).
    prk = hkdf_extract(b"bioshard/card-share/v1/salt", SECRET_B)
    okm = hkdf_expand(prk, b"bioshard/card-share/v1" + b"\x00" + b"\x00", 32)
    assert kdf.card_share(SECRET_B) == okm
    ctx = b"wallet-2"
    okm2 = hkdf_expand(prk, b"bioshard/card-share/v1" + bytes((len(ctx),)) + ctx + b"\x00", 32)
    assert kdf.card_share(SECRET_B, ctx) == okm2


def test_v1_known_answer_is_frozen():
    # Pinned so a change of the v1 derivation (which would lock users out of their funds)
    # cannot go unnoticed; tests/card/test_signing_crosschecks.py recomputes it with CPython's hmac.
    assert b2h(kdf.card_share(SECRET_B)) == KAT_V1


def test_rejects_short_secret_and_long_context():
    raises(ValueError, kdf.card_share, b"short")
    raises(ValueError, kdf.card_share, SECRET_B, bytes(256))


KAT_V1 = "b84a305f6055ecfd7c4ee20be110172b4f1f602918d22c95f6222928b2325784"
