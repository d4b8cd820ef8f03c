"""Host commands that could strand or fake a wallet (issue #10 items 1, 2, 3, 6), with a
stand-in card: enroll and backup restore refuse to replace a wallet's only blob and card key,
keep a dated copy when forced, and check a backup's host key against the keystore; Secret A's
own backup (file and 24 words, the words checked against embit's BIP-39); messages on a new
computer point to restoring Secret A; pairing a new card for an existing wallet says
`bioshard recover`; `wallet create` without the owner's confirmation on the card fails."""
import contextlib
import io
import json
import sys

import pytest
from coincurve import PrivateKey

from bioshard import cli, keystore, state
from bioshard.commands import _wallet_setup, enroll as enroll_cmd, pair as pair_cmd
from bioshard.errors import BadInputError, CardRefusedError, CardTimeoutError
from bioshard.wallet.descriptor import Descriptor
from bioshard.wallet.keyagg import wallet_keys

from test_bio_sequence import BLOB
from test_wallet_hd import A, A_SK, B

bip39 = pytest.importorskip("embit.bip39")

PW = "test passphrase"
BACKUP_PW = "backup passphrase 2"
OTHER = PrivateKey(bytes(31) + b"\x07").public_key.format()


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("BIOSHARD_HOME", str(h))
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", PW)
    monkeypatch.setenv("BIOSHARD_BACKUP_PASSPHRASE", BACKUP_PW)
    return h


def _wallet(home, host=A, card=B, secret=A_SK):
    doc = {"card_pubkey": card.hex(), "blob": BLOB.hex(), "network": "regtest"}
    if host:
        doc.update(host_pubkey=host.hex(), descriptor=str(Descriptor.hd_from_keys([host, card], "regtest")))
    state.save(doc, home)
    if secret:
        keystore.save(state.secret_path(home), secret, PW, host)
    return doc


def _files(d):
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


class FakeCard:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def call(self, method, params=None, timeout=None):
        self.calls.append(method)
        a = self.answers[method]
        if isinstance(a, Exception):
            raise a
        return a(params) if callable(a) else a


def _use(monkeypatch, module, card):
    monkeypatch.setattr(module, "connect", lambda spec, **kw: contextlib.nullcontext(card))


# ---- item 1: enroll / backup restore never replace the only copy silently ---------------------

def test_enroll_over_an_existing_wallet_is_refused_and_nothing_changes(home, monkeypatch, capsys):
    _wallet(home)
    before = _files(home)
    card = FakeCard({"enroll": {"pubkey": OTHER, "blob": b"\x01" * 40}})
    _use(monkeypatch, enroll_cmd, card)
    assert cli.main(["enroll", "--fingers", "r-index", "--no-service"]) == BadInputError.exit_code
    assert "bioshard recover" in capsys.readouterr().err
    assert card.calls == []  # refused before the card is asked anything
    assert _files(home) == before


def test_enroll_force_keeps_dated_copies_never_overwritten(home, monkeypatch):
    old = _wallet(home)
    card = FakeCard({"enroll": {"pubkey": OTHER, "blob": b"\x01" * 40}})
    _use(monkeypatch, enroll_cmd, card)
    assert cli.main(["enroll", "--fingers", "r-index", "--force", "--no-service"]) == 0
    assert cli.main(["enroll", "--fingers", "r-index", "--force", "--no-service"]) == 0  # twice within a second
    copies = sorted(home.glob("wallet.replaced-*.json"), key=lambda p: p.stat().st_mtime_ns)
    assert len(copies) == 2 and copies[0].read_bytes() != copies[1].read_bytes()
    first = json.loads(copies[0].read_text())
    assert (first["card_pubkey"], first["blob"]) == (old["card_pubkey"], old["blob"])
    assert state.load(home)["card_pubkey"] == OTHER.hex()


def test_backup_restore_over_another_wallet_is_refused_then_forced_with_a_copy(home, tmp_path, capsys):
    _wallet(home, secret=None)
    assert cli.main(["backup", "export", str(tmp_path / "mine.json")]) == 0
    other = json.loads((tmp_path / "mine.json").read_text())
    other.update(card_pubkey=OTHER.hex(), host_pubkey=None)
    del other["host_pubkey"], other["descriptor"]
    (tmp_path / "other.json").write_text(json.dumps(other))
    before = _files(home)
    assert cli.main(["backup", "restore", str(tmp_path / "other.json")]) == BadInputError.exit_code
    assert "--force" in capsys.readouterr().err
    assert _files(home) == before
    # the same data again is no replacement
    assert cli.main(["backup", "restore", str(tmp_path / "mine.json")]) == 0
    assert _files(home) == before
    assert cli.main(["backup", "restore", str(tmp_path / "other.json"), "--force"]) == 0
    copies = list(home.glob("wallet.replaced-*.json"))
    assert len(copies) == 1 and copies[0].read_bytes() == before["wallet.json"]
    assert state.load(home)["card_pubkey"] == OTHER.hex()


