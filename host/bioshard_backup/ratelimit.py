"""Sliding-window rate limits kept in the database, so they survive restarts.

Each allowed request appends one event (bucket, time); a request is refused with the exact
Retry-After at which the oldest event that makes a window full drops out of it.

Counting and appending are one decision: `check` first takes the bucket's database lock
(db.Cursor.lock), which the transaction holds until it commits its event, so service processes
sharing one PostgreSQL database cannot all count "below the limit" at once and all append.
"""
from .errors import RateLimited

HOUR, DAY, WEEK = 3600, 86400, 7 * 86400

# bucket kind -> [(max events, window seconds)]
RULES = {
    # per delivered mailbox (address.mailbox): codes mailed to one inbox
    "auth_start_email": [(5, HOUR), (20, DAY)],
    "auth_start_client": [(20, HOUR), (100, DAY)],
    "auth_verify_client": [(30, HOUR), (200, DAY)],
    # wrong codes per delivered mailbox: past these its sign-in is locked (auth.py)
    "auth_fail_mailbox": [(10, DAY), (20, WEEK)],
    "oprf_eval": [(5, HOUR), (20, DAY)],
}
KEEP = max(w for rules in RULES.values() for _, w in rules)


def check(c, kind, key, now, rules=None, message="too many requests, try later", code=None):
    """Lock bucket kind:key for this transaction and raise RateLimited if any window is full.
    The caller appends the event with `record` (in the same transaction) if it counts."""
    bucket = f"{kind}:{key}"
    c.lock("rate:" + bucket)
    retry = 0
    for limit, window in rules or RULES[kind]:
        rows = c.all("SELECT at FROM rate_events WHERE bucket = ? AND at > ? ORDER BY at",
                     (bucket, now - window))
        if len(rows) >= limit:
            # The window frees up when the event `limit` places before the newest drops out.
            retry = max(retry, rows[len(rows) - limit][0] + window - now)
    if retry:
        raise RateLimited(message, retry, code)


def record(c, kind, key, now):
    """Append one event to bucket kind:key (after `check` in the same transaction)."""
    c.execute("INSERT INTO rate_events (bucket, at) VALUES (?, ?)", (f"{kind}:{key}", now))


def hit(c, kind, key, now, rules=None):
    """Record one event for bucket kind:key, or raise RateLimited if any window is full."""
    check(c, kind, key, now, rules)
    record(c, kind, key, now)


def prune(c, now):
    c.execute("DELETE FROM rate_events WHERE at <= ?", (now - KEEP,))
