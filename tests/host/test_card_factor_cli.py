"""`bioshard enroll` / `recover` and the backup service of the card factor: what a user gets
wrong is a one-line error with its exit code, and nothing is written."""
import json

import pytest

from bioshard import cli
from bioshard.errors import BadInputError

SERVICE_ERROR = 10  # bioshard.facepass.client.ServiceError.exit_code


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("BIOSHARD_HOME", str(h))
    for k in ("BIOSHARD_BACKUP_URL", "BIOSHARD_EMAIL", "BIOSHARD_BACKUP_TOKEN"):
        monkeypatch.delenv(k, raising=False)
    return h


@pytest.mark.parametrize("argv, says", [
    ([], "--no-service"),
    (["--service", "http://backup.example.org", "--email", "a@example.org"], "must be https://"),
    (["--service", "https://backup.example.org"], "no email"),
])
def test_enroll_refuses_a_missing_or_unsafe_service_before_the_card(home, capsys, argv, says):
    assert cli.main(["enroll", "--card", "sim:/nonexistent.sock", *argv]) == BadInputError.exit_code
    err = capsys.readouterr().err.strip()
    assert says in err and "\n" not in err and "Traceback" not in err
    assert list(home.iterdir()) == []


def test_recover_of_a_factor_wallet_with_the_service_unreachable_changes_nothing(home, capsys, monkeypatch):
    doc = {"version": 1, "card_pubkey": "02" + "11" * 32, "blob": "00", "network": "regtest",
           "card_factor": {"service": "https://127.0.0.1:9", "email": "a@example.org"}}
    (home / "wallet.json").write_text(json.dumps(doc))
    before = (home / "wallet.json").read_bytes()
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("123456\n"))
    assert cli.main(["recover", "--card", "sim:/nonexistent.sock"]) == SERVICE_ERROR
    err = capsys.readouterr().err
    assert "cannot reach https://127.0.0.1:9" in err and "Traceback" not in err
    assert (home / "wallet.json").read_bytes() == before