def test_backup_export_never_overwrites_another_backup(home, tmp_path, monkeypatch, capsys):
    _wallet(home)
    f = tmp_path / "backup.json"
    assert cli.main(["backup", "export", str(f)]) == 0
    assert cli.main(["backup", "export", str(f)]) == 0  # the same backup again: fine
    first = f.read_bytes()
    card = FakeCard({"enroll": {"pubkey": OTHER, "blob": BLOB}})
    _use(monkeypatch, enroll_cmd, card)
    assert cli.main(["enroll", "--fingers", "r-index", "--force", "--no-service"]) == 0
    assert cli.main(["backup", "export", str(f)]) == BadInputError.exit_code
    assert f.read_bytes() == first  # the old card key's only backup is still there
    assert cli.main(["backup", "export", str(f), "--force"]) == 0
    kept = list(tmp_path.glob("backup.replaced-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == first
    assert json.loads(f.read_text())["card_pubkey"] == OTHER.hex()


def test_backup_restore_refuses_a_backup_of_another_secret_a(home, tmp_path, capsys):
    _wallet(home)  # this computer's keystore holds A
    theirs = {"bioshard_backup": 1, "card_pubkey": B.hex(), "blob": BLOB.hex(), "network": "regtest",
              "host_pubkey": OTHER.hex(), "descriptor": str(Descriptor.hd_from_keys([OTHER, B], "regtest"))}
    (tmp_path / "theirs.json").write_text(json.dumps(theirs))
    before = _files(home)
    for extra in ([], ["--force"]):
        assert cli.main(["backup", "restore", str(tmp_path / "theirs.json"), *extra]) == BadInputError.exit_code
        assert "not this computer's Secret A" in capsys.readouterr().err
    assert _files(home) == before


# ---- item 2: Secret A's own backup ---------------------------------------------------------

def test_secret_a_words_are_bip39_of_secret_a_and_restore_on_a_new_computer(home, tmp_path, monkeypatch, capsys):
    _wallet(home)
    assert cli.main(["backup", "export", str(tmp_path / "backup.json")]) == 0
    capsys.readouterr()
    assert cli.main(["wallet", "backup-secret", "--words"]) == 0
    words = capsys.readouterr().out.strip()
    assert len(words.split()) == 24
    assert bip39.mnemonic_to_bytes(words) == A_SK  # embit's BIP-39 decodes Secret A itself
    new = tmp_path / "new-computer"
    monkeypatch.setenv("BIOSHARD_HOME", str(new))
    assert cli.main(["backup", "restore", str(tmp_path / "backup.json")]) == 0
    assert "restore-secret" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(words.upper() + "\n"))
    assert cli.main(["wallet", "restore-secret", "--words"]) == 0
    assert keystore.load(state.secret_path(new), PW) == A_SK


def test_secret_a_words_with_a_wrong_word_or_order_are_refused(home, monkeypatch, capsys):
    words = bip39.mnemonic_from_bytes(A_SK).split()
    for bad in (words[1:] + words[:1], words[:23] + ["abandon" if words[23] != "abandon" else "ability"],
                words[:23] + ["bitcoinx"], words[:12]):
        monkeypatch.setattr(sys, "stdin", io.StringIO(" ".join(bad) + "\n"))
        assert cli.main(["wallet", "restore-secret", "--words"]) == BadInputError.exit_code
        assert "word" in capsys.readouterr().err
    assert not state.secret_path(home).exists()


def test_secret_a_file_backup_round_trip_and_checks(home, tmp_path, monkeypatch, capsys):
    _wallet(home)
    f = tmp_path / "secret-a.backup"
    assert cli.main(["wallet", "backup-secret", str(f)]) == 0
    assert A_SK.hex() not in f.read_text()
    before = f.read_bytes()
    assert cli.main(["wallet", "backup-secret", str(f)]) == BadInputError.exit_code  # never overwritten
    assert f.read_bytes() == before
    new = tmp_path / "new-computer"
    monkeypatch.setenv("BIOSHARD_HOME", str(new))
    monkeypatch.setenv("BIOSHARD_BACKUP_PASSPHRASE", "not the backup passphrase")
    assert cli.main(["wallet", "restore-secret", str(f)]) == 8
    monkeypatch.setenv("BIOSHARD_BACKUP_PASSPHRASE", BACKUP_PW)
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", "short")  # the new keystore's passphrase must be strong
    assert cli.main(["wallet", "restore-secret", str(f)]) == BadInputError.exit_code
    assert "too weak" in capsys.readouterr().err and not state.secret_path(new).exists()
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", "new computer passphrase")
    assert cli.main(["wallet", "restore-secret", str(f)]) == 0
    assert keystore.load(state.secret_path(new), "new computer passphrase") == A_SK
    # into a computer holding another wallet: refused
    other = tmp_path / "other"
    monkeypatch.setenv("BIOSHARD_HOME", str(other))
    _wallet(other, host=OTHER, secret=None)
    assert cli.main(["wallet", "restore-secret", str(f)]) == BadInputError.exit_code
    assert "not the key of this computer's wallet" in capsys.readouterr().err


def test_on_a_new_computer_sign_points_to_restoring_secret_a(home, tmp_path, capsys):
    _wallet(home, secret=None)  # wallet.json restored from its backup, no Secret A yet
    psbt = tmp_path / "x.psbt"
    from bioshard.wallet.psbt_build import HdUtxo, build_hd

    d = Descriptor(state.load(home)["descriptor"])
    psbt.write_bytes(build_hd(d, [HdUtxo("11" * 32, 0, 50_000, d, 0)], [(bytes.fromhex("0014") + bytes(20), 40_000)],
                              None).serialize())
    assert cli.main(["sign", str(psbt)]) == BadInputError.exit_code
    err = capsys.readouterr().err
    assert "restore-secret" in err and "wallet create" not in err


def test_wallet_create_refuses_to_make_another_wallet_over_a_restored_one(home, monkeypatch, capsys):
    _wallet(home, secret=None)
    before = _files(home)
    card = FakeCard({})
    _use(monkeypatch, _wallet_setup, card)
    assert cli.main(["wallet", "create"]) == BadInputError.exit_code
    assert "restore-secret" in capsys.readouterr().err
    assert card.calls == [] and _files(home) == before


def test_wallet_create_force_keeps_the_replaced_secret_a(home, monkeypatch):
    _wallet(home)
    old = state.secret_path(home).read_bytes()
    card = _create_card(lambda params: {"address": _receive0(home), "confirmed": True})
    _use(monkeypatch, _wallet_setup, card)
    assert cli.main(["wallet", "create"]) == BadInputError.exit_code  # a Secret A is there
    assert cli.main(["wallet", "create", "--force"]) == 0
    kept = list(home.glob("secret_a.replaced-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == old
    assert keystore.load(kept[0], PW) == A_SK  # the old Secret A is still there to spend its coins
    assert keystore.load(state.secret_path(home), PW) != A_SK


# ---- item 3: pairing a card for an existing wallet -----------------------------------------

class _PairCard:
    client = None

    def info(self):
        return {"name": "bioshard-TEST", "version": "t"}


@pytest.mark.parametrize("has_wallet,want", [(True, "Next: bioshard recover"), (False, "Next: bioshard enroll")])
def test_after_pairing_the_next_step_depends_on_an_existing_wallet(home, monkeypatch, capsys, has_wallet, want):
    if has_wallet:
        _wallet(home)
    monkeypatch.setattr(pair_cmd, "connect", lambda spec, **kw: contextlib.nullcontext(_PairCard()))
    monkeypatch.setattr(pair_cmd.pairing, "pair_card", lambda client, ask, show_code=None: "record")
    monkeypatch.setattr(pair_cmd.pairing, "save_record", lambda record: None)
    assert cli.main(["pair", "--code", "123456"]) == 0
    assert want in capsys.readouterr().out


# ---- item 6: no confirmation on the card, no success ---------------------------------------

def _create_card(address_show):
    def wallet_set(params):
        return {"output_key": wallet_keys(params["participants"])[2]}

    return FakeCard({"wallet.set": wallet_set, "address.show": address_show})


def _receive0(home):
    d = Descriptor(state.load(home)["descriptor"])
    return d.address(0, False, "regtest")


@pytest.mark.parametrize("answer,code,text", [
    ("button", CardRefusedError.exit_code, "rejected on the card"),
    ("timeout", CardTimeoutError.exit_code, "not confirmed on the card"),
])
def test_wallet_create_without_the_owners_confirmation_fails(home, monkeypatch, capsys, answer, code, text):
    state.save({"card_pubkey": B.hex(), "blob": BLOB.hex(), "network": "regtest"}, home)

    def address_show(params):
        if answer == "timeout":
            raise CardTimeoutError("card refused address.show: no answer on the card (user timeout)")
        return {"address": _receive0(home), "confirmed": False}

    _use(monkeypatch, _wallet_setup, _create_card(address_show))
    assert cli.main(["wallet", "create"]) == code
    out, err = capsys.readouterr()
    assert "card shows the same: yes" not in out and text in err
    assert "show-address" in err


def test_wallet_create_with_the_owners_confirmation_succeeds(home, monkeypatch, capsys):
    state.save({"card_pubkey": B.hex(), "blob": BLOB.hex(), "network": "regtest"}, home)
    card = _create_card(lambda params: {"address": _receive0(home), "confirmed": True})
    _use(monkeypatch, _wallet_setup, card)
    assert cli.main(["wallet", "create"]) == 0
    assert "confirmed on the card" in capsys.readouterr().out
    assert card.calls == ["wallet.set", "address.show"]
