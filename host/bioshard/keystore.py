"""Secret A at rest: random, encrypted under a passphrase, never printed.

Format (JSON, versioned): scrypt(passphrase, salt; N, r, p) → 32-byte key; AES-256-GCM over
Secret A with the header as associated data, so no field (KDF cost, public key, version) can
be changed without the passphrase check failing. Both primitives come from trusted libraries
(hashlib's OpenSSL scrypt, `cryptography`'s AES-GCM), none is hand-written.

Cost: N = 2^17, r = 8, p = 1 (128 MiB, OWASP's scrypt floor). Files sealed at a lower cost are
re-sealed at this one by `load` after their next successful unlock (atomic write: the old file
stays until the new one is complete). Tests may lower N with $BIOSHARD_TEST_SCRYPT_LOG_N (only
downwards; the strong cost is the default and nothing else changes it).

Passphrases for a new keystore: at least 12 characters and at least 6 different characters
(`check_passphrase`); four or more random words are a good choice. An existing file keeps
opening with the passphrase it was sealed with.
"""
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .config import atomic_write
from .errors import BadInputError, WrongPassphraseError

VERSION = 1
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SCRYPT = {"n": 1 << 17, "r": 8, "p": 1}
SCRYPT_MAXMEM = 1 << 28  # 256 MiB: twice the default cost; a file asking more is refused
TEST_COST_ENV = "BIOSHARD_TEST_SCRYPT_LOG_N"
MIN_PASSPHRASE, MIN_DISTINCT = 12, 6


def scrypt_params():
    """The cost new files are sealed with: SCRYPT, or a lower N a test asked for."""
    log_n = os.environ.get(TEST_COST_ENV)
    if log_n and log_n.isdigit() and 14 <= int(log_n) < 17:
        return dict(SCRYPT, n=1 << int(log_n))
    return dict(SCRYPT)


def check_passphrase(passphrase: str):
    """Refuse a passphrase an offline guesser would find quickly (the rule in the docstring)."""
    if len(passphrase) < MIN_PASSPHRASE or len(set(passphrase)) < MIN_DISTINCT:
        raise BadInputError("passphrase too weak: use at least %d characters with at least %d different ones "
                            "(four or more random words are a good choice)" % (MIN_PASSPHRASE, MIN_DISTINCT))


def new_secret() -> bytes:
    """32 bytes from the OS CSPRNG that are a valid secp256k1 scalar (retry is ~never needed)."""
    while True:
        s = os.urandom(32)
        if 0 < int.from_bytes(s, "big") < SECP256K1_N:
            return s


def _kek(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    if not passphrase:
        raise BadInputError("an empty passphrase would leave Secret A unprotected")
    return hashlib.scrypt(passphrase.encode(), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=32)


def _header(doc):
    return json.dumps({k: doc[k] for k in ("version", "kdf", "n", "r", "p", "salt", "pubkey")},
                      sort_keys=True).encode()


def seal(secret: bytes, passphrase: str, pubkey: bytes, check=True) -> bytes:
    """The keystore file's bytes; `check=False` only to re-seal under a passphrase that
    already protects this secret (migration), never for a new one."""
    if check:
        check_passphrase(passphrase)
    salt, nonce = os.urandom(16), os.urandom(12)
    cost = scrypt_params()
    doc = {"version": VERSION, "kdf": "scrypt", **cost, "salt": salt.hex(), "pubkey": pubkey.hex()}
    key = _kek(passphrase, salt, **cost)
    doc["nonce"] = nonce.hex()
    doc["ct"] = AESGCM(key).encrypt(nonce, secret, _header(doc)).hex()
    return json.dumps(doc, indent=1, sort_keys=True).encode()


def _parse(blob):
    try:
        doc = json.loads(blob)
        if not isinstance(doc, dict):
            raise BadInputError("keystore file is damaged: not a JSON object")
        if doc.get("version") != VERSION or doc.get("kdf") != "scrypt":
            raise BadInputError("unsupported keystore version/kdf: %r/%r" % (doc.get("version"), doc.get("kdf")))
        for k in ("n", "r", "p"):
            if type(doc[k]) is not int:
                raise TypeError(k)
        n, r, p = doc["n"], doc["r"], doc["p"]
        if not (1 << 14 <= n <= 1 << 20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
            raise BadInputError("keystore KDF parameters out of range")
        if 128 * r * (n + p + 2) > SCRYPT_MAXMEM:  # what OpenSSL would refuse with a bare ValueError
            raise BadInputError("keystore KDF parameters need more memory than allowed")
        for k in ("salt", "pubkey"):
            if not isinstance(doc[k], str):
                raise TypeError(k)
        salt, nonce, ct = bytes.fromhex(doc["salt"]), bytes.fromhex(doc["nonce"]), bytes.fromhex(doc["ct"])
        if len(nonce) != 12 or not salt:
            raise ValueError("nonce/salt")
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise BadInputError("keystore file is damaged: %s" % e.__class__.__name__) from None
    return doc, (n, r, p), salt, nonce, ct


def unseal(blob: bytes, passphrase: str) -> bytes:
    doc, (n, r, p), salt, nonce, ct = _parse(blob)
    key = _kek(passphrase, salt, n, r, p)
    try:
        secret = AESGCM(key).decrypt(nonce, ct, _header(doc))
    except InvalidTag:
        raise WrongPassphraseError("wrong passphrase (or the keystore file was altered)") from None
    if len(secret) != 32 or not 0 < int.from_bytes(secret, "big") < SECP256K1_N:
        raise BadInputError("keystore holds no valid Secret A")
    return secret


def public_key(path):
    """Secret A's public key as the keystore file records it (no passphrase needed), or None
    when there is no keystore file."""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except FileNotFoundError:
        return None
    doc = _parse(blob)[0]
    try:
        return bytes.fromhex(doc["pubkey"])
    except ValueError:
        raise BadInputError("keystore file is damaged: pubkey") from None


def weaker_than_current(blob: bytes) -> bool:
    """True if the file was sealed at a lower cost than new files get."""
    _, (n, r, p), _, _, _ = _parse(blob)
    cur = scrypt_params()
    return n < cur["n"] or r < cur["r"]


def save(path, secret: bytes, passphrase: str, pubkey: bytes, check=True):
    atomic_write(path, seal(secret, passphrase, pubkey, check=check))


def load(path, passphrase: str, migrate=True) -> bytes:
    """Secret A from the file; a file sealed at an older, lower cost is re-sealed at the
    current one once the passphrase has opened it."""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except FileNotFoundError:
        raise BadInputError("no Secret A at %s: restore it with `bioshard wallet restore-secret FILE` or "
                            "`--words`, or `bioshard facepass restore`" % path) from None
    except IsADirectoryError:
        raise BadInputError("%s is a directory, not a keystore file" % path) from None
    secret = unseal(blob, passphrase)
    if migrate and weaker_than_current(blob):
        pubkey = bytes.fromhex(json.loads(blob)["pubkey"])
        try:
            save(path, secret, passphrase, pubkey, check=False)  # atomic: old file until the new one is whole
        except OSError:
            pass  # the old file is intact and still opens: the next unlock tries again
    return secret
