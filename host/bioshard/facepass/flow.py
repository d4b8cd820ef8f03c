"""Face-pass enrollment and restore, independent of the CLI (commands/facepass.py drives it).

Inputs are face embeddings (from face.py or a camera) and an `oprf` callable that returns the
32-byte OPRF output for an input (the service round trip). Nothing here prints or logs a secret.
"""
import hashlib
import json
from typing import NamedTuple

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


class Opened(NamedTuple):
    """An opened face pass: Secret A, the blob's public fields, and the key of the wallet data
    sealed beside it (wrap.wallet_key)."""
    secret: bytes
    doc: dict
    wallet_key: bytes


def owner_enroll(secret_a, embeddings, owner_oprf, oprf_public_key, wallet=None, email=None,
                 t=fuzzy.T_DEFAULT):
    """(blob, sealed wallet bytes or None) for the owner's own face. The OPRF input is bound to
    the face key, so each guess at the face costs one rate-limited service evaluation. `wallet`
    (the backup export) is sealed for `email` under the same face and OPRF factors."""
    if wallet is not None and not email:
        raise ValueError("sealing the wallet needs the account email")
    helper, face_key = fuzzy.enroll(embeddings, np.array(MEAN), t)
    salt = wrap.new_salt()
    out = owner_oprf(wrap.oprf_input(salt, face_key))
    blob = wrap.wrap(secret_a, helper, face_key, out, "owner", oprf_public_key, _host_pub(secret_a), salt)
    if wallet is None:
        return blob, None
    sealed = wrap.seal_wallet(wrap.wallet_key(face_key, out, salt, "owner"), wallet, "owner", email, salt)
    return blob, json.dumps(sealed, sort_keys=True).encode()


def owner_blob(secret_a, embeddings, owner_oprf, oprf_public_key, t=fuzzy.T_DEFAULT):
    """The owner's blob alone (no wallet data)."""
    return owner_enroll(secret_a, embeddings, owner_oprf, oprf_public_key, t=t)[0]


def heir_blob(secret_a, embeddings, heir_public_key, t=fuzzy.T_DEFAULT, wallet=None, email=None):
    """Blob for an heir's face, made by the owner with only the heir key's public key K.
    `wallet`: the public wallet data (backup export) the heir needs beside Secret A, sealed for
    the heir's `email` under the heir's factors (never in clear in the blob)."""
    if wallet and not email:
        raise ValueError("sealing the wallet needs the heir's email")
    helper, face_key = fuzzy.enroll(embeddings, np.array(MEAN), t)
    e = PrivateKey()
    point = e.public_key.format(compressed=True)
    v = PublicKey(heir_public_key).multiply(e.secret).format(compressed=True)
    out = hashlib.sha256(oprf.OUT_TAG + _HEIR_DH + point + v).digest()
    salt = wrap.new_salt()
    extra = {"heir_point": point.hex()}
    if wallet:
        extra["wallet_sealed"] = wrap.seal_wallet(wrap.wallet_key(face_key, out, salt, "heir"), wallet,
                                                  "heir", email, salt)
    return wrap.wrap(secret_a, helper, face_key, out, "heir", heir_public_key, _host_pub(secret_a),
                     salt, extra=extra)


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


def open_pass(blob, embeddings, owner_oprf=None, heir_evaluate=None):
    """Opened(secret, doc, wallet_key) from the blob and probe embeddings; raises FaceMismatch (no
    service call made) or wrap.UnwrapError. Owner blobs need owner_oprf(input), heir blobs
    heir_evaluate(blinded)."""
    doc = wrap.parse(blob)
    if doc["kind"] == "owner" and owner_oprf is None:
        raise BadInputError("an owner blob needs the owner's OPRF")
    if doc["kind"] == "heir" and (heir_evaluate is None or "heir_point" not in doc):
        raise BadInputError("an heir blob needs the heir's OPRF evaluation")
    keys = face_keys(doc, embeddings)  # FaceMismatch here: no service call made
    heir_out = heir_factor(doc, heir_evaluate) if doc["kind"] == "heir" else None  # one per restore
    salt = bytes.fromhex(doc["salt"])
    last = None
    for fk in keys:
        if heir_out is None:
            out = owner_oprf(wrap.oprf_input(salt, fk))
        else:
            out = heir_out
        try:
            secret = wrap.unwrap(doc, fk, out)
        except wrap.UnwrapError as e:
            last = e
            continue
        if _host_pub(secret).hex() != doc["host_pubkey"]:
            raise wrap.UnwrapError("the unwrapped key does not match the blob's public key")
        return Opened(secret, doc, wrap.wallet_key(fk, out, salt, doc["kind"]))
    raise last


def open_blob(blob, embeddings, owner_oprf=None, heir_evaluate=None):
    """Secret A from the blob and probe embeddings (see open_pass)."""
    return open_pass(blob, embeddings, owner_oprf, heir_evaluate).secret


def open_wallet(opened, email, stored=None):
    """(wallet dict or None, in_clear) stored beside an opened blob: for an owner, `stored` is
    the service's `fingerprint` blob (None if there is none); an heir blob carries its own.
    `email`: the account it was sealed for (the owner's, or the heir's own).

    Records written before the wallet data was sealed are still read (in_clear=True: the
    caller tells the user to enroll again so that it is sealed); BadInputError if a sealed
    record is damaged, does not open, or belongs to another face enrollment."""
    doc = opened.doc
    if doc["kind"] == "heir":
        if "wallet_sealed" in doc:
            sealed = doc["wallet_sealed"]
        else:
            legacy = doc.get("wallet")
            return (legacy, True) if isinstance(legacy, dict) and legacy else (None, False)
    else:
        if stored is None:
            return None, False
        try:
            sealed = json.loads(stored)
        except ValueError:
            raise BadInputError("the stored wallet backup is damaged") from None
        if isinstance(sealed, dict) and sealed.get("bioshard_backup") == 1 and not wrap.is_sealed(sealed):
            return sealed, True
        if not wrap.is_sealed(sealed):
            raise BadInputError("the stored wallet backup is damaged")
    if sealed.get("salt") != doc["salt"] or sealed.get("kind") != doc["kind"]:
        raise BadInputError("the stored wallet backup belongs to an earlier face enrollment: run "
                            "`bioshard facepass enroll` again on a computer that has the wallet, "
                            "or `bioshard backup restore FILE`")
    return wrap.open_wallet(opened.wallet_key, sealed, email), False
