# Ordered finger sequences -> Secret B, and the authenticated helper blob around them.
from ptest import raises

from bioshard_card.bio import helperblob, sequence
from test_fuzzy_synth import finger, impression, lcg_bytes


_rng = lcg_bytes


def _enroll(seeds, ids=None):
    e = sequence.Enrollment(rng=_rng(sum(seeds)))
    ids = ids or [1 + i for i in range(len(seeds))]
    for s, fid in zip(seeds, ids):
        e.add(fid, [impression(finger(s), i) for i in (1, 2, 3)])
    return e.finish()


def _reproduce(blob, seeds, capture=4):
    r = sequence.Reproduction(blob)
    for s in seeds:
        assert r.offer(impression(finger(s), capture))
    return r.finish()


def test_same_fingers_and_blob_on_a_new_card_give_the_same_secret():
    sb, blob = _enroll([60, 61])
    assert len(sb) == 32
    assert _reproduce(blob, [60, 61], 4) == sb
    assert _reproduce(bytes(blob), [60, 61], 5) == sb  # a fresh Reproduction = a new card


def test_order_matters():
    k1, k2 = b"\x01" * 32, b"\x02" * 32
    a = sequence.derive([1, 2], [k1, k2])[0]
    b = sequence.derive([2, 1], [k2, k1])[0]
    c = sequence.derive([1, 2], [k2, k1])[0]
    assert a != b and a != c and b != c
    assert sequence.derive([1], [k1])[0] != sequence.derive([1, 1], [k1, k1])[0]


def test_fingers_in_the_wrong_order_are_refused_per_finger():
    sb, blob = _enroll([62, 63])
    r = sequence.Reproduction(blob)
    assert r.finger_id() == 1
    assert not r.offer(impression(finger(63), 4))  # second finger offered first: wrong finger
    assert r.position == 0
    assert r.offer(impression(finger(62), 4))
    assert r.finger_id() == 2
    assert r.offer(impression(finger(63), 4))
    assert r.finish() == sb


def test_finish_needs_every_finger():
    _, blob = _enroll([64, 65])
    r = sequence.Reproduction(blob)
    assert r.offer(impression(finger(64), 4))
    raises(sequence.SequenceError, r.finish)


def test_tampered_blob_is_detected():
    sb, blob = _enroll([66])
    assert _reproduce(blob, [66]) == sb
    # finger id and MAC: the finger still decodes, the MAC check at the end refuses
    for at in (6, len(blob) - 1):
        bad = bytearray(blob)
        bad[at] ^= 0x01
        r = sequence.Reproduction(bytes(bad))
        assert r.offer(impression(finger(66), 4))
        raises(helperblob.BlobError, r.finish)
    # salt, check value, reference invariants, wraps, vault coefficients: refused at the
    # finger (or by the parser), never a wrong secret
    fv_at = 7  # first byte of the finger's vault helper
    for at in (fv_at + 4, fv_at + 22, fv_at + 30, fv_at + 31, fv_at + 45, fv_at + 100, len(blob) - 40):
        bad = bytearray(blob)
        bad[at] ^= 0x01
        try:
            r = sequence.Reproduction(bytes(bad))
        except helperblob.BlobError:
            continue
        if r.offer(impression(finger(66), 4)):
            raises(helperblob.BlobError, r.finish)


def test_blob_parser_rejects_malformed_input():
    _, blob = _enroll([67, 68])
    assert len(helperblob.parse(blob)) == 2
    raises(helperblob.BlobError, helperblob.parse, blob[:-1])
    raises(helperblob.BlobError, helperblob.parse, blob + b"\0")
    raises(helperblob.BlobError, helperblob.parse, b"")
    raises(helperblob.BlobError, helperblob.parse, "not bytes")
    for at, value in ((0, ord("X")), (4, 2), (4, 1), (4, 99), (5, 0), (5, 6), (5, 3), (6, 11), (7, ord("X")), (9, 2), (10, 0), (10, 7)):
        bad = bytearray(blob)
        bad[at] = value
        raises(helperblob.BlobError, helperblob.parse, bytes(bad))


def test_old_blobs_are_refused_with_re_enroll():
    _, blob = _enroll([69])
    for version in (1, 2):
        bad = bytearray(blob)
        bad[4] = version
        try:
            helperblob.parse(bytes(bad))
        except helperblob.BlobError as e:
            assert "re-enroll" in str(e)
        else:
            raise AssertionError("an old blob version parsed")


def test_enrollment_limits():
    e = sequence.Enrollment(rng=_rng(1))
    raises(sequence.SequenceError, e.finish)
    raises(sequence.SequenceError, e.add, 11, [finger(1), finger(1)])
    raises(sequence.SequenceError, sequence.derive, [], [])


def _halves(seed, imp):
    # two overlapping partial presses of one finger (left and right part, noisy): the kind
    # of presses a small sensor gives when the finger is placed off-centre
    base = finger(seed)
    a = [m for m in impression(base, imp, jitter=3, drop=10, extra=6) if m[0] < 150]
    b = [m for m in impression(base, imp + 50, jitter=3, drop=10, extra=6) if m[0] > 100]
    return a, b


def test_a_failed_press_is_fused_with_the_next_and_the_next_finger_starts_afresh():
    from bioshard_card.bio import finger_vault

    for seed, imp in ((302, 23), (303, 27)):
        e = sequence.Enrollment(rng=_rng(seed))
        e.add(1, [impression(finger(seed), i) for i in range(1, 7)])
        e.add(2, [impression(finger(seed + 100), i) for i in range(1, 7)])
        sb, blob = e.finish()
        a, b = _halves(seed, imp)
        r = sequence.Reproduction(blob)
        helper = r.blob.fingers[0][1]
        # neither half opens the finger alone ...
        assert finger_vault.unlock(helper, a) is None and finger_vault.unlock(helper, b) is None
        assert not r.offer(a) and r.presses == 1
        # ... but the second, fused with the first after alignment, does
        assert r.offer(b) and r.position == 1
        assert r.presses == 0  # the next finger starts from nothing
        assert not r.offer(impression(finger(seed + 7), 1)) and r.presses == 1
        assert r.offer(impression(finger(seed + 100), 9))
        assert r.finish() == sb
