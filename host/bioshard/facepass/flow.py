"""Face-pass enrollment and restore, independent of the CLI (commands/facepass.py drives it).

Inputs are face embeddings (from face.py or a camera) and an `oprf` callable that returns the
32-byte OPRF output for an input (the service round trip). Nothing here prints or logs a secret.
"""
import hashlib

import numpy as np
from coincurve import PrivateKey, PublicKey

from bioshard_backup import oprf

from . import fuzzy, wrap
from .population import MEAN
from ..errors import BadInputError

_HEIR_DH = b"bioshard/facepass/heir-dh/v1"
MAX_KEY_TRIES = 2  # distinct decoded face keys tried against the (rate-limited) service


def _host_pub(secret_a):
    from ..signing import individual_pk

    return individual_pk(secret_a)


def owner_blob(secret_a, embeddings, owner_oprf, oprf_public_key, t=fuzzy.T_DEFAULT):
    """Blob for the owner's own face: the OPRF input is bound to the face key, so each guess
    at the face costs one rate-limited service evaluation."""
    helper, face_key = fuzzy.enroll(embeddings, np.array(MEAN), t)
    salt = wrap.new_salt()
    out = owner_oprf(wrap.oprf_input(salt, face_key))
    return wrap.wrap(secret_a, helper, face_key, out, "owner", oprf_public_key, _host_pub(secret_a), salt)


def heir_blob(secret_a, embeddings, heir_public_key, t=fuzzy.T_DEFAULT, wallet=None):
    """Blob for an heir's face, made by the owner with only the heir key's public key K.
    `wallet`: the public wallet data (backup export) the heir needs beside Secret A."""
    helper, face_key = fuzzy.enroll(embeddings, np.array(MEAN), t)
    e = PrivateKey()
    point = e.public_key.format(compressed=True)
    v = PublicKey(heir_public_key).multiply(e.secret).format(compressed=True)
    out = hashlib.sha256(oprf.OUT_TAG + _HEIR_DH + point + v).digest()
    return wrap.wrap(secret_a, helper, face_key, out, "heir", heir_public_key, _host_pub(secret_a),
                     wrap.new_salt(), extra={"heir_point": point.hex(), "wallet": wallet or {}})


def heir_factor(doc, evaluate):
    """The heir's side: blind E, let the service multiply by k, unblind (oprf.finalize)."""
    point = bytes.fromhex(doc["heir_point"])
    r = oprf.random_scalar()
    blinded = PublicKey(point).multiply(r).format(compressed=True)
    return oprf.finalize(_HEIR_DH + point, r, evaluate(blinded))


def face_keys(doc, embeddings):
    """Distinct face keys decoded from the probe embeddings, most frequent first (the service is
    asked about at most MAX_KEY_TRIES of them)."""
    counts = {}
    for e in embeddings:
        try:
            k = fuzzy.reproduce(doc["face"], e)
        except fuzzy.FaceMismatch:
            continue
        counts[k] = counts.get(k, 0) + 1
    if not counts:
        raise fuzzy.FaceMismatch("face not recognised in any frame")
    return sorted(counts, key=lambda k: -counts[k])[:MAX_KEY_TRIES]


def open_blob(blob, embeddings, owner_oprf=None, heir_evaluate=None):
    """Secret A from the blob and probe embeddings; raises FaceMismatch (no service call made)
    or wrap.UnwrapError. Owner blobs need owner_oprf(input), heir blobs heir_evaluate(blinded)."""
    doc = wrap.parse(blob)
    if doc["kind"] == "owner" and owner_oprf is None:
        raise BadInputError("an owner blob needs the owner's OPRF")
    if doc["kind"] == "heir" and (heir_evaluate is None or "heir_point" not in doc):
        raise BadInputError("an heir blob needs the heir's OPRF evaluation")
    keys = face_keys(doc, embeddings)  # FaceMismatch here: no service call made
    heir_out = heir_factor(doc, heir_evaluate) if doc["kind"] == "heir" else None  # one per restore
    last = None
    for fk in keys:
        if heir_out is None:
            out = owner_oprf(wrap.oprf_input(bytes.fromhex(doc["salt"]), fk))
        else:
            out = heir_out
        try:
            secret = wrap.unwrap(doc, fk, out)
        except wrap.UnwrapError as e:
            last = e
            continue
        if _host_pub(secret).hex() != doc["host_pubkey"]:
            raise wrap.UnwrapError("the unwrapped key does not match the blob's public key")
        return secret
    raise last
