# Fuzzy commitment of one finger: a noisy re-capture reproduces the key, another finger fails
# cleanly, the helper parser is strict. Synthetic fingers (test_fuzzy_synth) keep it fast.
from ptest import raises

from bioshard_card.bio import fuzzy, template
from test_fuzzy_synth import check_reenrollment_gives_a_new_key, enrolled, finger, impression


def _enrolled(seed):
    return enrolled(fuzzy.enroll, seed)


def test_noisy_recapture_reproduces_the_key():
    base, key, helper = _enrolled(40)
    assert len(key) == 32 and len(helper) == fuzzy.HELPER_LEN
    for i in (4, 5, 6):
        assert fuzzy.reproduce(helper, impression(base, i)) == key


def test_other_fingers_fail_cleanly():
    _, key, helper = _enrolled(41)
    for other in (42, 43, 44):
        assert fuzzy.reproduce(helper, impression(finger(other), 1)) is None


def test_keys_differ_between_enrollments_of_the_same_finger():
    check_reenrollment_gives_a_new_key(fuzzy.enroll, fuzzy.reproduce, 45, 7)


def test_enrollment_needs_two_captures():
    raises(ValueError, fuzzy.enroll, [finger(46)])


def test_check_value_catches_a_forged_message():
    base, key, helper = _enrolled(47)
    forged = bytearray(helper)
    forged[-1] ^= 1  # check value no longer matches the committed message
    assert fuzzy.reproduce(bytes(forged), impression(base, 4)) is None


def test_helper_parser_is_strict():
    _, _, helper = _enrolled(48)
    t, salt, idx, sketch, check = fuzzy.parse_helper(helper)
    assert t == fuzzy.T_DEFAULT and len(idx) == 255 and idx == sorted(idx)
    raises(fuzzy.HelperError, fuzzy.parse_helper, helper[:-1])
    raises(fuzzy.HelperError, fuzzy.parse_helper, helper + b"\0")
    bad = bytearray(helper)
    bad[0] = 2
    raises(fuzzy.HelperError, fuzzy.parse_helper, bytes(bad))
    bad = bytearray(helper)
    bad[1] = 0
    raises(fuzzy.HelperError, fuzzy.parse_helper, bytes(bad))
    bad = bytearray(helper)
    mask_at = 2 + fuzzy.SALT_LEN
    for i in range(fuzzy.MASK_LEN):  # select one projection too many
        if bad[mask_at + i] != 0xFF:
            j = 0
            while bad[mask_at + i] >> j & 1:
                j += 1
            bad[mask_at + i] |= 1 << j
            break
    raises(fuzzy.HelperError, fuzzy.parse_helper, bytes(bad))
    bad = bytearray(helper)
    bad[mask_at + fuzzy.MASK_LEN + fuzzy.SKETCH_LEN - 1] |= 0x80  # bit 255: beyond n
    raises(fuzzy.HelperError, fuzzy.parse_helper, bytes(bad))


def test_too_few_minutiae_at_reproduction_is_an_error_not_a_wrong_key():
    base, _, helper = _enrolled(49)
    raises(template.TemplateError, fuzzy.reproduce, helper, base[: template.MIN_MINUTIAE - 1])
