"""The wallet data beside a face pass is sealed: the backup service and a dump of its database
see only ciphertext. Driven through `bioshard facepass enroll|add-heir|restore` against the
real service (in-process, SQLite file), with synthetic face embeddings in place of the camera
(no photos needed); the sealing checked against an independent HKDF/AES-GCM computation."""
import json
import sqlite3

import numpy as np
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

pytest.importorskip("fastapi")

from bioshard import cli, keystore, state
from bioshard.commands import facepass as cmd
from bioshard.errors import BadInputError
from bioshard.facepass import flow, wrap
from bioshard.facepass.client import BackupClient, HttpxTransport
from bioshard.signing import individual_pk
from bioshard_backup.testing import Harness
from test_facepass_service import logged_in
from test_facepass_synth import frames, person

OWNER, HEIR = "owner@example.org", "heir@example.org"
PASS = "correct horse battery staple 42"


@pytest.fixture
def world(tmp_path, monkeypatch):
    """An owner's computer (Secret A + wallet.json) and the service on a SQLite file."""
    h = Harness(f"sqlite:///{tmp_path / 'backup.sqlite3'}")
    rng = np.random.default_rng(11)
    faces = {"owner": person(rng), "heir": person(rng)}
    face = {"now": "owner"}
    monkeypatch.setattr(cmd._service, "connect_service", lambda url: BackupClient(HttpxTransport(h.client)))
    monkeypatch.setattr(cmd._service, "ask_code", lambda email: h.last_code(email.strip().lower()))
    monkeypatch.setattr(cmd, "_enroll_embeddings", lambda args: frames(rng, faces[face["now"]], 5, 0.005))
    monkeypatch.setattr(cmd, "_frames", lambda args: [None] * 3)
    monkeypatch.setattr(cmd, "_analyse", lambda fr, single_face=True: (
        frames(rng, faces[face["now"]], len(fr)), [None] * len(fr)))
    monkeypatch.setattr(cmd, "progress", lambda msg: print("progress:", msg))
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", PASS)
    monkeypatch.delenv("BIOSHARD_BACKUP_TOKEN", raising=False)
    home = tmp_path / "home1"
    monkeypatch.setenv("BIOSHARD_HOME", str(home))
    secret = keystore.new_secret()
    host = individual_pk(secret)
    card = individual_pk(b"\x5a" * 32)  # any valid point
    from bioshard.wallet.descriptor import Descriptor

    desc = Descriptor.from_keys([host, card])
    wallet = {"card_pubkey": card.hex(), "host_pubkey": host.hex(), "network": "regtest",
              "blob": "b10b" + "c7" * 300, "descriptor": str(desc)}
    keystore.save(state.secret_path(home), secret, PASS, host)
    state.save(wallet, home)
    secrets_in_clear = [wallet["descriptor"], wallet["card_pubkey"], wallet["blob"],
                        desc.address(network="regtest")]

    class W:
        pass

    w = W()
    w.h, w.tmp, w.secret, w.wallet, w.face, w.mp = h, tmp_path, secret, wallet, face, monkeypatch
    w.clear = secrets_in_clear
    return w


def run(*argv):
    return cli.main(["facepass", *argv, "--service", "https://backup.invalid", "--face", "x"])


def dump(w):
    """Everything an operator (or a thief of the DB files) can read: the SQL dump, with blobs
    as hex, and the raw bytes of the database and its write-ahead log."""
    with w.h.db.lock:
        w.h.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con = sqlite3.connect(w.tmp / "backup.sqlite3")
    text = "\n".join(con.iterdump()).lower()
    con.close()
    raw = b"".join(p.read_bytes() for p in w.tmp.glob("backup.sqlite3*"))
    return text, raw


def assert_nothing_in_clear(w):
    text, raw = dump(w)
    assert "x'" in text  # the dump does hold the blobs (as hex)
    for s in w.clear:
        assert s.lower() not in text and s.encode().hex() not in text, s[:20]
        assert s.encode() not in raw and s.encode().hex().encode() not in raw, s[:20]


