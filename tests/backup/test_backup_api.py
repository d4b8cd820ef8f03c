"""bioshard-backup owner API: blobs, OPRF key + evaluation (checked against the client-side
math and k·G), eval rate limits, keys wrapped at rest, append-only audit without secrets."""
import hashlib
import sqlite3
import sys
from pathlib import Path

import pytest
from coincurve import PublicKey

try:
    import bioshard_backup  # noqa: F401
except ImportError:  # until pyproject maps host/bioshard_backup into the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host"))
pytest.importorskip("fastapi", reason="fastapi is not installed (pip install fastapi uvicorn httpx)")
from bioshard_backup import oprf
from bioshard_backup.keys import Keyring
from bioshard_backup.testing import Harness

EMAIL = "owner@example.org"
G = PublicKey.from_secret((1).to_bytes(32, "big")).format()


@pytest.fixture
def h():
    return Harness()


@pytest.fixture
def hdr(h):
    return h.login(EMAIL)


def test_blobs_versioned_per_owner_and_name(h, hdr):
    c = h.client
    assert c.get("/v1/blobs/facepass", headers=hdr).status_code == 404
    assert c.put("/v1/blobs/facepass", json={"data": "00ff"}, headers=hdr).json() == {"version": 1}
    assert c.put("/v1/blobs/facepass", json={"data": "abcd01"}, headers=hdr).json() == {"version": 2}
    assert c.put("/v1/blobs/fingerprint", json={"data": ""}, headers=hdr).json() == {"version": 1}
    assert c.get("/v1/blobs/facepass", headers=hdr).json() == {"data": "abcd01", "version": 2}
    other = h.login("other@example.org")
    assert c.get("/v1/blobs/facepass", headers=other).status_code == 404


@pytest.mark.parametrize("name,data,status", [
    ("facepass", "ab" * 65536, 200), ("facepass", "ab" * 65537, 400), ("facepass", "ABCD", 400),
    ("facepass", "abc", 400), ("facepass", "zz", 400), ("secret_a", "00", 400)])
def test_blob_input_checks(h, hdr, name, data, status):
    r = h.client.put(f"/v1/blobs/{name}", json={"data": data}, headers=hdr)
    assert r.status_code == status
    if status != 200:
        assert r.json()["error"]["code"] == "bad_input"


def test_owner_oprf_end_to_end(h, hdr):
    c = h.client
    r = c.post("/v1/oprf/owner/eval", json={"blinded": G.hex()}, headers=hdr)
    assert r.status_code == 404
    pub = c.post("/v1/oprf/owner/key", headers=hdr).json()["public_key"]
    assert c.post("/v1/oprf/owner/key", headers=hdr).status_code == 409
    # Evaluating the generator returns k·G: the service used the key it published.
    r = c.post("/v1/oprf/owner/eval", json={"blinded": G.hex()}, headers=hdr)
    assert r.json()["evaluated"] == pub
    outs = set()
    for _ in range(2):
        rr, blinded = oprf.blind(b"face embedding")
        ev = bytes.fromhex(c.post("/v1/oprf/owner/eval", json={"blinded": blinded.hex()},
                                  headers=hdr).json()["evaluated"])
        outs.add(oprf.finalize(b"face embedding", rr, ev))
    assert len(outs) == 1  # blinding does not change the output
    # Independent check with the unwrapped key: SHA256(tag || input || k·H(input)).
    (wrapped,) = h.rows("SELECT wrapped FROM oprf_keys WHERE key_ref = ?", ("owner:" + EMAIL,))[0]
    k = h.keyring.unwrap("owner:" + EMAIL, wrapped)
    assert PublicKey.from_secret(k).format().hex() == pub
    kh = PublicKey(oprf.hash_to_curve(b"face embedding")).multiply(k).format()
    assert outs == {hashlib.sha256(oprf.OUT_TAG + b"face embedding" + kh).digest()}
    # A second owner gets a different key, hence a different output for the same face.
    other = h.login("other@example.org")
    assert c.post("/v1/oprf/owner/key", headers=other).json()["public_key"] != pub


