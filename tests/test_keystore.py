import json
import os
import stat

import pytest
from hypothesis import given, settings, strategies as st

from bioshard import keystore
from bioshard.errors import BadInputError, WrongPassphraseError

# Keep scrypt cheap in tests only; the file still records and enforces its parameters.
FAST = {"n": 1 << 14, "r": 8, "p": 1}


@pytest.fixture(autouse=True)
def fast_scrypt(monkeypatch):
    monkeypatch.setattr(keystore, "SCRYPT", FAST)


def test_round_trip_and_permissions(tmp_path):
    s = keystore.new_secret()
    path = tmp_path / "wallet" / "secret_a.json"
    keystore.save(path, s, "correct horse", b"\x02" * 33)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert s.hex() not in path.read_text()
    assert keystore.load(path, "correct horse") == s


def test_wrong_passphrase_is_named(tmp_path):
    path = tmp_path / "k.json"
    keystore.save(path, keystore.new_secret(), "right", b"\x02" * 33)
    with pytest.raises(WrongPassphraseError):
        keystore.load(path, "wrong")


@settings(max_examples=20, deadline=None)
@given(field=st.sampled_from(["pubkey", "salt", "ct", "nonce"]), pos=st.integers(0, 15))
def test_any_altered_field_fails_authentication(field, pos):
    blob = keystore.seal(keystore.new_secret(), "pw", b"\x03" * 33)
    doc = json.loads(blob)
    raw = bytearray(bytes.fromhex(doc[field]))
    raw[pos % len(raw)] ^= 1
    doc[field] = raw.hex()
    with pytest.raises(WrongPassphraseError):
        keystore.unseal(json.dumps(doc).encode(), "pw")


def test_damaged_and_missing_files_are_named(tmp_path):
    with pytest.raises(BadInputError, match="damaged"):
        keystore.unseal(b"{not json", "pw")
    with pytest.raises(BadInputError, match="no wallet"):
        keystore.load(tmp_path / "none.json", "pw")
    with pytest.raises(BadInputError, match="empty passphrase"):
        keystore.seal(b"\x01" * 32, "", b"\x02" * 33)


def test_new_secret_is_a_valid_scalar():
    for _ in range(50):
        v = int.from_bytes(keystore.new_secret(), "big")
        assert 0 < v < keystore.SECP256K1_N