def test_a_database_dump_after_upload_holds_no_wallet_data(world, capsys):
    w = world
    assert run("enroll", "--email", OWNER) == 0
    assert "wallet backup uploaded" in capsys.readouterr().out
    w.face["now"] = "heir"
    assert run("add-heir", "--email", OWNER, "--heir-email", HEIR, "--inactivity-days", "30") == 0
    (n,) = w.h.rows("SELECT COUNT(*) FROM blobs WHERE name = 'fingerprint'")[0]
    assert n == 1 and w.h.rows("SELECT COUNT(*) FROM heirs WHERE blob IS NOT NULL")[0][0] == 1
    assert_nothing_in_clear(w)


def test_owner_restore_opens_the_sealed_wallet(world, capsys):
    w = world
    assert run("enroll", "--email", OWNER) == 0
    home2 = w.tmp / "home2"
    w.mp.setenv("BIOSHARD_HOME", str(home2))
    assert run("restore", "--email", OWNER.upper()) == 0  # the email as typed, any case
    assert keystore.load(state.secret_path(home2), PASS) == w.secret
    restored = json.loads((home2 / "wallet.json").read_text())
    assert {k: restored[k] for k in w.wallet} == w.wallet
    assert "in clear" not in capsys.readouterr().err


def test_heir_restore_opens_the_sealed_wallet(world):
    w = world
    w.face["now"] = "heir"
    assert run("add-heir", "--email", OWNER, "--heir-email", HEIR, "--inactivity-days", "30") == 0
    for _ in range(40):
        w.h.clock.advance(days=1)
        w.h.tick()
    home = w.tmp / "heir"
    w.mp.setenv("BIOSHARD_HOME", str(home))
    assert run("restore", "--heir", "--email", HEIR) == 0
    assert keystore.load(state.secret_path(home), PASS) == w.secret
    assert json.loads((home / "wallet.json").read_text())["descriptor"] == w.wallet["descriptor"]


def test_a_wallet_stored_in_clear_by_an_older_version_still_restores_with_a_warning(world, capsys):
    w = world
    assert run("enroll", "--email", OWNER) == 0
    c = logged_in(w.h, OWNER)
    c.put_blob("fingerprint", json.dumps(dict(w.wallet, bioshard_backup=1)).encode())  # old format
    home2 = w.tmp / "home2"
    w.mp.setenv("BIOSHARD_HOME", str(home2))
    assert run("restore", "--email", OWNER) == 0
    assert json.loads((home2 / "wallet.json").read_text())["descriptor"] == w.wallet["descriptor"]
    out = capsys.readouterr().out
    assert "stored in clear" in out and "bioshard facepass enroll" in out


def test_a_wallet_sealed_for_an_earlier_enrollment_is_named(world, capsys):
    w = world
    assert run("enroll", "--email", OWNER) == 0
    c = logged_in(w.h, OWNER)
    old = c.get_blob("fingerprint")
    assert run("enroll", "--email", OWNER) == 0  # a new enrollment: new salt, new keys
    c.put_blob("fingerprint", old)  # the service (or a failed upload) leaves the old one
    w.mp.setenv("BIOSHARD_HOME", str(w.tmp / "home2"))
    assert run("restore", "--email", OWNER) == BadInputError.exit_code
    err = capsys.readouterr().err
    assert "Secret A is restored" in err and "earlier face enrollment" in err
    assert keystore.load(state.secret_path(w.tmp / "home2"), PASS) == w.secret  # nothing lost


# --- the sealing itself ---------------------------------------------------------------------

FK, OUT, SALT = b"\x01" * 32, b"\x02" * 32, b"\x05" * 16


def _opened(kind="owner"):
    doc = {"kind": kind, "salt": SALT.hex()}
    return flow.Opened(b"", doc, wrap.wallet_key(FK, OUT, SALT, kind))