@pytest.mark.parametrize("blinded", ["02" + "ff" * 32, "04" + "11" * 32, "02" + "11" * 31, "", "XX"])
def test_eval_rejects_bad_points(h, hdr, blinded):
    h.client.post("/v1/oprf/owner/key", headers=hdr)
    r = h.client.post("/v1/oprf/owner/eval", json={"blinded": blinded}, headers=hdr)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_input"


def test_eval_rate_limit_five_per_hour_twenty_per_day(h, hdr):
    c = h.client
    c.post("/v1/oprf/owner/key", headers=hdr)
    ev = lambda: c.post("/v1/oprf/owner/eval", json={"blinded": G.hex()}, headers=hdr)
    for hour in range(4):
        hdr = h.login(EMAIL)  # tokens last an hour
        for _ in range(5):
            assert ev().status_code == 200
        r = ev()
        # The hour is full; in the 4th hour the day is full too and its wait is longer.
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) == (3600 if hour < 3 else 86400 - 3 * 3600)
        h.clock.advance(3600)
    hdr = h.login(EMAIL)
    r = ev()
    assert r.status_code == 429  # 20 in the last day although the hour is fresh
    assert int(r.headers["Retry-After"]) == 86400 - 4 * 3600


def test_keys_wrapped_under_the_master_key_and_bound_to_their_row(h, hdr):
    pub = h.client.post("/v1/oprf/owner/key", headers=hdr).json()["public_key"]
    ((ref, wrapped),) = h.rows("SELECT key_ref, wrapped FROM oprf_keys")
    k = h.keyring.unwrap(ref, wrapped)
    assert bytes(k) not in bytes(wrapped)
    with pytest.raises(Exception):
        Keyring(b"\x01" * 32).unwrap(ref, wrapped)  # another master key
    with pytest.raises(Exception):
        h.keyring.unwrap("owner:other@example.org", wrapped)  # moved to another row
    assert PublicKey.from_secret(bytes(k)).format().hex() == pub


def test_checkin_returns_server_time(h, hdr):
    h.clock.advance(123)
    assert h.client.post("/v1/checkin", headers=hdr).json() == {"last_seen": h.clock.now()}
    assert h.rows("SELECT last_seen FROM accounts WHERE email = ?", (EMAIL,)) == [(h.clock.now(),)]


def test_unknown_route_and_bad_body_use_the_error_format(h, hdr):
    r = h.client.get("/v1/nothing", headers=hdr)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = h.client.put("/v1/blobs/facepass", content=b"not json", headers=hdr)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_input"


