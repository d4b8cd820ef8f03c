"""Email verification codes, the per-mailbox lockout, and bearer tokens.

Codes: 6 digits, stored only as an HMAC under a server key, valid 10 minutes, 5 wrong tries
and the code is gone. Lockout: wrong codes are counted per delivered mailbox
(address.mailbox) over a day and a week (ratelimit.RULES["auth_fail_mailbox"]); past either
limit the mailbox gets no code and no code is checked for it until the window frees up, so a
guesser gets at most 20 wrong codes a week however many codes it asks for. A lockout also
postpones any heir release of that owner (heirs.py), so locking an owner out cannot make them
look inactive. Tokens: 32 random bytes, stored only as SHA-256 (they are high-entropy, so a
plain hash is enough to make a DB dump useless), valid 1 hour.
"""
import hashlib
import hmac
import re
import secrets

from . import ratelimit
from .address import mailbox
from .errors import BadInput, RateLimited, Unauthorized

CODE_TTL = 600
CODE_TRIES = 5
TOKEN_TTL = 3600
LOCK = "auth_fail_mailbox"
LOCKED = "too many wrong codes for this mailbox: its sign-in is locked for now"


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _locked(c, box, now):
    """Mark `box` as locked out now (heirs.py reads it)."""
    c.execute("INSERT INTO lockouts (mailbox, last_at) VALUES (?, ?) "
              "ON CONFLICT (mailbox) DO UPDATE SET last_at = excluded.last_at", (box, now))


def check_unlocked(c, email, now):
    """RateLimited (code `locked`, with Retry-After) while `email`'s mailbox is locked out.
    Holds the mailbox's lock for the rest of the transaction, so failures are counted exactly."""
    box = mailbox(email)
    try:
        ratelimit.check(c, LOCK, box, now, message=LOCKED, code="locked")
    except RateLimited:
        _locked(c, box, now)
        raise


def start(c, keyring, email, now):
    """A fresh code for `email` (replacing any pending one); the caller mails it."""
    code = f"{secrets.randbelow(10**6):06d}"
    c.execute("INSERT INTO codes (email, code_mac, expires_at, tries_left) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (email) DO UPDATE SET code_mac = excluded.code_mac, "
              "expires_at = excluded.expires_at, tries_left = excluded.tries_left",
              (email, keyring.code_mac(email, code), now + CODE_TTL, CODE_TRIES))
    return code


def verify(c, keyring, email, code, now):
    """Check a code; on success a new bearer token (the code is consumed).

    A try is spent before the code is compared, in one conditional UPDATE: concurrent requests
    (several service processes) each take a distinct try, so a code never answers more than
    CODE_TRIES guesses; and only the request whose DELETE removes the code gets a token."""
    if not isinstance(code, str) or not re.fullmatch(r"\d{6}", code):
        raise BadInput("code must be 6 digits")
    check_unlocked(c, email, now)
    row = c.one("UPDATE codes SET tries_left = tries_left - 1 "
                "WHERE email = ? AND expires_at > ? AND tries_left > 0 "
                "RETURNING code_mac, tries_left", (email, now))
    if row is None:
        c.execute("DELETE FROM codes WHERE email = ? AND (expires_at <= ? OR tries_left <= 0)",
                  (email, now))
        raise Unauthorized("no valid code for this email: request a new one", "code_invalid")
    mac, tries_left = row
    if not hmac.compare_digest(mac, keyring.code_mac(email, code)):
        if tries_left <= 0:
            c.execute("DELETE FROM codes WHERE email = ? AND code_mac = ?", (email, mac))
        ratelimit.record(c, LOCK, mailbox(email), now)
        try:
            ratelimit.check(c, LOCK, mailbox(email), now)
        except RateLimited:
            _locked(c, mailbox(email), now)
            raise Unauthorized("wrong code; too many wrong codes for this mailbox: its sign-in "
                               "is now locked for a while", "code_wrong") from None
        raise Unauthorized("wrong code", "code_wrong")
    if c.one("DELETE FROM codes WHERE email = ? AND code_mac = ? RETURNING email",
             (email, mac)) is None:
        raise Unauthorized("no valid code for this email: request a new one", "code_invalid")
    token = secrets.token_hex(32)
    c.execute("DELETE FROM tokens WHERE expires_at <= ?", (now,))
    c.execute("INSERT INTO tokens (token_hash, email, expires_at) VALUES (?, ?, ?)",
              (_token_hash(token), email, now + TOKEN_TTL))
    # A sign-in proves the mailbox owner is alive: it is a check-in like any owner request.
    c.execute("INSERT INTO accounts (email, created_at, last_seen) VALUES (?, ?, ?) "
              "ON CONFLICT (email) DO UPDATE SET last_seen = excluded.last_seen",
              (email, now, now))
    return token


def authenticate(c, authorization, now):
    """The email a `Bearer TOKEN` header proves, or Unauthorized."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("missing bearer token")
    token = authorization[len("Bearer "):].strip()
    if not re.fullmatch(r"[0-9a-f]{64}", token):
        raise Unauthorized("malformed token")
    row = c.one("SELECT email, expires_at FROM tokens WHERE token_hash = ?", (_token_hash(token),))
    if row is None or row[1] <= now:
        raise Unauthorized("token expired or unknown: verify your email again", "token_expired")
    return row[0]
