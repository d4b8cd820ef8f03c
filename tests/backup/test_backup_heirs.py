"""bioshard-backup heirs: the inactivity release rule, the 30/7/1-day notices, cancellation by
an owner check-in, and 403 before release — with the clock moved a year forward."""
import sys
from pathlib import Path

import pytest

from coincurve import PublicKey
from hypothesis import given, settings, strategies as st

try:
    import bioshard_backup  # noqa: F401
except ImportError:  # until pyproject maps host/bioshard_backup into the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host"))
pytest.importorskip("fastapi", reason="fastapi is not installed (pip install fastapi uvicorn httpx)")
from bioshard_backup import oprf
from bioshard_backup.testing import Harness

OWNER, HEIR = "owner@example.org", "heir@example.org"
DAY = 86400
G = PublicKey.from_secret((1).to_bytes(32, "big")).format()


class World:
    """An owner with one heir (blob + OPRF key), and helpers that re-login as needed."""

    def __init__(self, days=None):
        self.h = h = Harness()
        o = h.login(OWNER)
        body = {"heir_email": HEIR} if days is None else {"heir_email": HEIR, "inactivity_days": days}
        r = h.client.post("/v1/heirs", json=body, headers=o)
        assert r.status_code == 200, r.text
        self.heir_id = r.json()["heir_id"]
        assert h.client.put(f"/v1/heirs/{self.heir_id}/blob", json={"data": "beef"}, headers=o).json() == {"version": 1}
        self.heir_pub = h.client.post(f"/v1/heirs/{self.heir_id}/oprf/key", headers=o).json()["public_key"]
        self.start = h.clock.now()

    def login(self, email):
        """A token for `email`, reused while valid (logins are rate-limited, like for users)."""
        tokens = self.__dict__.setdefault("tokens", {})
        t = tokens.get(email)
        if t is None or self.h.clock.now() - t[0] >= 3000:
            t = tokens[email] = (self.h.clock.now(), self.h.login(email))
        return t[1]

    def as_heir(self, method, path, **kw):
        return self.h.client.request(method, path, headers=self.login(HEIR), **kw)

    def listing(self):
        (item,) = self.as_heir("GET", "/v1/inheritance").json()
        return item

    def blob(self):
        return self.as_heir("GET", f"/v1/inheritance/{self.heir_id}/blob")

    def notices(self, to=OWNER):
        return [m for m in self.h.outbox.messages if m["to"] == to and "code" not in m["subject"]]

    def at(self, t):
        self.h.clock.t = t
        return self.h.tick()


def test_before_release_the_heir_is_refused_403_and_sees_release_at():
    w = World()
    item = w.listing()
    assert item == {"owner_email": OWNER, "heir_id": w.heir_id, "released": False,
                    "release_at": w.start + 365 * DAY}
    r = w.blob()
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_released"
    r = w.as_heir("POST", f"/v1/inheritance/{w.heir_id}/oprf/eval", json={"blinded": G.hex()})
    assert r.status_code == 403
    # Another email cannot even see it.
    r = w.h.client.get(f"/v1/inheritance/{w.heir_id}/blob", headers=w.h.login("eve@example.org"))
    assert r.status_code == 404
    assert w.h.client.get("/v1/inheritance", headers=w.h.login("eve@example.org")).json() == []


def test_notices_at_30_7_1_days_then_release_after_365_days():
    w = World()
    base = w.start + 365 * DAY
    assert w.at(base - 31 * DAY) == 0 and w.notices() == []
    for d in (30, 7, 1):
        assert w.at(base - d * DAY) == 1
        assert w.at(base - d * DAY + 3600) == 0  # once per cycle
        assert len(w.notices()) == (30, 7, 1).index(d) + 1
        assert f"{base}" in w.notices()[-1]["body"] and HEIR in w.notices()[-1]["body"]
    w.at(base - 1)
    assert w.blob().status_code == 403 and w.listing()["released"] is False
    w.h.clock.t = base
    assert w.listing() == {"owner_email": OWNER, "heir_id": w.heir_id, "released": True,
                           "release_at": base}
    assert w.blob().json() == {"data": "beef"}
    r = w.as_heir("POST", f"/v1/inheritance/{w.heir_id}/oprf/eval", json={"blinded": G.hex()})
    assert r.json() == {"evaluated": w.heir_pub}  # the heir's own key, k_heir·G
    w.h.tick()
    assert len(w.notices(HEIR)) == 1  # the heir is told once
    w.h.tick()
    assert len(w.notices(HEIR)) == 1


def test_owner_checkin_cancels_a_pending_release():
    w = World()
    base = w.start + 365 * DAY
    w.at(base - 30 * DAY)
    w.at(base - 7 * DAY)
    o = w.h.login(OWNER)  # any authenticated owner request is a check-in
    assert w.h.client.get("/v1/blobs/facepass", headers=o).status_code == 404
    checkin = w.h.clock.now()
    w.at(base - 1 * DAY)
    w.at(base + 1)
    assert w.blob().status_code == 403
    assert w.listing()["release_at"] == checkin + 365 * DAY
    assert len(w.notices()) == 2  # no 1-day notice for the cancelled cycle
    new_base = checkin + 365 * DAY
    for d in (30, 7, 1):
        w.at(new_base - d * DAY)
    w.h.clock.t = new_base
    assert w.blob().status_code == 200


