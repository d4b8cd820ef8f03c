"""Email verification codes and bearer tokens.

Codes: 6 digits, stored only as an HMAC under a server key, valid 10 minutes, 5 wrong tries
and the code is gone. Tokens: 32 random bytes, stored only as SHA-256 (they are
high-entropy, so a plain hash is enough to make a DB dump useless), valid 1 hour.
"""
import hashlib
import hmac
import re
import secrets

from .errors import BadInput, Unauthorized

CODE_TTL = 600
CODE_TRIES = 5
TOKEN_TTL = 3600
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalize_email(email):
    if not isinstance(email, str):
        raise BadInput("email must be a string")
    e = email.strip().lower()
    if len(e) > 254 or not _EMAIL.match(e):
        raise BadInput("not a valid email address")
    return e


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(c, keyring, email, now):
    """A fresh code for `email` (replacing any pending one); the caller mails it."""
    code = f"{secrets.randbelow(10**6):06d}"
    c.execute("DELETE FROM codes WHERE email = ?", (email,))
    c.execute("INSERT INTO codes (email, code_mac, expires_at, tries_left) VALUES (?, ?, ?, ?)",
              (email, keyring.code_mac(email, code), now + CODE_TTL, CODE_TRIES))
    return code


def verify(c, keyring, email, code, now):
    """Check a code; on success a new bearer token (the code is consumed)."""
    if not isinstance(code, str) or not re.fullmatch(r"\d{6}", code):
        raise BadInput("code must be 6 digits")
    row = c.one("SELECT code_mac, expires_at, tries_left FROM codes WHERE email = ?", (email,))
    if row is None or row[1] <= now or row[2] <= 0:
        if row is not None:
            c.execute("DELETE FROM codes WHERE email = ?", (email,))
        raise Unauthorized("no valid code for this email: request a new one", "code_invalid")
    if not hmac.compare_digest(row[0], keyring.code_mac(email, code)):
        if row[2] <= 1:
            c.execute("DELETE FROM codes WHERE email = ?", (email,))
        else:
            c.execute("UPDATE codes SET tries_left = ? WHERE email = ?", (row[2] - 1, email))
        raise Unauthorized("wrong code", "code_wrong")
    c.execute("DELETE FROM codes WHERE email = ?", (email,))
    token = secrets.token_hex(32)
    c.execute("DELETE FROM tokens WHERE expires_at <= ?", (now,))
    c.execute("INSERT INTO tokens (token_hash, email, expires_at) VALUES (?, ?, ?)",
              (_token_hash(token), email, now + TOKEN_TTL))
    # A sign-in proves the mailbox owner is alive: it is a check-in like any owner request.
    if c.one("SELECT 1 FROM accounts WHERE email = ?", (email,)) is None:
        c.execute("INSERT INTO accounts (email, created_at, last_seen) VALUES (?, ?, ?)",
                  (email, now, now))
    else:
        c.execute("UPDATE accounts SET last_seen = ? WHERE email = ?", (now, email))
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
