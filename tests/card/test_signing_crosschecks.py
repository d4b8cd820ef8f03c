"""CPython-only cross-checks of the signing core against independent implementations:
SHA-512/HMAC against hashlib/hmac, BIP-32 CKDpub against embit, the share KDF against the
standard library's HMAC, the committed comb table against its generator, and the vector
copies in tests/vectors against ../shared."""
import hashlib
import hmac
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from bioshard_card.crypto import bip32, bip328, kdf
from bioshard_card.crypto.sha512 import hmac_sha512, sha512
from conftest import REPO


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_sha512_equals_hashlib(data):
    assert sha512(data) == hashlib.sha512(data).digest()


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=200))
def test_hmac_sha512_equals_stdlib(key, msg):
    assert hmac_sha512(key, msg) == hmac.new(key, msg, hashlib.sha512).digest()


def test_ckd_pub_equals_embit():
    from embit import bip32 as eb

    keys = [bytes.fromhex(k) for k in (
        "03935F972DA013F80AE011890FA89B67A27B7BE6CCB24D3274D18B2D4067F261A9",
        "02F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9")]
    raw = bip328.aggregate_xpub_raw(keys)
    xpub = eb.HDKey.parse(raw)
    tweaks, child = bip328.derive_tweaks(keys, [0, 5, 2**31 - 1])
    assert xpub.derive([0, 5, 2**31 - 1]).key.sec() == child


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=16, max_size=64), st.binary(max_size=40))
def test_share_kdf_is_hkdf_sha256_with_documented_labels(secret_b, context):
    prk = hmac.new(b"bioshard/card-share/v1/salt", secret_b, hashlib.sha256).digest()
    info = b"bioshard/card-share/v1" + bytes([len(context)]) + context + b"\x00"
    okm = hmac.new(prk, info + b"\x01", hashlib.sha256).digest()  # HKDF-Expand, one block
    assert kdf.card_share(secret_b, context) == okm


def test_committed_comb_table_is_what_the_generator_makes():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "gen_secp256k1_gtable.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_vector_copies_match_shared(shared):
    copies = sorted(p for p in (REPO / "tests" / "vectors").rglob("*") if p.is_file() and p.name != "README.md")
    assert len(copies) >= 11
    for p in copies:
        rel = p.relative_to(REPO / "tests" / "vectors")
        assert (shared / "vectors" / rel).read_bytes() == p.read_bytes(), rel
