"""The inactivity release rule and the notice scheduler.

An heir is released when the owner has made no authenticated owner request for
`inactivity_days` AND the owner was emailed at 30, 7 and 1 day(s) before release. A notice
only counts for as long as it really warned: the notice for d days must have been sent at
least d days before release, so a scheduler that was down (or an operator who skipped the
notices) pushes the release back instead of releasing without warning. Notices are tied to
the owner's `last_seen` (the "cycle"): any check-in starts a new cycle, and old notices no
longer count, which cancels the pending release.

A sign-in lockout of the owner's mailbox (auth.py) pushes the release to LOCKOUT_GRACE after
the last lockout: whoever locks the owner out with wrong codes cannot make them look inactive.
"""
from .address import mailbox
from .errors import Forbidden, NotFound

DAY = 86400
NOTICE_DAYS = (30, 7, 1)
MIN_DAYS, MAX_DAYS = 30, 3650
LOCKOUT_GRACE = 30 * DAY


def _state(c, heir_id, owner, days, last_seen, now):
    """(released, release_at) for one heir in the owner's current inactivity cycle."""
    base = last_seen + days * DAY
    lock = c.one("SELECT last_at FROM lockouts WHERE mailbox = ?", (mailbox(owner),))
    if lock is not None:
        base = max(base, lock[0] + LOCKOUT_GRACE)
    sent = dict(c.all("SELECT days, sent_at FROM notices WHERE heir_id = ? AND cycle = ?",
                      (heir_id, last_seen)))
    release_at = base
    for d in NOTICE_DAYS:
        # An unsent notice goes out at its due time, or on the next tick if that passed.
        at = sent.get(d, max(now, base - d * DAY))
        release_at = max(release_at, at + d * DAY)
    released = all(d in sent for d in NOTICE_DAYS) and now >= release_at
    return released, release_at


def list_for_heir(c, heir_email, now):
    rows = c.all("""SELECT h.heir_id, h.owner_email, h.inactivity_days, a.last_seen
                    FROM heirs h JOIN accounts a ON a.email = h.owner_email
                    WHERE h.heir_email = ? ORDER BY h.created_at, h.heir_id""", (heir_email,))
    out = []
    for heir_id, owner, days, last_seen in rows:
        released, release_at = _state(c, heir_id, owner, days, last_seen, now)
        out.append({"owner_email": owner, "heir_id": heir_id, "released": released,
                    "release_at": release_at})
    return out


def require_released(c, heir_id, heir_email, now):
    """The heir row for a released heir; 404 if not this email's, 403 before release."""
    row = c.one("""SELECT h.inactivity_days, a.last_seen, h.blob, h.owner_email FROM heirs h
                   JOIN accounts a ON a.email = h.owner_email
                   WHERE h.heir_id = ? AND h.heir_email = ?""", (heir_id, heir_email))
    if row is None:
        raise NotFound("no such inheritance for this email")
    released, release_at = _state(c, heir_id, row[3], row[0], row[1], now)
    if not released:
        raise Forbidden(f"not released: the owner's inactivity period ends at {release_at}",
                        "not_released")
    return row


def tick(c, outbox, now):
    """Send every due notice once per cycle (and tell heirs once when released).
    A notice is recorded only after the outbox accepted it, so a failed send is retried."""
    sent = 0
    rows = c.all("""SELECT h.heir_id, h.owner_email, h.heir_email, h.inactivity_days, a.last_seen
                    FROM heirs h JOIN accounts a ON a.email = h.owner_email""")
    for heir_id, owner, heir_email, days, last_seen in rows:
        base = last_seen + days * DAY
        have = {r[0] for r in c.all("SELECT days FROM notices WHERE heir_id = ? AND cycle = ?",
                                    (heir_id, last_seen))}
        for d in NOTICE_DAYS:
            if d in have or now < base - d * DAY:
                continue
            _, release_at = _state(c, heir_id, owner, days, last_seen, now)
            outbox.send(owner, "bioshard backup: inheritance release approaching",
                        f"Your backup has been inactive since {last_seen} (Unix time). Unless you "
                        f"check in, your heir {heir_email} can restore your face-pass backup from "
                        f"{release_at} (Unix time), in about {d} day(s) or more.\n"
                        "Signing in to the backup service (any face-pass backup command on your "
                        "wallet computer) checks in and cancels this.\n")
            c.execute("INSERT INTO notices (heir_id, days, cycle, sent_at) VALUES (?, ?, ?, ?)",
                      (heir_id, d, last_seen, now))
            have.add(d)
            sent += 1
        released, _ = _state(c, heir_id, owner, days, last_seen, now)
        if released and 0 not in {r[0] for r in c.all(
                "SELECT days FROM notices WHERE heir_id = ? AND cycle = ?", (heir_id, last_seen))}:
            outbox.send(heir_email, "bioshard backup: an inheritance is available",
                        f"The backup of {owner} is now released to you (heir id {heir_id}).\n")
            c.execute("INSERT INTO notices (heir_id, days, cycle, sent_at) VALUES (?, 0, ?, ?)",
                      (heir_id, last_seen, now))
            sent += 1
    return sent
