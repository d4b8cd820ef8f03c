"""Several bioshard-backup processes on one database, hit at the same moment.

Each "process" is its own Harness: its own database connection, app and client, sharing the
database, master key and clock, as service processes behind one load balancer do. A barrier
releases N requests at once. On PostgreSQL (a real server started here, tests/backup_postgres.py)
a check that reads in one statement and writes in another lets every request see the same
"below the limit" state; the limits below must hold exactly. SQLite runs the same tests (one
writer at a time by construction)."""
import os
import threading
from collections import Counter

import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed (pip install fastapi uvicorn httpx)")
from backup_postgres import fresh_database, postgres_url  # noqa: F401  (fixture)
from bioshard_backup import auth, ratelimit
from bioshard_backup.clock import FakeClock
from bioshard_backup.testing import Harness

EMAIL = "owner@example.org"
N = 16  # concurrent requests per test; every limit below is far under it


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'backup.sqlite3'}"
    return fresh_database(request.getfixturevalue("postgres_url"))


class Fleet:
    """N service processes on one database."""

    def __init__(self, url, n=N):
        self.clock, key = FakeClock(), os.urandom(32)
        # Created one after the other: each migrates the (shared) schema on start.
        self.nodes = [Harness(url, master_key=key, clock=self.clock,
                              client_addr=f"198.51.100.{i + 1}") for i in range(n)]

    def at_once(self, request):
        """request(i, node) on every node in its own thread, all released together; the
        outcomes as a Counter: (status, error code) for a response, (500, exception name) if
        the service raised, or what request returned if it is not a response."""
        barrier = threading.Barrier(len(self.nodes))
        out = [None] * len(self.nodes)

        def run(i):
            barrier.wait(timeout=60)
            try:
                r = request(i, self.nodes[i])
            except Exception as e:  # the service raised: count it, it is a failure too
                out[i] = (500, type(e).__name__)
                return
            if hasattr(r, "status_code"):
                r = (r.status_code, (r.json().get("error") or {}).get("code") if r.status_code >= 400 else None)
            out[i] = r

        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(self.nodes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert all(o is not None for o in out), "a request did not finish"
        return Counter(out)

    def close(self):
        for h in self.nodes:
            h.db.close()


@pytest.fixture
def fleet(db_url):
    f = Fleet(db_url)
    yield f
    f.close()


def test_a_code_answers_at_most_its_tries_to_concurrent_guesses(fleet):
    first = fleet.nodes[0]
    assert first.client.post("/v1/auth/start", json={"email": EMAIL}).status_code == 200
    code = first.last_code(EMAIL)
    wrong = [f"{(int(code) + 1 + i) % 10**6:06d}" for i in range(N)]
    got = fleet.at_once(lambda i, h: h.client.post("/v1/auth/verify",
                                                   json={"email": EMAIL, "code": wrong[i]}))
    # exactly CODE_TRIES guesses were compared with the code; every other request found none
    assert got == Counter({(401, "code_wrong"): auth.CODE_TRIES,
                           (401, "code_invalid"): N - auth.CODE_TRIES}), got
    r = first.client.post("/v1/auth/verify", json={"email": EMAIL, "code": code})
    assert r.status_code == 401 and r.json()["error"]["code"] == "code_invalid"


def test_a_right_code_gives_one_token_to_concurrent_users(fleet):
    first = fleet.nodes[0]
    assert first.client.post("/v1/auth/start", json={"email": EMAIL}).status_code == 200
    code = first.last_code(EMAIL)
    got = fleet.at_once(lambda i, h: h.client.post("/v1/auth/verify", json={"email": EMAIL, "code": code}))
    assert got == Counter({(200, None): 1, (401, "code_invalid"): N - 1}), got
    assert len(first.rows("SELECT token_hash FROM tokens")) == 1


def test_codes_mailed_to_one_mailbox_stay_within_its_limit(fleet):
    (limit, _), _ = ratelimit.RULES["auth_start_email"]
    got = fleet.at_once(lambda i, h: h.client.post("/v1/auth/start", json={"email": EMAIL}))
    assert got == Counter({(200, None): limit, (429, "rate_limited"): N - limit}), got
    assert sum(len(h.outbox.messages) for h in fleet.nodes) == limit


def test_rate_limit_allows_exactly_its_limit_to_concurrent_transactions(fleet):
    # The limiter alone, one transaction per process, nothing else shared between them.
    (limit, _), _ = ratelimit.RULES["oprf_eval"]
    now = fleet.clock.now()

    def hit(i, h):
        try:
            with h.db.tx() as c:
                ratelimit.hit(c, "oprf_eval", "heir:abc", now)
            return "allowed"
        except ratelimit.RateLimited:
            return "refused"

    got = fleet.at_once(hit)
    assert got == Counter({"allowed": limit, "refused": N - limit}), got


def test_oprf_evaluations_stay_within_the_limit(fleet):
    from bioshard_backup import oprf

    first = fleet.nodes[0]
    hdr = first.login(EMAIL)
    assert first.client.post("/v1/oprf/owner/key", headers=hdr).status_code == 200
    blinded = oprf.public_key((7).to_bytes(32, "big")).hex()
    (limit, _), _ = ratelimit.RULES["oprf_eval"]
    got = fleet.at_once(lambda i, h: h.client.post("/v1/oprf/owner/eval", json={"blinded": blinded},
                                                   headers=hdr))
    assert got == Counter({(200, None): limit, (429, "rate_limited"): N - limit}), got


def test_concurrent_blob_uploads_get_distinct_versions(fleet):
    hdr = fleet.nodes[0].login(EMAIL)
    got = fleet.at_once(lambda i, h: h.client.put("/v1/blobs/facepass", json={"data": f"{i:02x}"},
                                                  headers=hdr))
    assert got == Counter({(200, None): N}), got
    assert fleet.nodes[0].rows("SELECT version FROM blobs") == [(N,)]


# --- the same, literally: several `bioshard-backup serve` processes on one PostgreSQL ---------

def _serve(url, data_dir, key_hex):
    """Start `bioshard-backup serve` (this checkout's code) on `url`; returns a `ready()` that
    waits for it and yields (proc, base URL, last mailed code)."""
    import json
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import bioshard_backup
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    here = Path(bioshard_backup.__file__).resolve().parent.parent  # the servers run this code
    env = dict(os.environ, BIOSHARD_BACKUP_MASTER_KEY=key_hex,
               PYTHONPATH=str(here) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    outbox = data_dir / "outbox.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "bioshard_backup.cli", "serve", "--data-dir", str(data_dir),
                             "--db", url, "--port", str(port), "--mail", f"file://{outbox}",
                             "--tick-interval", "0", "--log-level", "warning"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def last_code():
        return json.loads(outbox.read_text().splitlines()[-1])["body"].split("code is ")[1][:6]

    def ready():
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                return proc, base, last_code
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise RuntimeError("server did not start: " + proc.stdout.read().decode()[-2000:])
                time.sleep(0.1)

    return proc, ready


@pytest.mark.slow
def test_three_serve_processes_on_postgresql_share_one_code_budget(postgres_url, tmp_path):
    import httpx

    url, key = fresh_database(postgres_url), os.urandom(32).hex()
    started = []
    try:
        for i in range(3):  # all at once: they migrate the schema concurrently, under its lock
            (tmp_path / f"s{i}").mkdir()
            started.append(_serve(url, tmp_path / f"s{i}", key))
        servers = [ready() for _, ready in started]
        with httpx.Client(timeout=30) as c:
            assert c.post(servers[0][1] + "/v1/auth/start", json={"email": EMAIL}).status_code == 200
        code = servers[0][2]()
        n = 15
        barrier, out = threading.Barrier(n), []

        def guess(i):
            with httpx.Client(timeout=60) as c:
                barrier.wait(timeout=60)
                r = c.post(servers[i % 3][1] + "/v1/auth/verify",
                           json={"email": EMAIL, "code": f"{(int(code) + 1 + i) % 10**6:06d}"})
                out.append((r.status_code, r.json()["error"]["code"]))

        threads = [threading.Thread(target=guess, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert Counter(out) == Counter({(401, "code_wrong"): auth.CODE_TRIES,
                                        (401, "code_invalid"): n - auth.CODE_TRIES}), Counter(out)
    finally:
        for proc, _ in started:
            proc.terminate()
            proc.communicate(timeout=30)
