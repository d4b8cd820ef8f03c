"""Fuzzy extractor over face embeddings (host/bioshard/facepass/fuzzy.py), synthetic faces."""
import hashlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from bioshard.errors import BadInputError
from bioshard.facepass import fuzzy
from bioshard.facepass.population import MEAN
from bioshard_card.bio.ecc_bch import code
from test_facepass_synth import frames, person

CENTER = np.array(MEAN)


def test_directions_are_sha256_bits_msb_first():
    # independent re-derivation of the first rows: bit j of row i = bit (i*128+j) of the stream
    seed = bytes(range(16))
    stream = b"".join(hashlib.sha256(b"bioshard/face-proj/v1" + seed + c.to_bytes(4, "big")).digest()
                      for c in range(2))
    want = [1.0 if (stream[b // 8] >> (7 - b % 8)) & 1 else -1.0 for b in range(3 * 128)]
    assert fuzzy.directions(seed)[:3].reshape(-1).tolist() == want
    assert fuzzy.directions(seed).shape == (fuzzy.PROJ, 128)


def test_same_person_reproduces_key_other_person_does_not():
    rng = np.random.default_rng(1)
    alice, bob = person(rng), person(rng)
    helper, key = fuzzy.enroll(frames(rng, alice, 5, 0.005), CENTER)
    assert len(key) == 32
    ok = sum(fuzzy.reproduce(helper, p) == key for p in frames(rng, alice, 10))
    assert ok >= 9
    for p in frames(rng, bob, 10):
        with pytest.raises(fuzzy.FaceMismatch):
            fuzzy.reproduce(helper, p)


def test_two_enrollments_of_one_face_give_unrelated_keys_and_bits():
    rng = np.random.default_rng(2)
    alice = person(rng)
    h1, k1 = fuzzy.enroll(frames(rng, alice, 4, 0.005), CENTER)
    h2, k2 = fuzzy.enroll(frames(rng, alice, 4, 0.005), CENTER)
    assert k1 != k2 and h1["seed"] != h2["seed"] and h1["sketch"] != h2["sketch"]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.005, 0.08))
def test_decodes_exactly_when_within_t_bits(seed, noise):
    # property: reproduce succeeds iff the probe's bits are within t of the reference bits
    # (computed here independently from the enrollment's own projections), and then the key is
    # the enrolled one.
    rng = np.random.default_rng(seed)
    alice = person(rng)
    enr = frames(rng, alice, 3, 0.005)
    helper, key = fuzzy.enroll(enr, CENTER, t=20)
    d = fuzzy.directions(bytes.fromhex(helper["seed"]))
    idx = np.nonzero(np.unpackbits(np.frombuffer(bytes.fromhex(helper["mask"]), np.uint8)))[0]
    ref = (np.mean([(d[idx] @ (e - CENTER)) for e in enr], axis=0) > 0)
    probe = alice + noise * rng.standard_normal(128)
    hd = int(np.sum(((d[idx] @ (probe - CENTER)) > 0) != ref))
    if hd <= 20:
        assert fuzzy.reproduce(helper, probe) == key
    else:
        with pytest.raises(fuzzy.FaceMismatch):
            fuzzy.reproduce(helper, probe)  # BCH(255, 115, 20) miscorrects with p < 2^-60


def test_key_is_hmac_of_the_bch_message():
    # the key is HMAC(salt, label || m) where m is the BCH message under the sketch
    rng = np.random.default_rng(3)
    alice = person(rng)
    enr = frames(rng, alice, 3, 0.005)
    helper, key = fuzzy.enroll(enr, CENTER)
    bch = code(helper["t"])
    r = int.from_bytes(bytes.fromhex(helper["sketch"]), "big") ^ fuzzy.probe_bits(helper, enr[0])
    m = bch.message(bch.decode(r))
    import hmac

    want = hmac.new(bytes.fromhex(helper["salt"]), b"bioshard/face-key/v1" + m.to_bytes((bch.k + 7) // 8, "big"),
                    hashlib.sha256).digest()
    assert key == want


def test_helper_is_validated():
    rng = np.random.default_rng(4)
    alice = person(rng)
    helper, _ = fuzzy.enroll(frames(rng, alice, 3), CENTER)
    for field, bad in (("v", 2), ("t", 0), ("seed", "00"), ("mask", "ff" * 128), ("center", "00" * 8),
                       ("sketch", "ff" * 33), ("salt", "zz")):
        with pytest.raises(BadInputError):
            fuzzy.reproduce(dict(helper, **{field: bad}), alice)
    with pytest.raises(BadInputError):
        fuzzy.reproduce(helper, np.full(128, np.nan))
    with pytest.raises(BadInputError):
        fuzzy.enroll([alice], CENTER)  # one frame is not a multi-frame enrollment


def test_helper_holds_no_key_material():
    # the helper has only public fields; the key (and its hex) appears nowhere in it
    rng = np.random.default_rng(5)
    helper, key = fuzzy.enroll(frames(rng, person(rng), 3), CENTER)
    assert set(helper) == {"v", "t", "seed", "salt", "mask", "center", "sketch"}
    assert key.hex() not in repr(helper)
