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
