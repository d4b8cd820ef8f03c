# Quality-weighted pair votes (template version 2): a pair votes with (q_i q_j / 100^2)^2, and
# quality 0 ("not reported", as in ISO records) is neutral, so ISO minutiae keep working.
import math

from bioshard_card.bio import template
from test_fuzzy_synth import Lcg, finger


def _with_q(ms, q):
    return [(x, y, a, k, q) for x, y, a, k, _ in ms]


def _cos(a, b):
    s = sa = sb = 0.0
    for i in range(len(a)):
        s += a[i] * b[i]
        sa += a[i] * a[i]
        sb += b[i] * b[i]
    return s / math.sqrt(sa * sb)


def test_quality_weight_values():
    assert template._quality_weight((0, 0, 0, 1, 100)) == 1.0
    assert template._quality_weight((0, 0, 0, 1, 0)) == 1.0      # not reported
    assert template._quality_weight((0, 0, 0, 1, 200)) == 1.0    # out of range: neutral
    assert template._quality_weight((0, 0, 0)) == 1.0            # no quality field
    assert abs(template._quality_weight((0, 0, 0, 1, 50)) - 0.25) < 1e-9


def _same_template(ms, q0, q1, tol):
    h0 = template.normalise(template.histogram(_with_q(ms, q0)))
    h1 = template.normalise(template.histogram(_with_q(ms, q1)))
    for i in range(template.CELLS):
        assert abs(h0[i] - h1[i]) < tol, (i, h0[i], h1[i])


def test_unreported_quality_equals_full_quality():
    _same_template(finger(31), 0, 100, 1e-6)


def test_a_uniform_quality_does_not_change_the_normalised_template():
    # every pair scaled by the same factor: sqrt + centring + L2 norm remove it
    _same_template(finger(32), 100, 40, 1e-5)


def test_low_quality_spurious_minutiae_disturb_the_template_less():
    base = _with_q(finger(33, 30), 80)
    ref = template.normalise(template.histogram(base))
    r = Lcg(34)
    junk = [(30 + r.next(196), 30 + r.next(228), r.next(256), 1) for _ in range(10)]
    low = template.normalise(template.histogram(base + [j + (15,) for j in junk]))
    high = template.normalise(template.histogram(base + [j + (80,) for j in junk]))
    assert _cos(ref, low) > 0.97
    assert _cos(ref, low) > _cos(ref, high) + 0.1
