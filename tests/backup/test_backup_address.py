"""bioshard-backup addresses and the sign-in lockout: exactly one plain mailbox per address,
limits per delivered inbox, wrong codes counted over days, and a lockout that never makes an
owner look inactive to the heir release."""
import pytest

pytest.importorskip("fastapi", reason="fastapi is not installed (pip install fastapi uvicorn httpx)")
from bioshard_backup import address, ratelimit
from bioshard_backup.errors import BadInput
from bioshard_backup.testing import Harness

DAY = 86400
VICTIM = "victim@example.org"

ACCEPTED = {
    "owner@example.org": "owner@example.org",
    "  Owner@Example.ORG ": "owner@example.org",
    "first.last+tag@mail.example.co.uk": "first.last+tag@mail.example.co.uk",
    "o'neil@example.org": "o'neil@example.org",
    "u@xn--bcher-kva.example": "u@xn--bcher-kva.example",
}
REFUSED = [
    "x1,victim@example.org",                   # a list: two recipients for a mail library
    "x1@example.org,victim@example.org",
    "a@example.org;victim@example.org",
    "Victim <victim@example.org>",             # display name
    "<victim@example.org>",
    '"x,victim"@example.org',                  # quoted local part
    "(comment)victim@example.org",
    "victim@example.org\r\nBcc: other@example.org",  # header injection
    "victim@example.org\n",
    "vic tim@example.org",
    "victim\t@example.org",
    "victim%other@example.org",                # %-hack / bang-path routing
    "relay!victim@example.org",
    "victim@[192.0.2.1]",                      # IP literal
    "victim@localhost",
    "victim@example.c",
    "victim@example.org.",
    "victim@-example.org",
    "a..b@example.org",
    ".a@example.org",
    "a@b@example.org",
    "vïctim@example.org",
    "a" * 65 + "@example.org",
    "a@" + "b" * 250 + ".org",
    "",
    "@example.org",
]


@pytest.mark.parametrize("text,canonical", ACCEPTED.items())
def test_plain_addresses_are_accepted_lower_cased(text, canonical):
    assert address.parse(text) == canonical


@pytest.mark.parametrize("text", REFUSED)
def test_anything_but_one_plain_mailbox_is_refused(text):
    with pytest.raises(BadInput):
        address.parse(text)


def test_non_string_is_refused():
    with pytest.raises(BadInput):
        address.parse(5)


def test_mailbox_folds_sub_addresses_and_gmail_dots():
    assert address.mailbox("victim+1@example.org") == address.mailbox("victim@example.org")
    assert address.mailbox("v.i.c.t.i.m+x@googlemail.com") == "victim@gmail.com"
    assert address.mailbox("v.ictim@example.org") == "v.ictim@example.org"  # dots matter elsewhere


@pytest.mark.parametrize("text", ["x1,victim@example.org", "victim@example.org\r\nBcc: a@b.org",
                                  "Victim <victim@example.org>"])
def test_the_service_mails_no_code_to_a_list(text):
    h = Harness()
    r = h.client.post("/v1/auth/start", json={"email": text})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_input"
    assert "one" in r.json()["error"]["message"]
    assert h.outbox.messages == []
    hdr = h.login("owner@example.org")
    r = h.client.post("/v1/heirs", json={"heir_email": text}, headers=hdr)
    assert r.status_code == 400 and "heir_email" in r.json()["error"]["message"]