def test_audit_log_has_actions_but_no_secrets_and_is_append_only(tmp_path):
    h = Harness(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    hdr = h.login(EMAIL)
    code = h.last_code(EMAIL)
    token = hdr["Authorization"].split()[1]
    blob = "5ec7e7" * 20
    h.client.put("/v1/blobs/facepass", json={"data": blob}, headers=hdr)
    h.client.get("/v1/blobs/fingerprint", headers=hdr)
    pub = h.client.post("/v1/oprf/owner/key", headers=hdr).json()["public_key"]
    h.client.post("/v1/oprf/owner/eval", json={"blinded": G.hex()}, headers=hdr)
    h.client.post("/v1/auth/verify", json={"email": EMAIL, "code": "000000"})
    rows = h.rows("SELECT at, email_hash, action, outcome, client FROM audit ORDER BY id")
    actions = [(a, o) for _, _, a, o, _ in rows]
    assert ("blob_put:facepass", "ok") in actions
    assert ("blob_get:fingerprint", "not_found") in actions
    assert ("oprf_owner_key", "ok") in actions and ("oprf_owner_eval", "ok") in actions
    assert ("auth_verify", "code_invalid") in actions  # a refusal is logged too
    assert {r[4] for r in rows} == {"198.51.100.7"}
    assert {r[1] for r in rows} == {h.keyring.email_hash(EMAIL)}
    dump = "\n".join(str(r) for r in rows)
    for secret in (code, token, blob, pub, EMAIL):
        assert secret not in dump
    con = sqlite3.connect(tmp_path / "a.sqlite3")
    for sql in ("UPDATE audit SET outcome = 'x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(sql)


def test_oversized_bodies_are_refused_413_declared_or_streamed(h, hdr):
    big = b'{"data":"' + b"00" * 90000 + b'"}'
    json_hdr = dict(hdr, **{"content-type": "application/json"})
    r = h.client.put("/v1/blobs/facepass", content=big, headers=json_hdr)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"

    def chunks(n):  # no Content-Length: the limit must count streamed bytes
        yield b'{"data":"'
        for _ in range(n):
            yield b"00" * 1000
        yield b'"}'

    r = h.client.put("/v1/blobs/facepass", content=chunks(100), headers=json_hdr)
    assert r.status_code == 413
    assert h.client.get("/v1/blobs/facepass", headers=hdr).status_code == 404
    assert h.client.put("/v1/blobs/facepass", content=chunks(10), headers=json_hdr).json() == {"version": 1}


def test_rate_limit_holds_under_concurrent_requests(h, hdr):
    from concurrent.futures import ThreadPoolExecutor

    h.client.post("/v1/oprf/owner/key", headers=hdr)
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: h.client.post("/v1/oprf/owner/eval", json={"blinded": G.hex()},
                                                      headers=hdr).status_code, range(16)))
    assert sorted(codes) == [200] * 5 + [429] * 11


def test_scheduler_thread_sends_due_notices(h, hdr):
    import time

    from bioshard_backup import scheduler

    heir_id = h.client.post("/v1/heirs", json={"heir_email": "heir@example.org"}, headers=hdr).json()["heir_id"]
    h.clock.advance(days=365 - 30)
    stop = scheduler.start_thread(h.db, h.outbox, h.clock, interval=0.05)
    try:
        for _ in range(200):
            if h.rows("SELECT days FROM notices WHERE heir_id = ?", (heir_id,)):
                break
            time.sleep(0.05)
    finally:
        stop.set()
    assert h.rows("SELECT days FROM notices WHERE heir_id = ?", (heir_id,)) == [(30,)]
    assert [m["to"] for m in h.outbox.messages if "inheritance" in m["subject"]] == [EMAIL]


def test_card_factor_key_is_its_own(h, hdr):
    """The card factor's OPRF key: needs the email check, is created once, differs from the
    face pass's key, and has its own rate limit (5 per hour) that face-pass use cannot spend."""
    c = h.client
    assert c.post("/v1/oprf/card/key").status_code == 401
    assert c.post("/v1/oprf/card/eval", json={"blinded": G.hex()}, headers=hdr).status_code == 404
    card_pub = c.post("/v1/oprf/card/key", headers=hdr).json()["public_key"]
    assert c.post("/v1/oprf/card/key", headers=hdr).status_code == 409
    owner_pub = c.post("/v1/oprf/owner/key", headers=hdr).json()["public_key"]
    assert card_pub != owner_pub
    assert c.post("/v1/oprf/card/eval", json={"blinded": G.hex()}, headers=hdr).json()["evaluated"] == card_pub
    for _ in range(4):
        assert c.post("/v1/oprf/card/eval", json={"blinded": G.hex()}, headers=hdr).status_code == 200
    assert c.post("/v1/oprf/card/eval", json={"blinded": G.hex()}, headers=hdr).status_code == 429
    assert c.post("/v1/oprf/owner/eval", json={"blinded": G.hex()}, headers=hdr).status_code == 200
    actions = {r[0] for r in h.rows("SELECT action FROM audit")}
    assert {"oprf_card_key", "oprf_card_eval"} <= actions