def test_a_sign_in_alone_is_a_checkin():
    w = World()
    base = w.start + 365 * DAY
    for d in (30, 7, 1):
        w.at(base - d * DAY)
    h = w.h
    h.client.post("/v1/auth/start", json={"email": OWNER})
    h.client.post("/v1/auth/verify", json={"email": OWNER, "code": h.last_code(OWNER)})
    h.clock.t = base
    assert w.blob().status_code == 403
    assert w.listing()["release_at"] == base - DAY + 365 * DAY


def test_heir_requests_are_not_owner_checkins():
    w = World()
    base = w.start + 365 * DAY
    for d in (30, 7, 1):
        w.at(base - d * DAY)
        w.listing()
        w.blob()
    w.h.clock.t = base
    assert w.blob().status_code == 200


def test_a_late_scheduler_delays_release_instead_of_skipping_warnings():
    w = World()
    base = w.start + 365 * DAY
    w.h.clock.t = base + 10 * DAY  # no tick ran for the whole year
    assert w.blob().status_code == 403  # no notice ever sent
    assert w.listing()["release_at"] == base + 40 * DAY
    assert w.at(base + 10 * DAY) == 3
    w.h.clock.t = base + 40 * DAY - 1
    assert w.blob().status_code == 403  # the 30-day notice must have had 30 days
    w.h.clock.t = base + 40 * DAY
    assert w.blob().status_code == 200


def test_deleted_heir_is_gone():
    w = World()
    o = w.h.login(OWNER)
    assert w.h.client.delete(f"/v1/heirs/{w.heir_id}", headers=o).json() == {}
    w.h.clock.advance(days=400)
    w.h.tick()
    assert w.blob().status_code == 404
    assert w.as_heir("GET", "/v1/inheritance").json() == []
    assert w.h.rows("SELECT * FROM oprf_keys WHERE key_ref = ?", ("heir:" + w.heir_id,)) == []


def test_heir_management_checks():
    w = World(days=30)
    o = w.h.login(OWNER)
    c = w.h.client
    for body in ({"heir_email": HEIR, "inactivity_days": 29}, {"heir_email": OWNER},
                 {"heir_email": "nope"}, {"heir_email": HEIR, "inactivity_days": 3651}):
        assert c.post("/v1/heirs", json=body, headers=o).status_code == 400
    assert c.post(f"/v1/heirs/{w.heir_id}/oprf/key", headers=o).status_code == 409
    eve = w.h.login("eve@example.org")
    for method, path in (("PUT", f"/v1/heirs/{w.heir_id}/blob"), ("POST", f"/v1/heirs/{w.heir_id}/oprf/key"),
                         ("DELETE", f"/v1/heirs/{w.heir_id}")):
        kw = {"json": {"data": "00"}} if method == "PUT" else {}
        assert c.request(method, path, headers=eve, **kw).status_code == 404
    for i in range(9):
        assert c.post("/v1/heirs", json={"heir_email": f"h{i}@example.org"}, headers=o).status_code == 200
    assert c.post("/v1/heirs", json={"heir_email": "h10@example.org"}, headers=o).status_code == 409


def test_heir_oprf_end_to_end_after_release_and_rate_limited():
    w = World(days=30)
    base = w.start + 30 * DAY
    for d in (30, 7, 1):
        w.at(base - d * DAY)
    w.h.clock.t = base
    hdr = w.h.login(HEIR)
    outs = set()
    for _ in range(2):
        r, blinded = oprf.blind(b"heir face")
        ev = w.h.client.post(f"/v1/inheritance/{w.heir_id}/oprf/eval", json={"blinded": blinded.hex()},
                             headers=hdr).json()["evaluated"]
        outs.add(oprf.finalize(b"heir face", r, bytes.fromhex(ev)))
    assert len(outs) == 1
    for _ in range(3):
        w.h.client.post(f"/v1/inheritance/{w.heir_id}/oprf/eval", json={"blinded": G.hex()}, headers=hdr)
    r = w.h.client.post(f"/v1/inheritance/{w.heir_id}/oprf/eval", json={"blinded": G.hex()}, headers=hdr)
    assert r.status_code == 429 and "Retry-After" in r.headers


# Model check: whatever the pattern of scheduler ticks and owner check-ins, the heir is never
# released unless, within the owner's current inactivity period, the owner was inactive for
# the full period and every d-day notice really reached the outbox at least d days earlier.
@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["tick", "checkin", "probe"]),
                          st.integers(0, 40 * DAY)), min_size=1, max_size=25))
def test_release_never_without_full_inactivity_and_timely_notices(events):
    w = World(days=30)
    last_checkin = w.start
    for kind, gap in events:
        w.h.clock.advance(gap)
        now = w.h.clock.now()
        if kind == "tick":
            w.h.tick()
        elif kind == "checkin":
            assert w.h.client.post("/v1/checkin", headers=w.login(OWNER)).status_code == 200
            last_checkin = now
        released = w.blob().status_code == 200
        if released:
            assert now - last_checkin >= 30 * DAY
            rows = w.h.rows("SELECT days, sent_at FROM notices WHERE heir_id = ? AND cycle = ?",
                            (w.heir_id, last_checkin))
            got = dict(rows)
            for d in (30, 7, 1):
                assert d in got and last_checkin <= got[d] <= now - d * DAY
            assert len(w.notices()) >= 3