def test_sealing_matches_an_independent_hkdf_aes_gcm_and_is_domain_separated():
    wallet = {"bioshard_backup": 1, "descriptor": "tr(musig(a,b))"}
    sealed = wrap.seal_wallet(wrap.wallet_key(FK, OUT, SALT, "owner"), wallet, "owner", " Owner@Example.org", SALT)
    key = HKDF(hashes.SHA256(), 32, SALT, b"bioshard/facepass/wallet/v1/owner").derive(FK + OUT)
    wrap_key = HKDF(hashes.SHA256(), 32, SALT, b"bioshard/facepass/wrap/v1/owner").derive(FK + OUT)
    assert key != wrap_key
    aad = json.dumps({"bioshard_sealed_wallet": 1, "email": OWNER, "kind": "owner",
                      "purpose": "facepass wallet export", "salt": SALT.hex()},
                     sort_keys=True, separators=(",", ":")).encode()
    plain = AESGCM(key).decrypt(bytes.fromhex(sealed["nonce"]), bytes.fromhex(sealed["ct"]), aad)
    assert json.loads(plain) == wallet
    assert "musig" not in json.dumps(sealed)
    stored = json.dumps(sealed).encode()
    assert flow.open_wallet(_opened(), OWNER, stored) == (wallet, False)


def test_a_sealed_wallet_opens_only_for_its_email_kind_and_ciphertext():
    wallet = {"bioshard_backup": 1, "descriptor": "d"}
    sealed = wrap.seal_wallet(wrap.wallet_key(FK, OUT, SALT, "owner"), wallet, "owner", OWNER, SALT)
    with pytest.raises(BadInputError, match="another email"):
        flow.open_wallet(_opened(), "other@example.org", json.dumps(sealed).encode())
    ct = bytearray.fromhex(sealed["ct"])
    ct[0] ^= 1
    with pytest.raises(BadInputError, match="altered"):
        flow.open_wallet(_opened(), OWNER, json.dumps(dict(sealed, ct=ct.hex())).encode())
    with pytest.raises(BadInputError):  # an owner's sealed wallet is not an heir's
        wrap.open_wallet(wrap.wallet_key(FK, OUT, SALT, "heir"), dict(sealed, kind="heir"), OWNER)
    for bad in (b"", b"[]", b"{}", b'{"bioshard_sealed_wallet": 1}', json.dumps(dict(sealed, nonce="zz")).encode()):
        with pytest.raises(BadInputError):
            flow.open_wallet(_opened(), OWNER, bad)
    assert flow.open_wallet(_opened(), OWNER, None) == (None, False)


def test_heir_blobs_carry_the_wallet_sealed_and_old_clear_ones_still_read():
    rng = np.random.default_rng(3)
    from coincurve import PrivateKey

    k = PrivateKey()
    face = person(rng)
    wallet = {"bioshard_backup": 1, "descriptor": "tr(musig(heir,test))"}
    secret = keystore.new_secret()
    blob = flow.heir_blob(secret, frames(rng, face, 5, 0.005), k.public_key.format(), wallet=wallet, email=HEIR)
    assert b"musig" not in blob and "wallet" not in json.loads(blob)
    evaluate = lambda b: __import__("coincurve").PublicKey(b).multiply(k.secret).format()
    opened = flow.open_pass(blob, frames(rng, face, 2), heir_evaluate=evaluate)
    assert opened.secret == secret and flow.open_wallet(opened, HEIR) == (wallet, False)
    with pytest.raises(BadInputError):
        flow.open_wallet(opened, "someone@example.org")
    legacy = flow.Opened(secret, {"kind": "heir", "salt": "00", "wallet": wallet}, b"")
    assert flow.open_wallet(legacy, HEIR) == (wallet, True)
    assert flow.open_wallet(flow.Opened(secret, {"kind": "heir", "salt": "00", "wallet": {}}, b""), HEIR) == (None, False)
