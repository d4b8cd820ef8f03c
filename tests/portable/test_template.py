# The alignment-free template: invariant to where/how the finger lies on the sensor, different
# for different fingers, and it refuses captures with too few minutiae.
from ptest import raises

from bioshard_card.bio import template
from test_fuzzy_synth import finger, impression


def _agree(a, b):
    same = 0
    for i in range(len(a)):
        same += (a[i] > 0) == (b[i] > 0)
    return same / len(a)


def test_rotation_and_translation_do_not_change_the_bits_much():
    base = finger(11)
    moved = impression(base, 3, shift=30, rot_deg=25, jitter=0, drop=0, extra=0)
    assert _agree(template.features(base), template.features(moved)) > 0.9


def test_same_finger_agrees_more_than_other_fingers():
    a = template.features(impression(finger(21), 1))
    b = template.features(impression(finger(21), 2))
    c = template.features(impression(finger(22), 1))
    assert _agree(a, b) > 0.68
    assert _agree(a, c) < 0.65


def test_minutiae_order_does_not_matter():
    ms = impression(finger(5), 4)
    f1 = template.features(ms)
    f2 = template.features(list(reversed(ms)))
    for i in range(0, template.PROJ, 37):
        assert abs(f1[i] - f2[i]) < 1e-4


def test_query_projections_equal_full_ones():
    ms = finger(8)
    full = template.features(ms)
    idx = [3, 100, 512, 1023]
    part = template.features(ms, idx)
    for k in range(len(idx)):
        assert part[k] == full[idx[k]]


def test_too_few_minutiae_is_refused():
    ms = finger(9, count=template.MIN_MINUTIAE - 1)
    raises(template.TemplateError, template.features, ms)
    assert len(template.features(finger(9, count=template.MIN_MINUTIAE))) == template.PROJ
