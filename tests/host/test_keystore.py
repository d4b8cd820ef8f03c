import json
import os
import stat

import pytest
from hypothesis import given, settings, strategies as st

from bioshard import keystore
from bioshard.errors import BadInputError, WrongPassphraseError

PW = "correct horse battery"


def test_round_trip_and_permissions(tmp_path):
    s = keystore.new_secret()
    path = tmp_path / "wallet" / "secret_a.json"
    keystore.save(path, s, PW, b"\x02" * 33)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert s.hex() not in path.read_text()
    assert keystore.load(path, PW) == s


def test_wrong_passphrase_is_named(tmp_path):
    path = tmp_path / "k.json"
    keystore.save(path, keystore.new_secret(), PW, b"\x02" * 33)
    with pytest.raises(WrongPassphraseError):
        keystore.load(path, PW + "!")


@settings(max_examples=20, deadline=None)
@given(field=st.sampled_from(["pubkey", "salt", "ct", "nonce"]), pos=st.integers(0, 15))
def test_any_altered_field_fails_authentication(field, pos):
    blob = keystore.seal(keystore.new_secret(), PW, b"\x03" * 33)
    doc = json.loads(blob)
    raw = bytearray(bytes.fromhex(doc[field]))
    raw[pos % len(raw)] ^= 1
    doc[field] = raw.hex()
    with pytest.raises(WrongPassphraseError):
        keystore.unseal(json.dumps(doc).encode(), PW)


def test_damaged_and_missing_files_are_named(tmp_path):
    with pytest.raises(BadInputError, match="damaged"):
        keystore.unseal(b"{not json", PW)
    with pytest.raises(BadInputError, match="no Secret A.*restore-secret"):
        keystore.load(tmp_path / "none.json", PW)
    with pytest.raises(BadInputError, match="empty passphrase"):
        keystore.seal(b"\x01" * 32, "", b"\x02" * 33, check=False)


def test_new_secret_is_a_valid_scalar():
    for _ in range(50):
        v = int.from_bytes(keystore.new_secret(), "big")
        assert 0 < v < keystore.SECP256K1_N


# ---- cost and passphrase strength (issue #10 item 12) ----------------------------------------

def test_the_default_cost_is_scrypt_2_17_and_new_files_record_it(monkeypatch):
    # Before: N = 2^15. Current guidance (OWASP) is scrypt N >= 2^17, r = 8, p = 1.
    monkeypatch.delenv(keystore.TEST_COST_ENV, raising=False)
    assert keystore.SCRYPT == {"n": 1 << 17, "r": 8, "p": 1}
    assert keystore.scrypt_params() == {"n": 1 << 17, "r": 8, "p": 1}
    doc = json.loads(keystore.seal(keystore.new_secret(), PW, b"\x02" * 33))
    assert (doc["n"], doc["r"], doc["p"]) == (1 << 17, 8, 1)


@pytest.mark.parametrize("value", ["20", "13", "abc", "", "17"])
def test_the_test_override_can_only_lower_the_cost_within_bounds(monkeypatch, value):
    monkeypatch.setenv(keystore.TEST_COST_ENV, value)
    assert keystore.scrypt_params()["n"] == 1 << 17


@pytest.mark.parametrize("weak", ["a", "password", "aaaaaaaaaaaaaaaa", "abababab1212", "12345678901"])
def test_weak_passphrases_are_refused_with_the_rule(weak, tmp_path):
    with pytest.raises(BadInputError, match="at least 12 characters"):
        keystore.save(tmp_path / "k.json", keystore.new_secret(), weak, b"\x02" * 33)
    assert not (tmp_path / "k.json").exists()


def test_an_old_cheap_file_is_migrated_on_the_next_unlock_and_still_opens(tmp_path, monkeypatch):
    path = tmp_path / "secret_a.json"
    s = keystore.new_secret()
    monkeypatch.setenv(keystore.TEST_COST_ENV, "14")
    keystore.save(path, s, "weak", b"\x02" * 33, check=False)  # an old file: weak passphrase, N = 2^14
    monkeypatch.setenv(keystore.TEST_COST_ENV, "15")  # the cost new files get now is higher
    with pytest.raises(WrongPassphraseError):
        keystore.load(path, "wrong")
    assert json.loads(path.read_text())["n"] == 1 << 14  # no unlock, no change
    assert keystore.load(path, "weak") == s  # the old passphrase keeps working
    doc = json.loads(path.read_text())
    assert doc["n"] == 1 << 15 and doc["pubkey"] == "02" * 33
    assert keystore.load(path, "weak") == s
    assert [p.name for p in tmp_path.iterdir()] == ["secret_a.json"]  # no temp file left


def test_a_failed_migration_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "secret_a.json"
    s = keystore.new_secret()
    monkeypatch.setenv(keystore.TEST_COST_ENV, "14")
    keystore.save(path, s, PW, b"\x02" * 33)
    before = path.read_bytes()
    monkeypatch.setenv(keystore.TEST_COST_ENV, "15")
    real = os.fsync

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    assert keystore.load(path, PW) == s  # the unlock itself still works
    monkeypatch.setattr(os, "fsync", real)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["secret_a.json"]
    assert keystore.load(path, PW) == s