def test_codes_to_one_inbox_are_limited_across_its_sub_addresses():
    h = Harness()
    (limit, _), _ = ratelimit.RULES["auth_start_email"]
    for i in range(limit):
        assert h.client.post("/v1/auth/start", json={"email": f"victim+{i}@example.org"}).status_code == 200
    r = h.client.post("/v1/auth/start", json={"email": "victim+more@example.org"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert h.client.post("/v1/auth/start", json={"email": VICTIM}).status_code == 429
    assert len(h.outbox.messages) == limit
    # Gmail ignores dots: one inbox
    for i in range(limit):
        local = "vic" + "." * (i % 2) + "tim" + f"+{i}"
        assert h.client.post("/v1/auth/start", json={"email": local + "@gmail.com"}).status_code == 200
    assert h.client.post("/v1/auth/start", json={"email": "v.i.ctim@gmail.com"}).status_code == 429


def _wrong(code):
    return f"{(int(code) + 1) % 10**6:06d}"


def _fail_one_code(h, email=VICTIM):
    """Ask for a code and spend its tries on wrong guesses; the responses of the guesses."""
    r = h.client.post("/v1/auth/start", json={"email": email})
    if r.status_code != 200:
        return [r]
    code = h.last_code(email)
    return [h.client.post("/v1/auth/verify", json={"email": email, "code": _wrong(code)})
            for _ in range(5)]


def test_wrong_codes_over_days_lock_the_mailbox():
    h = Harness()
    (per_day, _), (per_week, week) = ratelimit.RULES["auth_fail_mailbox"]
    t0 = h.clock.now()
    for day in range(per_week // per_day):  # per_day wrong codes on each of two days
        for _ in range(per_day // 5):
            assert all(r.json()["error"]["code"] == "code_wrong" for r in _fail_one_code(h))
            h.clock.advance(3600)  # stay under the hourly start limit
        r = h.client.post("/v1/auth/start", json={"email": VICTIM})
        assert r.status_code == 429 and r.json()["error"]["code"] == "locked"
        h.clock.t = t0 + (day + 1) * DAY
    # per_week wrong codes in the week: locked although each day's count has expired
    mailed = len(h.outbox.messages)
    r = h.client.post("/v1/auth/start", json={"email": VICTIM})
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked"
    assert "too many wrong codes" in r.json()["error"]["message"]
    assert int(r.headers["Retry-After"]) == t0 + week - h.clock.now()
    assert h.client.post("/v1/auth/start", json={"email": "victim+x@example.org"}).status_code == 429
    assert len(h.outbox.messages) == mailed  # no code mailed while locked
    # a code mailed before the lockout is not checked either, even the right one
    h.clock.t = t0 + week + 1
    assert h.client.post("/v1/auth/start", json={"email": VICTIM}).status_code == 200
    code = h.last_code(VICTIM)
    assert h.client.post("/v1/auth/verify", json={"email": VICTIM, "code": code}).status_code == 200
    assert h.client.post("/v1/auth/start", json={"email": "other@example.org"}).status_code == 200


def test_a_locked_mailbox_refuses_even_the_right_code():
    h = Harness()
    (per_day, _), _ = ratelimit.RULES["auth_fail_mailbox"]
    assert h.client.post("/v1/auth/start", json={"email": VICTIM}).status_code == 200
    code = h.last_code(VICTIM)
    # other sub-addresses of the same inbox spend its failure budget
    for i in range(per_day // 5):
        h.clock.advance(3600)
        _fail_one_code(h, f"victim+{i}@example.org")
    r = h.client.post("/v1/auth/verify", json={"email": VICTIM, "code": code})
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked"


def test_locking_an_owner_out_postpones_the_heir_release():
    h = Harness()
    owner, heir = "owner@example.org", "heir@example.org"
    o = h.login(owner)
    heir_id = h.client.post("/v1/heirs", json={"heir_email": heir, "inactivity_days": 30},
                            headers=o).json()["heir_id"]
    h.client.put(f"/v1/heirs/{heir_id}/blob", json={"data": "beef"}, headers=o)
    base = h.clock.now() + 30 * DAY
    assert h.tick() == 1  # the 30-day notice, on time
    # Day 20: someone spends wrong codes on the owner's mailbox until it locks.
    h.clock.t = base - 10 * DAY
    (per_day, _), _ = ratelimit.RULES["auth_fail_mailbox"]
    for _ in range(per_day // 5):
        _fail_one_code(h, owner)
        h.clock.advance(3600)
    locked_at = h.clock.now() - 3600
    hdr = h.login(heir)
    for t in range(base - 30 * DAY, locked_at + 30 * DAY + 2 * DAY, DAY):
        h.clock.t = max(t, h.clock.now())
        h.tick()
        if h.clock.t in (base, base + DAY):  # the owner's 30 days of silence are over
            hdr = h.login(heir)
            (item,) = h.client.get("/v1/inheritance", headers=hdr).json()
            assert item["release_at"] == locked_at + 30 * DAY > base and item["released"] is False
            assert h.client.get(f"/v1/inheritance/{heir_id}/blob", headers=hdr).status_code == 403
    hdr = h.login(heir)  # postponed, not blocked: released 30 days after the lockout
    assert h.client.get(f"/v1/inheritance/{heir_id}/blob", headers=hdr).json() == {"data": "beef"}
