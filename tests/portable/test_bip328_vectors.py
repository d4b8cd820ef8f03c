# heapsize: 2m
# BIP-328 aggregate-key xpubs (official vectors), and unhardened derivation below them agreeing
# with MuSig2 plain tweaks (what the signers apply to sign for a derived address).
from ptest import h2b, load_json, vector_path

from bioshard_card.crypto import bip32, bip328, musig2
from bioshard_card.crypto.sha512 import hmac_sha512, sha512

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58decode_82(s):
    # An xpub is always 82 bytes (78 + 4 checksum) with a non-zero first byte.
    n = 0
    for c in s:
        n = n * 58 + _B58.index(c)
    return n.to_bytes(82, "big")


def test_aggregate_xpub_vectors():
    cases = load_json(vector_path("bip328/vectors.json"))
    assert len(cases) >= 3
    import hashlib

    for case in cases:
        keys = [h2b(k) for k in case["keys"]]
        assert bip328.aggregate_pubkey(keys) == h2b(case["aggregate_pubkey"])
        raw = bip328.aggregate_xpub_raw(keys)
        full = _b58decode_82(case["xpub"])
        assert raw == full[:78]
        check = hashlib.sha256(hashlib.sha256(raw).digest()).digest()[:4]
        assert check == full[78:]
        try:
            s = bip328.aggregate_xpub(keys)
        except ImportError:
            continue  # btc/base58.py not present: the raw form was checked above
        assert s == case["xpub"]


def test_chaincode_is_the_bip328_constant():
    assert bip328.CHAINCODE == h2b("868087ca02a6f974c4598924c36b57762d32cb45717167e300622c7167e38965")


def test_derived_child_equals_musig2_plain_tweaks():
    keys = [h2b(k) for k in load_json(vector_path("bip328/vectors.json"))[0]["keys"]]
    tweaks, child = bip328.derive_tweaks(keys, [0, 7])
    ctx = musig2.key_agg_and_tweak(keys, tweaks, [False, False])
    assert musig2.get_plain_pk(ctx) == child
    raised = False
    try:
        bip32.ckd_pub(child, bip328.CHAINCODE, bip32.HARDENED)
    except ValueError:
        raised = True
    assert raised


def test_sha512_known_answers():
    # FIPS 180-2 examples and RFC 4231 test case 2.
    assert sha512(b"abc") == h2b(
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    assert sha512(b"") == h2b(
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
    assert hmac_sha512(b"Jefe", b"what do ya want for nothing?") == h2b(
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")
