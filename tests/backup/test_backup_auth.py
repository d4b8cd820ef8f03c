"""bioshard-backup accounts: email codes (hashed, 10 min, 5 tries), tokens (hashed, 1 h),
rate limits in the database (429 + Retry-After, surviving a restart)."""
import sys
from pathlib import Path

import pytest

try:
    import bioshard_backup  # noqa: F401
except ImportError:  # until pyproject maps host/bioshard_backup into the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host"))
pytest.importorskip("fastapi", reason="fastapi is not installed (pip install fastapi uvicorn httpx)")
from bioshard_backup.clock import FakeClock
from bioshard_backup.testing import Harness

EMAIL = "owner@example.org"


def start(h, email=EMAIL, client=None):
    return (client or h.client).post("/v1/auth/start", json={"email": email})


def verify(h, code, email=EMAIL):
    return h.client.post("/v1/auth/verify", json={"email": email, "code": code})


def mailed():
    """A fresh service that has mailed a sign-in code to EMAIL: (harness, code)."""
    h = Harness()
    start(h)
    return h, h.last_code(EMAIL)


def wrong(code):
    return f"{(int(code) + 1) % 10**6:06d}"


def test_code_is_mailed_six_digits_and_only_its_hmac_is_stored():
    h = Harness()
    assert start(h, "  Owner@Example.ORG ").json() == {}
    msg = h.outbox.messages[-1]
    assert msg["to"] == EMAIL
    code = h.last_code(EMAIL)
    assert len(code) == 6 and code.isdigit()
    (row,) = h.rows("SELECT * FROM codes")
    assert all(code not in str(v) for v in row)
    assert row[1] == h.keyring.code_mac(EMAIL, code) != h.keyring.code_mac("x@y.org", code)
    r = verify(h, code)
    assert r.status_code == 200
    body = r.json()
    assert body["expires_in"] == 3600 and len(bytes.fromhex(body["token"])) == 32
    assert h.rows("SELECT * FROM codes") == []  # consumed
    assert verify(h, code).status_code == 401


def test_token_stored_hashed_and_expires_after_an_hour():
    h = Harness()
    hdr = h.login(EMAIL)
    token = hdr["Authorization"].split()[1]
    assert all(token not in str(v) for row in h.rows("SELECT * FROM tokens") for v in row)
    assert h.client.post("/v1/checkin", headers=hdr).status_code == 200
    h.clock.advance(3599)
    assert h.client.post("/v1/checkin", headers=hdr).status_code == 200
    h.clock.advance(1)
    r = h.client.post("/v1/checkin", headers=hdr)
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"
    for bad in ({}, {"Authorization": "Bearer " + "0" * 64}, {"Authorization": "Basic abc"}):
        r = h.client.post("/v1/checkin", headers=bad)
        assert r.status_code == 401 and set(r.json()["error"]) == {"code", "message"}


def test_code_expires_after_ten_minutes():
    h, code = mailed()
    h.clock.advance(600)
    r = verify(h, code)
    assert r.status_code == 401 and r.json()["error"]["code"] == "code_invalid"


def test_four_wrong_tries_then_right_code_works():
    h, code = mailed()
    for _ in range(4):
        assert verify(h, wrong(code)).json()["error"]["code"] == "code_wrong"
    assert verify(h, code).status_code == 200


def test_five_wrong_tries_kill_the_code():
    h, code = mailed()
    for _ in range(5):
        assert verify(h, wrong(code)).status_code == 401
    r = verify(h, code)
    assert r.status_code == 401 and r.json()["error"]["code"] == "code_invalid"


def test_a_new_code_replaces_the_old_one():
    h, old = mailed()
    start(h)
    new = h.last_code(EMAIL)
    if old != new:  # 1 in a million they collide
        assert verify(h, old).status_code == 401
    assert verify(h, new).status_code == 200


@pytest.mark.parametrize("body", [{"email": "no-at-sign"}, {"email": 5}, {}, {"email": "a@b.c", "x": 1},
                                  {"email": "a" * 250 + "@b.org"}])
def test_bad_auth_input_is_400(body):
    r = Harness().client.post("/v1/auth/start", json=body)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_input"


def test_bad_code_format_is_400():
    h = Harness()
    start(h)
    for code in ("12345", "1234567", "abcdef", "12 456"):
        assert verify(h, code).status_code == 400


def test_start_rate_limited_per_email_with_retry_after_and_survives_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    clock = FakeClock()
    key = b"\x07" * 32
    h = Harness(url, key, clock)
    for i in range(5):
        assert start(h).status_code == 200
        clock.advance(60)
    r = start(h)
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) == 3600 - 5 * 60
    h.db.close()
    h2 = Harness(url, key, clock)  # a restarted service on the same database
    r = start(h2)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) == 3600 - 5 * 60
    assert start(h2, "other@example.org").status_code == 200  # per email
    clock.advance(3600 - 5 * 60)
    assert start(h2).status_code == 200  # the first event left the hour window


def test_start_rate_limited_per_client_address():
    h = Harness()
    for i in range(20):
        assert start(h, f"u{i}@example.org").status_code == 200
    r = start(h, "u99@example.org")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) == 3600
    other = h.client_from("192.0.2.99")
    assert start(h, "u99@example.org", client=other).status_code == 200


def test_daily_start_limit_per_email():
    h = Harness()
    for i in range(20):
        assert start(h).status_code == 200
        h.clock.advance(3600 // 5 + 1)  # stay under the hourly limit
    r = start(h)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) == 86400 - 20 * (3600 // 5 + 1)  # first event leaves the day


def test_mail_failure_is_503_and_says_nothing_of_the_code(monkeypatch):
    h = Harness()

    def broken(to, subject, body):
        raise OSError("smtp down: " + body)

    monkeypatch.setattr(h.outbox, "send", broken)
    r = start(h)
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
    assert "smtp" not in r.text and not any(ch.isdigit() for ch in r.json()["error"]["message"])
