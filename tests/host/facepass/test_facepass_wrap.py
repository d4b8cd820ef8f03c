"""Face-pass blob (wrap.py): both factors needed, every public field authenticated."""
import json
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings, strategies as st

from bioshard.errors import BadInputError
from bioshard.facepass import wrap

HELPER = {"v": 1, "t": 30, "seed": "00" * 16, "salt": "11" * 16, "mask": "ff" * 32 + "00" * 96,
          "center": "00" * 512, "sketch": "22" * 32}


def _blob(secret=b"\x07" * 32, fk=b"\x01" * 32, out=b"\x02" * 32, kind="owner", extra=None):
    return wrap.wrap(secret, HELPER, fk, out, kind, b"\x02" + b"\x03" * 32, b"\x03" + b"\x04" * 32,
                     b"\x05" * 16, extra)


def test_round_trip_and_independent_key_derivation():
    blob = _blob()
    doc = wrap.parse(blob)
    assert wrap.unwrap(doc, b"\x01" * 32, b"\x02" * 32) == b"\x07" * 32
    # independent: HKDF-SHA256(face_key || oprf_out, salt, "bioshard/facepass/wrap/v1/owner"),
    # AES-GCM with the canonical JSON of the public fields as associated data
    key = HKDF(hashes.SHA256(), 32, b"\x05" * 16, b"bioshard/facepass/wrap/v1/owner").derive(b"\x01" * 32 + b"\x02" * 32)
    aad = json.dumps({k: v for k, v in doc.items() if k not in ("nonce", "ct")}, sort_keys=True,
                     separators=(",", ":")).encode()
    assert AESGCM(key).decrypt(bytes.fromhex(doc["nonce"]), bytes.fromhex(doc["ct"]), aad) == b"\x07" * 32
    assert (b"\x07" * 32).hex() not in blob.decode()


def test_each_factor_alone_fails():
    doc = wrap.parse(_blob())
    with pytest.raises(wrap.UnwrapError):
        wrap.unwrap(doc, b"\x01" * 32, b"\x00" * 32)  # right face, no service
    with pytest.raises(wrap.UnwrapError):
        wrap.unwrap(doc, b"\x00" * 32, b"\x02" * 32)  # right service output, wrong face


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["kind", "face", "oprf_public_key", "host_pubkey", "salt", "heir_point"]),
       st.binary(min_size=1, max_size=4))
def test_any_changed_public_field_fails(field, junk):
    doc = wrap.parse(_blob(extra={"heir_point": "02" + "09" * 32}))
    orig = dict(doc)
    if field == "kind":
        doc[field] = "heir"
    elif field == "face":
        doc[field] = dict(HELPER, t=31)
    else:
        doc[field] = junk.hex() + doc[field][len(junk) * 2:]
        if doc[field] == orig[field]:
            return  # junk equal to the original prefix: nothing changed
    with pytest.raises(wrap.UnwrapError):
        wrap.unwrap(doc, b"\x01" * 32, b"\x02" * 32)


def test_damaged_blobs_are_named_errors():
    good = json.loads(_blob())
    for bad in (b"", b"[]", b"{}", json.dumps(dict(good, bioshard_facepass=2)).encode(),
                json.dumps(dict(good, kind="x")).encode(), json.dumps(dict(good, ct="zz")).encode(),
                json.dumps(dict(good, face="x")).encode(), os.urandom(40)):
        with pytest.raises(BadInputError):
            wrap.parse(bad)
