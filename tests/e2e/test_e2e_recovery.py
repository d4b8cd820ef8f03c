"""The two recoveries of docs/recovery.md end to end on the simulated card, through the CLI
(issue #10 item 2). The signed transactions are checked with code we did not write (embit's
BIP-341 sighash, libsecp256k1's verify; see test_e2e_card.verify_independently).

  lost computer: a new home, the same card. The card re-opens pairing (button held), the new
  computer pairs, restores the helper blob backup and Secret A from its encrypted file
  (`sign` before that names the restore, `wallet create` refuses to make another wallet),
  then co-signs with the same card.
  lost card: a new card for that computer. Pairing says `bioshard recover`, `enroll` is
  refused, `backup restore` + `recover` with the same finger and the card factor from the
  backup service (email code), then co-sign.
  words: a third computer restores Secret A from its 24 words and co-signs with the new card.
"""
import io
import json

import pytest

from bioshard import cli, pairing
from bioshard.commands import _service
from bioshard.errors import BadInputError
from bioshard.facepass.client import BackupClient, HttpxTransport
from bioshard.sim.runner import SimCard
from bioshard_backup.testing import Harness
from bioshard_card.storage import RecordStore
from bioshard_card.wallet_record import WalletRecord

from test_e2e_card import R_INDEX, assert_signed_by, spend, tap, verify_independently

pytestmark = pytest.mark.slow

BACKUP_PW = "secret a backup passphrase"
OWNER = "owner@example.org"
SERVICE = "https://backup.example.org"


def card_factor_on_flash(state_dir):
    """The card factor the card keeps in its wallet record (read from its simulated flash)."""
    return WalletRecord.from_bytes(RecordStore(str(state_dir / "flash")).read("wallet")).factor


def _last_line(capsys):
    return capsys.readouterr().out.strip().splitlines()[-1]


def _sign(sim, home, txid, first_press, capsys):
    psbt, d, amount_in = spend(home, txid=txid)
    with sim.owner([R_INDEX], first=first_press) as owner:  # the owner answers the card's screens
        assert cli.main(["sign", psbt, "--card", "sim:" + sim.ble_path]) == 0
    verify_independently(_last_line(capsys), d.output_key(), amount_in)
    assert_signed_by(owner, taps=3, fingers=[R_INDEX])


