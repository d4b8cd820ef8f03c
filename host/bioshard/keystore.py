"""Secret A at rest: random, encrypted under a passphrase, never printed.

Format (JSON, versioned): scrypt(passphrase, salt; N=2^15, r=8, p=1) → 32-byte key;
AES-256-GCM over Secret A with the header as associated data, so no field (KDF cost, public
key, version) can be changed without the passphrase check failing. Both primitives come from
trusted libraries (hashlib's OpenSSL scrypt, `cryptography`'s AES-GCM), none is hand-written.
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
SCRYPT = {"n": 1 << 15, "r": 8, "p": 1}
SCRYPT_MAXMEM = 1 << 27


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


def seal(secret: bytes, passphrase: str, pubkey: bytes) -> bytes:
    salt, nonce = os.urandom(16), os.urandom(12)
    doc = {"version": VERSION, "kdf": "scrypt", **SCRYPT, "salt": salt.hex(), "pubkey": pubkey.hex()}
    key = _kek(passphrase, salt, **SCRYPT)
    doc["nonce"] = nonce.hex()
    doc["ct"] = AESGCM(key).encrypt(nonce, secret, _header(doc)).hex()
    return json.dumps(doc, indent=1, sort_keys=True).encode()


def unseal(blob: bytes, passphrase: str) -> bytes:
    try:
        doc = json.loads(blob)
        if doc.get("version") != VERSION or doc.get("kdf") != "scrypt":
            raise BadInputError("unsupported keystore version/kdf: %r/%r" % (doc.get("version"), doc.get("kdf")))
        n, r, p = int(doc["n"]), int(doc["r"]), int(doc["p"])
        if not (1 << 14 <= n <= 1 << 20 and 1 <= r <= 32 and 1 <= p <= 16):
            raise BadInputError("keystore KDF parameters out of range")
        if 128 * r * (n + p + 2) > SCRYPT_MAXMEM:  # what OpenSSL would refuse with a bare ValueError
            raise BadInputError("keystore KDF parameters need more memory than allowed")
        salt, nonce, ct = bytes.fromhex(doc["salt"]), bytes.fromhex(doc["nonce"]), bytes.fromhex(doc["ct"])
    except (ValueError, KeyError, TypeError) as e:
        raise BadInputError("keystore file is damaged: %s" % e.__class__.__name__) from None
    key = _kek(passphrase, salt, n, r, p)
    try:
        secret = AESGCM(key).decrypt(nonce, ct, _header(doc))
    except InvalidTag:
        raise WrongPassphraseError("wrong passphrase (or the keystore file was altered)") from None
    return secret


def save(path, secret: bytes, passphrase: str, pubkey: bytes):
    atomic_write(path, seal(secret, passphrase, pubkey))


def load(path, passphrase: str) -> bytes:
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except FileNotFoundError:
        raise BadInputError("no wallet at %s: run `bioshard wallet create` first" % path) from None
    return unseal(blob, passphrase)
