"""bioshard-backup as users run it: the real server on 127.0.0.1 (uvicorn in a subprocess,
httpx over TCP), restart persistence, the `tick` command, the master key file, and the same
API on a real PostgreSQL server started by the tests."""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
try:
    import bioshard_backup  # noqa: F401
except ImportError:  # until pyproject maps host/bioshard_backup into the editable install
    sys.path.insert(0, str(REPO / "host"))
for _mod in ("fastapi", "uvicorn"):
    pytest.importorskip(_mod, reason=f"{_mod} is not installed (pip install fastapi uvicorn httpx)")
httpx = pytest.importorskip("httpx", reason="httpx is not installed")
from backup_postgres import postgres_url  # noqa: F401  (fixture)
from bioshard_backup import oprf
from bioshard_backup.testing import Harness

ENV = dict(os.environ, PYTHONPATH=str(REPO / "host") + os.pathsep + os.environ.get("PYTHONPATH", ""))
ENV.pop("BIOSHARD_BACKUP_MASTER_KEY", None)
EMAIL = "owner@example.org"


def cli(*args, env=ENV, **kw):
    return subprocess.run([sys.executable, "-m", "bioshard_backup.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data_dir):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.outbox = data_dir / "outbox.jsonl"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bioshard_backup.cli", "serve", "--data-dir", str(data_dir),
             "--port", str(self.port), "--mail", f"file://{self.outbox}", "--tick-interval", "0",
             "--log-level", "info"], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.url + "/", timeout=1)
                break
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start: " + self.proc.stdout.read().decode())
                time.sleep(0.1)

    def login(self, c, email):
        assert c.post("/v1/auth/start", json={"email": email}).status_code == 200
        msg = [json.loads(l) for l in self.outbox.read_text().splitlines()][-1]
        assert msg["to"] == email
        code = msg["body"].split("code is ")[1][:6]
        r = c.post("/v1/auth/verify", json={"email": email, "code": code})
        return {"Authorization": "Bearer " + r.json()["token"]}

    def stop(self):
        self.proc.terminate()
        out = self.proc.communicate(timeout=20)[0].decode()
        return out


def owner_output(server, face):
    with httpx.Client(base_url=server.url, timeout=10) as c:
        hdr = server.login(c, EMAIL)
        r, blinded = oprf.blind(face)
        ev = c.post("/v1/oprf/owner/eval", json={"blinded": blinded.hex()}, headers=hdr)
        assert ev.status_code == 200, ev.text
        return oprf.finalize(face, r, bytes.fromhex(ev.json()["evaluated"]))


@pytest.mark.slow
def test_real_server_on_loopback_survives_restart(tmp_path):
    s = Server(tmp_path)
    try:
        with httpx.Client(base_url=s.url, timeout=10) as c:
            assert c.post("/v1/checkin").status_code == 401
            hdr = s.login(c, EMAIL)
            assert c.put("/v1/blobs/facepass", json={"data": "c0ffee"}, headers=hdr).json() == {"version": 1}
            pub = c.post("/v1/oprf/owner/key", headers=hdr).json()["public_key"]
            r = c.post("/v1/auth/start", json={"email": "x"})
            assert r.status_code == 400 and r.json()["error"]["code"] == "bad_input"
            # A proxy on loopback is trusted for the client address; audit shows the real client.
            c.get("/v1/blobs/facepass", headers=dict(hdr, **{"X-Forwarded-For": "203.0.113.9"}))
        out1 = owner_output(s, b"face")
    finally:
        log = s.stop()
    assert "PUT /v1/blobs/facepass" in log  # the access log is on...
    assert "c0ffee" not in log and "Bearer" not in log  # ...and holds nothing secret
    with sqlite3.connect(tmp_path / "backup.sqlite3") as con:
        rows = dict(con.execute("SELECT action, client FROM audit"))
    assert rows["blob_get:facepass"] == "203.0.113.9" and rows["blob_put:facepass"] == "127.0.0.1"
    key_file = tmp_path / "master.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    s = Server(tmp_path)  # same data dir: same DB, same master key
    try:
        with httpx.Client(base_url=s.url, timeout=10) as c:
            hdr = s.login(c, EMAIL)
            assert c.get("/v1/blobs/facepass", headers=hdr).json() == {"data": "c0ffee", "version": 1}
            assert c.post("/v1/oprf/owner/key", headers=hdr).status_code == 409
            r = c.post("/v1/oprf/owner/eval", json={"blinded": oprf.public_key((1).to_bytes(32, "big")).hex()},
                       headers=hdr)
            assert r.json()["evaluated"] == pub
        assert owner_output(s, b"face") == out1
    finally:
        s.stop()


