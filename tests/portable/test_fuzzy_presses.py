# Several presses of one finger in the v2 commitment baseline (fuzzy.Presses): a press that fails
# alone is retried as the mean of all presses so far. Built on exact feature vectors so the
# test knows which bits each press gets wrong: two presses that each flip more than t bits,
# but different ones, decode together and not alone; other fingers still never decode.
from array import array

from ptest import raises

from bioshard_card.bio import fuzzy, template
from bioshard_card.bio.ecc_bch import N
from test_fuzzy_synth import Lcg, lcg_bytes


_rng = lcg_bytes


def _signs(seed):
    r = Lcg(seed)
    return [1.0 if r.next(2) else -1.0 for _ in range(template.PROJ)]


def _enrolled(seed):
    ref = _signs(seed)
    caps = [array("f", [v * (1.0 + 0.1 * i) for v in ref]) for i in range(3)]
    key, helper = fuzzy.enroll_features(caps, rng=_rng(seed))
    idx = fuzzy.parse_helper(helper)[2]
    return [ref[j] for j in idx], key, helper


def _press(ref_sel, wrong):
    # correct sign with magnitude 1 except at `wrong` ranks: wrong sign, magnitude 0.5
    q = array("f", ref_sel)
    for r in wrong:
        q[r] = -0.5 * ref_sel[r]
    return q


A = range(0, 60)      # 60 > t = 45 errors each, so either press alone fails
B = range(60, 120)


def test_each_press_alone_fails_but_their_mean_decodes():
    ref, key, helper = _enrolled(70)
    assert fuzzy.T_DEFAULT < 60
    assert fuzzy.reproduce_features(helper, _press(ref, A)) is None
    assert fuzzy.reproduce_features(helper, _press(ref, B)) is None
    p = fuzzy.Presses(helper)
    assert p.offer(_press(ref, A)) is None and p.count == 1
    assert p.offer(_press(ref, B)) == key


def test_a_good_press_decodes_on_its_own():
    ref, key, helper = _enrolled(71)
    p = fuzzy.Presses(helper)
    assert p.offer(_press(ref, range(10))) == key
    assert p.count == 0


def test_presses_of_another_finger_never_decode():
    _, key, helper = _enrolled(72)
    p = fuzzy.Presses(helper)
    for seed in (73, 74, 75, 76):
        other, _, h2 = _enrolled(seed)
        assert p.offer(array("f", other)) is None
    assert p.count == 4


def test_same_press_twice_does_not_help():
    # the mean of two identical presses has the same signs: the fusion adds no false accept
    ref, key, helper = _enrolled(77)
    p = fuzzy.Presses(helper)
    assert p.offer(_press(ref, A)) is None
    assert p.offer(_press(ref, A)) is None


def test_wipe_zeroes_the_running_sum():
    ref, _, helper = _enrolled(78)
    p = fuzzy.Presses(helper)
    p.offer(_press(ref, A))
    p.wipe()
    assert p.count == 0 and all(v == 0.0 for v in p._sum)
    raises(fuzzy.HelperError, fuzzy.Presses, helper[:-1])
