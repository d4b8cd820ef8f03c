"""The server master key and what is derived from it.

One 32-byte master key (env BIOSHARD_BACKUP_MASTER_KEY as hex, or `master.key` in the data
dir, created 0600 on first start). From it, by HMAC-SHA256 with distinct labels:
- the AES-256-GCM key that wraps every OPRF key at rest (AAD = the key's reference, so a
  wrapped key cannot be moved to another owner or heir row);
- the HMAC key for email codes (codes are never stored in the clear);
- the HMAC key for the audit log's email hashes (a DB dump cannot dictionary-reverse them).
"""
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENV = "BIOSHARD_BACKUP_MASTER_KEY"
FILE = "master.key"


class MasterKeyError(ValueError):
    pass


def load_master_key(data_dir, environ=os.environ):
    """The master key from the environment, else from `<data_dir>/master.key` (made if absent)."""
    v = environ.get(ENV)
    if v:
        try:
            key = bytes.fromhex(v.strip())
        except ValueError:
            key = b""
        if len(key) != 32:
            raise MasterKeyError(f"{ENV} must be 64 hex characters (32 bytes)")
        return key
    path = Path(data_dir) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            raise MasterKeyError(f"{path} is readable by group/others: chmod 600 it") from None
        key = bytes.fromhex(path.read_text().strip())
        if len(key) != 32:
            raise MasterKeyError(f"{path} must hold 64 hex characters") from None
        return key
    key = os.urandom(32)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    return key


class Keyring:
    def __init__(self, master_key):
        if len(master_key) != 32:
            raise MasterKeyError("master key must be 32 bytes")
        sub = lambda label: hmac.new(master_key, b"bioshard-backup/" + label, hashlib.sha256).digest()
        self._wrap = AESGCM(sub(b"oprf-wrap/v1"))
        self._code_key = sub(b"email-code/v1")
        self._audit_key = sub(b"audit-email/v1")

    def wrap(self, key_ref, secret):
        nonce = os.urandom(12)
        return nonce + self._wrap.encrypt(nonce, bytes(secret), key_ref.encode())

    def unwrap(self, key_ref, wrapped):
        wrapped = bytes(wrapped)
        return self._wrap.decrypt(wrapped[:12], wrapped[12:], key_ref.encode())

    def code_mac(self, email, code):
        return hmac.new(self._code_key, email.encode() + b"\0" + code.encode(), hashlib.sha256).hexdigest()

    def email_hash(self, email):
        return hmac.new(self._audit_key, email.encode(), hashlib.sha256).hexdigest()[:32]