@pytest.mark.slow
def test_facepass_client_against_the_real_server(tmp_path):
    """The other side of the contract: bioshard.facepass.client over urllib on loopback."""
    client_mod = pytest.importorskip("bioshard.facepass.client", reason="face-pass client not present")
    s = Server(tmp_path)
    try:
        bc = client_mod.BackupClient(s.url)
        bc.start(EMAIL)
        with pytest.raises(client_mod.ServiceError) as e:
            bc.verify(EMAIL, "000000" if "000000" not in s.outbox.read_text() else "000001")
        assert e.value.status == 401 and e.value.code == "code_wrong"
        msg = json.loads(s.outbox.read_text().splitlines()[-1])
        bc.verify(EMAIL, msg["body"].split("code is ")[1][:6])
        assert bc.put_blob("facepass", b"\x01\x02") == 1 and bc.get_blob("facepass") == b"\x01\x02"
        pub = bc.owner_key()
        out = bc.owner_oprf(b"face input")
        assert out == bc.owner_oprf(b"face input") != bc.owner_oprf(b"other input")
        assert len(pub) == 33 and isinstance(bc.checkin(), int)
        heir_id = bc.add_heir("heir@example.org")
        assert bc.put_heir_blob(heir_id, b"\xbe\xef") == 1 and len(bc.heir_key(heir_id)) == 33
        for _ in range(2):
            bc.owner_oprf(b"x")
        with pytest.raises(client_mod.RateLimitedError) as e:
            bc.owner_oprf(b"x")  # the 6th evaluation this hour
        assert e.value.status == 429 and 3500 < e.value.retry_after <= 3600
        bc.delete_heir(heir_id)
    finally:
        s.stop()


def test_tick_command_and_master_key_handling(tmp_path):
    r = cli("tick", "--data-dir", str(tmp_path))
    assert r.returncode == 0 and "0 notice(s) sent" in r.stdout
    assert (tmp_path / "master.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "backup.sqlite3").exists()
    (tmp_path / "master.key").chmod(0o644)
    r = cli("tick", "--data-dir", str(tmp_path))
    assert r.returncode == 2 and "chmod 600" in r.stderr
    r = cli("tick", "--data-dir", str(tmp_path), env=dict(ENV, BIOSHARD_BACKUP_MASTER_KEY="abcd"))
    assert r.returncode == 2 and "64 hex" in r.stderr
    (tmp_path / "master.key").chmod(0o600)
    r = cli("tick", "--data-dir", str(tmp_path), "--db", "mysql://x")
    assert r.returncode == 2 and "sqlite://" in r.stderr


# --- PostgreSQL (a real server: tests/backup_postgres.py) -----------------------------------

@pytest.mark.slow
def test_same_api_on_postgresql(postgres_url):
    import psycopg

    h = Harness(postgres_url)
    hdr = h.login(EMAIL)
    c = h.client
    assert c.put("/v1/blobs/fingerprint", json={"data": "00" * 1000}, headers=hdr).json() == {"version": 1}
    assert c.get("/v1/blobs/fingerprint", headers=hdr).json()["data"] == "00" * 1000
    pub = c.post("/v1/oprf/owner/key", headers=hdr).json()["public_key"]
    g = oprf.public_key((1).to_bytes(32, "big")).hex()
    for _ in range(5):
        assert c.post("/v1/oprf/owner/eval", json={"blinded": g}, headers=hdr).json()["evaluated"] == pub
    r = c.post("/v1/oprf/owner/eval", json={"blinded": g}, headers=hdr)
    assert r.status_code == 429 and r.headers["Retry-After"] == "3600"
    heir_id = c.post("/v1/heirs", json={"heir_email": "heir@example.org", "inactivity_days": 30},
                     headers=hdr).json()["heir_id"]
    c.put(f"/v1/heirs/{heir_id}/blob", json={"data": "beef"}, headers=hdr)
    base = h.clock.now() + 30 * 86400
    heir = h.login("heir@example.org")
    for d in (30, 7, 1):
        h.clock.t = base - d * 86400
        assert h.tick() == 1
    h.clock.t = base - 1
    heir = h.login("heir@example.org")
    assert c.get(f"/v1/inheritance/{heir_id}/blob", headers=heir).status_code == 403
    h.clock.t = base
    assert c.get(f"/v1/inheritance/{heir_id}/blob", headers=heir).json() == {"data": "beef"}
    with psycopg.connect(postgres_url, autocommit=True) as con:
        n = con.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        assert n > 5
        con.execute("DELETE FROM audit")
        con.execute("UPDATE audit SET outcome = 'x'")
        assert con.execute("SELECT COUNT(*) FROM audit WHERE outcome = 'x'").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == n
        # Kill the service's connection (as a PostgreSQL restart would): one request fails
        # cleanly, the next reconnects.
        con.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE pid <> pg_backend_pid() AND datname = current_database()")
    from fastapi.testclient import TestClient

    cl = TestClient(h.app, raise_server_exceptions=False)
    r = cl.post("/v1/auth/start", json={"email": EMAIL})
    assert r.status_code == 500 and r.json() == {"error": {"code": "internal", "message": "internal error"}}
    assert cl.post("/v1/auth/start", json={"email": EMAIL}).status_code == 200
    h.db.close()
