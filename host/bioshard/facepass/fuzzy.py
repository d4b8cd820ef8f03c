"""Fuzzy extractor over 128-d face embeddings: reliable sign bits + BCH code offset.

Enrollment (several frames of one face):
  1. centre each embedding on a public population mean (dlib embeddings share a large common
     component, |mean| ≈ 1.4 against a per-face residual ≈ 0.5; without centring most sign bits
     would be the same for everyone);
  2. project on PROJ fixed ±1 directions drawn from SHA-256(seed) (seed random per enrollment,
     stored in the helper, so two enrollments of one face do not share bit positions);
  3. keep the N = 255 projections whose sign agrees in every frame, largest smallest-margin first;
  4. reference bits w = signs of the mean projection; random k-bit message m; sketch = BCH(m) ⊕ w;
     face_key = HMAC(salt, label ‖ m).
Reproduction: w' from one probe embedding, BCH-decode(sketch ⊕ w'); more than t differing bits
is a clean failure *before* any service call (the service's OPRF is rate-limited).

Deliberately no check value: an offline-checkable tag on m would let whoever holds the helper
(anyone with the email's token can download it) find the k-bit m offline and then need a single
OPRF query. Without it a wrong m is only detected by the final AES-GCM tag, after an OPRF
evaluation the service counts. The face still adds at most k bits, and against someone with a
photo of the face it adds nothing: see docs/facepass.md.
"""
import hashlib
import hmac
import os

import numpy as np

from bioshard_card.bio.ecc_bch import N, code

from ..errors import BadInputError, BioshardError

VERSION = 1
DIM = 128
PROJ = 1024
T_DEFAULT = 30  # BCH(255, 63, 30); chosen by measurement, docs/facepass.md
SEED_LEN = 16
SALT_LEN = 16
_KEY_LABEL = b"bioshard/face-key/v1"
_DIR_LABEL = b"bioshard/face-proj/v1"


class FaceMismatch(BioshardError):
    """The probe face is too far from the enrolled one (BCH decoding failed)."""
    exit_code = 11


def directions(seed):
    """(PROJ, DIM) matrix of ±1 entries from SHA-256(label ‖ seed ‖ counter), numpy-version proof."""
    need = PROJ * DIM // 8
    out = bytearray()
    ctr = 0
    while len(out) < need:
        out += hashlib.sha256(_DIR_LABEL + seed + ctr.to_bytes(4, "big")).digest()
        ctr += 1
    bits = np.unpackbits(np.frombuffer(bytes(out[:need]), dtype=np.uint8))
    return (bits.astype(np.float64) * 2.0 - 1.0).reshape(PROJ, DIM)


def _as_matrix(embs):
    a = np.asarray(embs, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != DIM or not np.all(np.isfinite(a)):
        raise BadInputError("face embeddings must be finite %d-d vectors" % DIM)
    return a


def select_reliable(proj):
    """proj: (frames, PROJ) projections → (ascending indices of the N most reliable, their ref bits)."""
    sign_pos = np.all(proj > 0, axis=0)
    sign_neg = np.all(proj < 0, axis=0)
    low = np.min(np.abs(proj), axis=0)
    score = np.where(sign_pos | sign_neg, low, -1.0 / (1.0 + low))  # disagreeing rank last
    chosen = np.sort(np.argsort(-score, kind="stable")[:N])
    ref = (proj[:, chosen].mean(axis=0) > 0).astype(np.uint8)
    return chosen, ref


def _bits_to_int(bits):
    v = 0
    for i, b in enumerate(bits):
        if b:
            v |= 1 << i
    return v


def _mask(chosen):
    m = np.zeros(PROJ, dtype=np.uint8)
    m[chosen] = 1
    return np.packbits(m).tobytes()


def _unmask(mask):
    bits = np.unpackbits(np.frombuffer(mask, dtype=np.uint8))
    idx = np.nonzero(bits)[0]
    if len(idx) != N:
        raise BadInputError("face helper mask selects %d projections, expected %d" % (len(idx), N))
    return idx


def _key(salt, msg, k):
    return hmac.new(salt, _KEY_LABEL + msg.to_bytes((k + 7) // 8, "big"), hashlib.sha256).digest()


def enroll(embeddings, center, t=T_DEFAULT, rand=os.urandom):
    """(helper dict of public values, 32-byte face_key) from ≥ 2 embeddings of the same face."""
    e = _as_matrix(embeddings)
    if e.shape[0] < 2:
        raise BadInputError("enrollment needs at least 2 frames of the face")
    # round the centre to the float32 stored in the helper, so enrollment and reproduction
    # subtract exactly the same vector
    c = np.asarray(_as_matrix(center)[0], dtype="<f4").astype(np.float64)
    seed, salt = rand(SEED_LEN), rand(SALT_LEN)
    proj = (e - c) @ directions(seed).T
    chosen, ref = select_reliable(proj)
    bch = code(t)
    msg = int.from_bytes(rand((bch.k + 7) // 8), "big") & ((1 << bch.k) - 1)
    sketch = bch.encode(msg) ^ _bits_to_int(ref)
    helper = {"v": VERSION, "t": t, "seed": seed.hex(), "salt": salt.hex(), "mask": _mask(chosen).hex(),
              "center": c.astype("<f4").tobytes().hex(), "sketch": sketch.to_bytes(32, "big").hex()}
    return helper, _key(salt, msg, bch.k)


def parse(helper):
    try:
        if helper["v"] != VERSION:
            raise BadInputError("face helper version %r is not supported" % helper["v"])
        t = int(helper["t"])
        seed, salt = bytes.fromhex(helper["seed"]), bytes.fromhex(helper["salt"])
        mask = bytes.fromhex(helper["mask"])
        center = np.frombuffer(bytes.fromhex(helper["center"]), dtype="<f4").astype(np.float64)
        sketch = int.from_bytes(bytes.fromhex(helper["sketch"]), "big")
    except (KeyError, TypeError, ValueError) as e:
        raise BadInputError("face helper data is damaged: %s" % e.__class__.__name__) from None
    if not (1 <= t <= 63 and len(seed) == SEED_LEN and len(salt) == SALT_LEN and len(mask) == PROJ // 8
            and center.shape == (DIM,) and np.all(np.isfinite(center)) and sketch >> N == 0):
        raise BadInputError("face helper data is malformed")
    return t, seed, salt, _unmask(mask), center, sketch


def probe_bits(helper, embedding):
    """The N query bits of one embedding at the helper's projections (an int, bit i = rank i)."""
    _, seed, _, idx, center, _ = parse(helper)
    e = _as_matrix(embedding)[0]
    proj = directions(seed)[idx] @ (e - center)
    return _bits_to_int((proj > 0).astype(np.uint8))


def reproduce(helper, embedding):
    """face_key from one probe embedding, or FaceMismatch when more than t bits differ."""
    t, _, salt, _, _, sketch = parse(helper)
    bch = code(t)
    cw = bch.decode(sketch ^ probe_bits(helper, embedding))
    if cw is None:
        raise FaceMismatch("face not recognised")
    return _key(salt, bch.message(cw), bch.k)


def distance(helper, embedding):
    """Hamming distance of a probe to the enrolled reference (evaluation only: needs no secret,
    but uses the decoded codeword, so it is meaningful only when decoding succeeds)."""
    t, _, _, _, _, sketch = parse(helper)
    r = sketch ^ probe_bits(helper, embedding)
    cw = code(t).decode(r)
    return None if cw is None else bin(cw ^ r).count("1")
