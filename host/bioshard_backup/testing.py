"""An in-process service for tests (ours and the client's): fake clock, memory outbox,
FastAPI TestClient, and a `login(email)` that reads the code from the outbox.

    h = Harness(); hdr = h.login("owner@example.org"); h.client.post("/v1/checkin", headers=hdr)
    h.clock.advance(days=365); h.tick()
"""
import os
import re
import socket
import threading
import time
import warnings

from . import scheduler
from .app import create_app
from .clock import FakeClock
from .db import Database
from .keys import Keyring
from .mail import MemoryOutbox


class Harness:
    def __init__(self, db_url="sqlite://", master_key=None, clock=None, client_addr="198.51.100.7"):
        self.clock = clock or FakeClock()
        self.outbox = MemoryOutbox()
        self.db = Database(db_url)
        self.keyring = Keyring(master_key or os.urandom(32))
        self.app = create_app(self.db, self.outbox, self.keyring, self.clock)
        self.client = self.client_from(client_addr)

    def client_from(self, addr):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # starlette's httpx deprecation notice
            from fastapi.testclient import TestClient
        return TestClient(self.app, client=(addr, 50000))

    def last_code(self, email):
        for m in reversed(self.outbox.messages):
            if m["to"] == email and "code" in m["subject"]:
                return re.search(r"\b(\d{6})\b", m["body"]).group(1)
        raise LookupError("no code mailed to " + email)

    def login(self, email, client=None):
        client = client or self.client
        r = client.post("/v1/auth/start", json={"email": email})
        assert r.status_code == 200, r.text
        r = client.post("/v1/auth/verify", json={"email": email, "code": self.last_code(email)})
        assert r.status_code == 200, r.text
        return {"Authorization": "Bearer " + r.json()["token"]}

    def tick(self):
        return scheduler.run_once(self.db, self.outbox, self.clock)

    def rows(self, sql, params=()):
        with self.db.tx() as c:
            return c.all(sql, params)


def serve(app):
    """`app` served by uvicorn on a free 127.0.0.1 port in a daemon thread, for a client that
    needs a real socket. Returns (server, thread, url); stop with `server.should_exit = True`
    and `thread.join(5)`."""
    import uvicorn

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    for _ in range(500):  # up to 10 s
        if server.started:
            break
        time.sleep(0.02)
    return server, t, "http://127.0.0.1:%d" % port
