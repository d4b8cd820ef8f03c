"""Liveness challenges (host/bioshard/facepass/liveness.py): synthetic landmark sequences (always
run) and frame sequences built from real photos (../shared/faces/deepface, serengil/deepface,
MIT; skipped without ../shared)."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from bioshard.facepass import liveness

# 68 iBUG landmarks that dlib's 68-point model found on deepface img1.jpg, scaled to 0..200
BASE = np.array([
    (0, 45), (3, 72), (8, 98), (12, 124), (18, 149), (32, 170), (52, 186), (75, 198), (101, 200),
    (126, 194), (150, 180), (169, 163), (182, 143), (189, 119), (192, 95), (194, 71), (196, 46),
    (18, 13), (32, 2), (49, 0), (64, 5), (79, 13), (120, 16), (134, 9), (149, 6), (164, 8), (177, 17),
    (100, 35), (101, 54), (102, 72), (102, 90), (81, 99), (90, 102), (101, 106), (110, 102), (119, 98),
    (35, 38), (46, 31), (58, 33), (71, 43), (57, 43), (45, 42), (126, 44), (136, 34), (148, 34),
    (160, 40), (150, 44), (138, 44), (46, 121), (66, 115), (86, 113), (100, 115), (113, 113),
    (131, 116), (147, 122), (133, 145), (115, 155), (100, 156), (85, 155), (65, 145), (52, 124),
    (86, 121), (100, 122), (113, 121), (142, 125), (114, 141), (100, 142), (86, 141)], dtype=float)


def _depth(lm):
    """Rough depth of each landmark (face-width units): nose out, jaw ends back."""
    cx = (lm[0, 0] + lm[16, 0]) / 2
    half = (lm[16, 0] - lm[0, 0]) / 2
    z = np.full(68, 12.0)
    z[:17] = -60.0 * np.abs(lm[:17, 0] - cx) / half
    z[27:36] = (20, 28, 36, 44, 25, 30, 34, 30, 25)
    return cx, z


def turn(lm, deg):
    """Head rotated about the vertical axis by `deg` (positive: nose towards larger x)."""
    cx, z = _depth(lm)
    t = np.radians(deg)
    out = lm.copy()
    out[:, 0] = cx + (lm[:, 0] - cx) * np.cos(t) + z * np.sin(t)
    return out


def blink(lm):
    out = lm.copy()
    for up, lo in ((37, 41), (38, 40), (43, 47), (44, 46)):
        out[up, 1] = out[lo, 1] - 1.0
    return out


def smile(lm):
    out = lm.copy()
    cx = (lm[48, 0] + lm[54, 0]) / 2
    for i in range(48, 68):
        out[i, 0] = cx + (lm[i, 0] - cx) * 1.25
    return out


ACT = {"left": lambda lm: turn(lm, -22), "right": lambda lm: turn(lm, 22), "blink": blink, "smile": smile}


def perform(actions, rng, hold=3, rest=3, similarity=None):
    """A frame sequence: neutral, then each action held for `hold` frames with rests between;
    each frame jittered by ±0.5 px and optionally moved by a per-frame similarity transform."""
    seq = [BASE] * 4
    for a in actions:
        seq += [ACT[a](BASE)] * hold + [BASE] * rest
    out = []
    for i, lm in enumerate(seq):
        f = lm + rng.uniform(-0.5, 0.5, lm.shape)
        if similarity:
            ang, s, dx = similarity(i)
            r = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]]) * s
            f = f @ r.T + dx
        out.append(f)
    return out


CHALLENGES = [list(p) for n in (1, 2, 3) for p in itertools.permutations(liveness.ACTIONS, n)]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(CHALLENGES), st.integers(0, 2**32 - 1))
def test_performed_challenge_passes(challenge, seed):
    rng = np.random.default_rng(seed)
    sim = lambda i: (np.radians(10 * np.sin(i)), 1 + 0.1 * np.cos(i), (3 * i, -2 * i))
    assert liveness.check(challenge, perform(challenge, rng, similarity=sim if seed % 2 else None))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(CHALLENGES), st.sampled_from(CHALLENGES), st.integers(0, 2**32 - 1))
def test_replayed_sequence_answers_only_its_own_challenge(recorded, asked, seed):
    frames = perform(recorded, np.random.default_rng(seed))
    if recorded == asked:
        assert liveness.check(asked, frames)
    else:
        with pytest.raises(liveness.LivenessError):
            liveness.check(asked, frames)


def test_still_photo_fails_even_when_moved_in_front_of_the_camera():
    rng = np.random.default_rng(1)
    still = [BASE] * 20
    moved = perform([], rng, similarity=lambda i: (np.radians(25 * np.sin(i / 2)), 0.6 + 0.05 * i, (5 * i, 0)))
    moved += moved
    for frames in (still, moved):
        with pytest.raises(liveness.LivenessError, match="no movement"):
            liveness.check(["left", "smile"], frames)


def test_new_challenge_is_distinct_actions_and_varies():
    seen = set()
    for _ in range(200):
        c = liveness.new_challenge()
        assert len(c) == 3 and len(set(c)) == 3 and set(c) <= set(liveness.ACTIONS)
        seen.add(tuple(c))
    assert len(seen) > 12  # 24 possible orders; a fixed or biased draw shows up here


def test_features_on_synthetic_actions():
    y0, e0, m0 = liveness.features(BASE)
    assert 0.45 < y0 < 0.55
    assert liveness.features(turn(BASE, 22))[0] > y0 + liveness.YAW_DELTA
    assert liveness.features(turn(BASE, -22))[0] < y0 - liveness.YAW_DELTA
    assert liveness.features(blink(BASE))[1] < 0.2 * e0
    assert liveness.features(smile(BASE))[2] > 1.2 * m0
    with pytest.raises(liveness.LivenessError):
        liveness.features(np.zeros((68, 2)))
    with pytest.raises(liveness.LivenessError):
        liveness.check(["jump"], [BASE] * 8)


# --- real photos -----------------------------------------------------------------------------

def _warp_frames(img, n=8):
    """A flat photo shown to a camera: shifted, scaled, rotated and tilted (perspective) a little."""
    import cv2

    h, w = img.shape[:2]
    out = []
    for i in range(n):
        ang = 12 * np.sin(i)
        m = cv2.getRotationMatrix2D((w / 2, h / 2), ang, 1 - 0.04 * (i % 3))
        m[0, 2] += 6 * i
        f = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)
        k = 0.06 * w * ((i % 4) - 1.5) / 1.5  # photo tilted about its vertical axis
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = np.float32([[0, k], [w, -k], [w, h + k], [0, h - k]])
        out.append(cv2.warpPerspective(f, cv2.getPerspectiveTransform(src, dst), (w, h),
                                       borderMode=cv2.BORDER_REFLECT))
    return out


@pytest.mark.parametrize("name", ["img1.jpg", "img17.jpg"])
def test_real_photo_replayed_or_moved_fails(shared, name):
    pytest.importorskip("dlib")
    from bioshard.facepass import face

    img = face.load_image(shared / "faces" / "deepface" / name)
    lms = [face.landmarks68(f) for f in _warp_frames(img)]
    for frames in (lms, [lms[0]] * 8):
        for challenge in (["left"], ["right", "blink"], ["smile", "left", "right"]):
            with pytest.raises(liveness.LivenessError, match="no movement"):
                liveness.check(challenge, frames)
