"""The face-pass blob: face helper data + Secret A under AES-GCM keyed by face key AND OPRF.

    wrap_key = HKDF-SHA256(ikm = face_key ‖ oprf_out, salt = wrap_salt, info = INFO ‖ kind)
    oprf_out = OPRF_k(OPRF_IN ‖ wrap_salt ‖ face_key)     (k held by the backup service)

An heir blob is made by the owner, who cannot evaluate the heir's OPRF key (the service
answers heir evaluations only after release). So its factor is a Diffie-Hellman value instead:
the owner picks e, stores E = e·G, and uses V = e·K (K = the heir key's public key); after
release the heir obtains k·E = V through the same blinded evaluation endpoint.

Neither factor alone unwraps: the helper plus a photo of the face gives face_key but not
oprf_out (the service releases that only to the verified email owner, rate-limited, and to an
heir only after the release rule); the service alone never sees face_key or the output.
Every public field (version, kind, face helper, public keys) is AES-GCM associated data, so a
swapped helper or public key makes the unwrap fail instead of producing another key.

The wallet data stored beside Secret A (the `backup export` content: descriptor, public keys,
helper blob — enough to find every address and balance) is sealed too, so the service and a
dump of its database see only ciphertext. Its key comes from the same material as the wrap
key under another HKDF label, and its associated data names the purpose, the kind, the email it
belongs to and the blob's salt:

    wallet_key = HKDF-SHA256(ikm = face_key ‖ oprf_out, salt = wrap_salt, info = WALLET_INFO ‖ kind)

Primitives come from `cryptography` (HKDF, AES-GCM); the OPRF math from bioshard_backup.oprf.
"""
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import BadInputError, WrongPassphraseError

MAGIC = "bioshard_facepass"
VERSION = 1
KINDS = ("owner", "heir")
_INFO = b"bioshard/facepass/wrap/v1/"
_OPRF_IN = b"bioshard/facepass/oprf-in/v1"
WALLET_INFO = b"bioshard/facepass/wallet/v1/"
SEALED = "bioshard_sealed_wallet"
PURPOSE = {"owner": "facepass wallet export", "heir": "facepass heir wallet"}


class UnwrapError(WrongPassphraseError):
    """Wrong face (miscorrected) or wrong OPRF key / altered blob: the AES-GCM tag failed."""


def new_salt():
    return os.urandom(16)


def oprf_input(salt, face_key):
    """What the owner's OPRF evaluates: bound to this blob's salt, so inputs never repeat."""
    return _OPRF_IN + salt + face_key


def _aad(doc):
    pub = {k: v for k, v in doc.items() if k not in ("nonce", "ct")}
    return json.dumps(pub, sort_keys=True, separators=(",", ":")).encode()


def _key(face_key, oprf_out, salt, kind):
    if len(face_key) != 32 or len(oprf_out) != 32:
        raise ValueError("face key and OPRF output are 32 bytes")
    return HKDF(hashes.SHA256(), 32, salt, _INFO + kind.encode()).derive(face_key + oprf_out)


def wrap(secret_a, helper, face_key, oprf_out, kind, oprf_public_key, host_pubkey, salt, extra=None):
    """JSON bytes of the blob (upload as hex of these bytes). `extra`: more public fields
    (e.g. the heir's DH point), authenticated like the rest."""
    if kind not in KINDS:
        raise ValueError("kind")
    doc = dict(extra or {})
    doc.update({MAGIC: VERSION, "kind": kind, "face": helper, "oprf_public_key": oprf_public_key.hex(),
                "host_pubkey": host_pubkey.hex(), "salt": salt.hex()})
    nonce = os.urandom(12)
    ct = AESGCM(_key(face_key, oprf_out, bytes.fromhex(doc["salt"]), kind)).encrypt(nonce, secret_a, _aad(doc))
    doc.update(nonce=nonce.hex(), ct=ct.hex())
    return json.dumps(doc, sort_keys=True).encode()


def parse(blob):
    try:
        doc = json.loads(blob)
        if doc.get(MAGIC) != VERSION or doc.get("kind") not in KINDS:
            raise BadInputError("not a face-pass blob of version %d" % VERSION)
        for k in ("oprf_public_key", "host_pubkey", "salt", "nonce", "ct"):
            bytes.fromhex(doc[k])
        if not isinstance(doc["face"], dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise BadInputError("face-pass blob is damaged: %s" % e.__class__.__name__) from None
    return doc


def unwrap(doc, face_key, oprf_out):
    key = _key(face_key, oprf_out, bytes.fromhex(doc["salt"]), doc["kind"])
    try:
        return AESGCM(key).decrypt(bytes.fromhex(doc["nonce"]), bytes.fromhex(doc["ct"]), _aad(doc))
    except InvalidTag:
        raise UnwrapError("the face pass did not open: another face, or the blob was altered") from None


# --- the wallet data beside the blob ---------------------------------------------------------

def account_email(email):
    """The email as the service keys accounts (bioshard_backup.address.parse lower-cases it)."""
    return email.strip(" \t").lower()


def wallet_key(face_key, oprf_out, salt, kind):
    if len(face_key) != 32 or len(oprf_out) != 32:
        raise ValueError("face key and OPRF output are 32 bytes")
    return HKDF(hashes.SHA256(), 32, salt, WALLET_INFO + kind.encode()).derive(face_key + oprf_out)


def _wallet_aad(kind, email, salt_hex):
    return json.dumps({SEALED: VERSION, "purpose": PURPOSE[kind], "kind": kind,
                       "email": account_email(email), "salt": salt_hex},
                      sort_keys=True, separators=(",", ":")).encode()


def seal_wallet(key, wallet, kind, email, salt):
    """The sealed wallet document (a dict; JSON-serialise it to store it)."""
    if kind not in KINDS:
        raise ValueError("kind")
    nonce = os.urandom(12)
    plain = json.dumps(wallet, sort_keys=True).encode()
    ct = AESGCM(key).encrypt(nonce, plain, _wallet_aad(kind, email, salt.hex()))
    return {SEALED: VERSION, "kind": kind, "salt": salt.hex(), "nonce": nonce.hex(), "ct": ct.hex()}


def is_sealed(doc):
    return isinstance(doc, dict) and SEALED in doc


def open_wallet(key, sealed, email):
    """The wallet dict from a sealed document; BadInputError if it is damaged or does not open
    (altered, or sealed for another email or blob)."""
    try:
        if sealed.get(SEALED) != VERSION or sealed.get("kind") not in KINDS:
            raise BadInputError("the stored wallet backup is not a sealed wallet of version %d" % VERSION)
        nonce, ct = bytes.fromhex(sealed["nonce"]), bytes.fromhex(sealed["ct"])
        aad = _wallet_aad(sealed["kind"], email, sealed["salt"])
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise BadInputError("the stored wallet backup is damaged: %s" % e.__class__.__name__) from None
    try:
        plain = AESGCM(key).decrypt(nonce, ct, aad)
    except InvalidTag:
        raise BadInputError("the stored wallet backup did not open: it was altered, or sealed for "
                            "another email") from None
    try:
        wallet = json.loads(plain)
    except ValueError:
        wallet = None
    if not isinstance(wallet, dict):
        raise BadInputError("the stored wallet backup is damaged")
    return wallet
