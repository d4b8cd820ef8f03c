"""Append-only audit log: time, keyed email hash, action, outcome, client address.

Never a code, token, blob or key: callers pass only the fixed action/outcome words.
The table refuses UPDATE and DELETE at the database level (see db.APPEND_ONLY).
"""


def record(c, keyring, now, email, action, outcome, client):
    c.execute("INSERT INTO audit (at, email_hash, action, outcome, client) VALUES (?, ?, ?, ?, ?)",
              (now, keyring.email_hash(email or ""), action, outcome, client or ""))