def test_lost_computer_then_lost_card(tmp_path, monkeypatch, capsys):
    home1, home2 = tmp_path / "home1", tmp_path / "home2"
    monkeypatch.setenv("BIOSHARD_HOME", str(home1))
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", "first computer passphrase")
    monkeypatch.setenv("BIOSHARD_BACKUP_PASSPHRASE", BACKUP_PW)
    orig = pairing.HostPairing.confirm_code  # the owner reads the card's code and types it
    monkeypatch.setattr(pairing.HostPairing, "confirm_code", lambda self, typed: orig(self, self.code))
    backup, secret_file = tmp_path / "backup.json", tmp_path / "secret-a.backup"
    h = Harness()  # bioshard-backup in-process; the owner's mailbox is its outbox
    monkeypatch.setattr(_service, "connect_service", lambda url: BackupClient(HttpxTransport(h.client)))
    monkeypatch.setattr(_service, "ask_code", h.last_code)
    monkeypatch.delenv("BIOSHARD_BACKUP_TOKEN", raising=False)

    with SimCard(state_dir=tmp_path / "card1", screens_dir=tmp_path / "screens1") as sim:
        card = "sim:" + sim.ble_path
        sim.queue(tap())
        assert cli.main(["pair", "--card", card, "--code", "000000"]) == 0
        assert "Next: bioshard enroll" in capsys.readouterr().out
        with sim.owner([R_INDEX]) as owner:
            assert cli.main(["enroll", "--card", card, "--fingers", "r-index", "--network", "regtest",
                             "--service", SERVICE, "--email", OWNER]) == 0
        assert owner.count(R_INDEX) >= 8
        sim.queue(tap(1))
        assert cli.main(["wallet", "create", "--card", card]) == 0
        wallet = json.loads((home1 / "wallet.json").read_text())
        assert wallet["card_factor"] == {"service": SERVICE, "email": OWNER}
        assert cli.main(["backup", "export", str(backup)]) == 0
        assert cli.main(["wallet", "backup-secret", str(secret_file)]) == 0
        capsys.readouterr()
        assert cli.main(["wallet", "backup-secret", "--words"]) == 0
        words = capsys.readouterr().out.strip()
        assert sim.clear_queue() == 0
        # the factor is on the card only: nothing the computer or its backups hold contains it
        factor = card_factor_on_flash(tmp_path / "card1")
        assert factor is not None
        for f in [*home1.iterdir(), backup, secret_file]:
            assert factor not in f.read_bytes() and factor.hex().encode() not in f.read_bytes()

        # ---- lost computer: a new home, the same card ----------------------------------------
        monkeypatch.setenv("BIOSHARD_HOME", str(home2))
        monkeypatch.setenv("BIOSHARD_PASSPHRASE", "second computer passphrase")
        sim.press_button(hold_s=2.8)  # held: the paired card opens pairing for a new computer
        sim.queue(*[tap(2 + i) for i in range(2)])  # confirm the code (and a replace page, if shown)
        assert cli.main(["pair", "--card", card, "--code", "000000"]) == 0
        sim.clear_queue()
        assert cli.main(["backup", "restore", str(backup)]) == 0
        assert "restore-secret" in capsys.readouterr().out
        psbt, _, _ = spend(home2, txid=0x71)
        assert cli.main(["sign", psbt, "--card", card]) == BadInputError.exit_code
        err = capsys.readouterr().err
        assert "restore-secret" in err and "wallet create" not in err
        assert cli.main(["wallet", "create", "--card", card]) == BadInputError.exit_code
        assert not (home2 / "secret_a.json").exists()
        assert cli.main(["wallet", "restore-secret", str(secret_file)]) == 0
        assert json.loads((home2 / "wallet.json").read_text())["host_pubkey"] == wallet["host_pubkey"]
        _sign(sim, home2, 0x72, 8, capsys)

    # ---- lost card: a new card for the second computer ----------------------------------------
    with SimCard(state_dir=tmp_path / "card2", screens_dir=tmp_path / "screens2") as sim2:
        card2 = "sim:" + sim2.ble_path
        sim2.queue(tap())
        assert cli.main(["pair", "--card", card2, "--code", "000000"]) == 0
        assert "Next: bioshard recover" in capsys.readouterr().out
        before = (home2 / "wallet.json").read_bytes()
        assert cli.main(["enroll", "--card", card2, "--fingers", "r-index"]) == BadInputError.exit_code
        assert (home2 / "wallet.json").read_bytes() == before
        assert cli.main(["backup", "restore", str(backup)]) == 0  # the same wallet: nothing replaced
        assert not list(home2.glob("wallet.replaced-*"))
        # a wrong email code: the service refuses, the card keeps nothing, the wallet is unchanged
        monkeypatch.setattr(_service, "ask_code", lambda email: "000000")
        assert cli.main(["recover", "--card", card2]) == 10
        assert "backup service" in capsys.readouterr().err
        monkeypatch.setattr(_service, "ask_code", h.last_code)
        with sim2.owner([R_INDEX], first=9) as owner:
            assert cli.main(["recover", "--card", card2]) == 0
        assert owner.sequence() == [R_INDEX]
        assert wallet["card_pubkey"] in capsys.readouterr().out
        assert card_factor_on_flash(tmp_path / "card2") == factor  # from the service, blinded
        evals = [r[0] for r in h.rows("SELECT action FROM audit") if r[0] == "oprf_card_eval"]
        assert len(evals) == 2  # one at enrollment, one for the new card
        _sign(sim2, home2, 0x73, 10, capsys)

        # ---- and a third computer from the 24 words, with the new card ---------------------
        home3 = tmp_path / "home3"
        monkeypatch.setenv("BIOSHARD_HOME", str(home3))
        sim2.press_button(hold_s=2.8)
        sim2.queue(*[tap(30 + i) for i in range(2)])
        assert cli.main(["pair", "--card", card2, "--code", "000000"]) == 0
        sim2.clear_queue()
        assert cli.main(["backup", "restore", str(backup)]) == 0
        monkeypatch.setattr("sys.stdin", io.StringIO(words + "\n"))
        assert cli.main(["wallet", "restore-secret", "--words"]) == 0
        _sign(sim2, home3, 0x74, 11, capsys)


def test_enroll_when_the_service_fails_after_the_presses_saves_nothing(tmp_path, monkeypatch, capsys):
    """The service answers the sign-in but not the evaluation (rate limit): exit 10, a message
    that says nothing was saved, no wallet.json here and no wallet record on the card."""
    home = tmp_path / "home"
    monkeypatch.setenv("BIOSHARD_HOME", str(home))
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", "first computer passphrase")
    orig = pairing.HostPairing.confirm_code
    monkeypatch.setattr(pairing.HostPairing, "confirm_code", lambda self, typed: orig(self, self.code))
    h = Harness()
    monkeypatch.setattr(_service, "connect_service", lambda url: BackupClient(HttpxTransport(h.client)))
    monkeypatch.setattr(_service, "ask_code", h.last_code)
    monkeypatch.delenv("BIOSHARD_BACKUP_TOKEN", raising=False)
    hdr = h.login(OWNER)
    h.client.post("/v1/oprf/card/key", headers=hdr)
    for _ in range(5):  # the hour's evaluations are spent
        h.client.post("/v1/oprf/card/eval", json={"blinded": "02" + "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
                      headers=hdr)
    with SimCard(state_dir=tmp_path / "card", screens_dir=tmp_path / "screens") as sim:
        card = "sim:" + sim.ble_path
        sim.queue(tap())
        assert cli.main(["pair", "--card", card, "--code", "000000"]) == 0
        capsys.readouterr()
        with sim.owner([R_INDEX]) as owner:
            assert cli.main(["enroll", "--card", card, "--fingers", "r-index", "--network", "regtest",
                             "--service", SERVICE, "--email", OWNER]) == 10
        assert owner.count(R_INDEX) >= 8  # the presses were taken before the service failed
        err = capsys.readouterr().err
        assert "nothing was saved" in err and "Traceback" not in err
        assert not (home / "wallet.json").exists()
        assert not (tmp_path / "card" / "flash" / "wallet").exists()
