"""Local liveness: a random challenge (turn left/right, blink, smile) checked on 68-point landmarks.

Per frame, from the iBUG-300W landmarks:
  yaw   — where the nose tip (30) sits between the jaw ends (0, 16), measured along the line
          through the outer eye corners: ≈ 0.5 facing the camera, towards 0/1 when the head
          turns (the nose stands out of the face plane). A ratio of positions along one line, so
          a flat photo moved, scaled or rotated in front of the camera (a similarity) leaves it
          unchanged, and a tilted photo changes it only by perspective, much less than a turn;
  blink — eye aspect ratio (Soukupová & Čech 2016), both eyes, against the session's baseline;
  smile — mouth width (48–54) over the outer eye-corner distance (36–45), against the baseline.
Each frame gets one label; consecutive equal labels collapse into one event; the non-neutral
events must equal the challenge, in order, with nothing else. A still photo produces no event;
a recorded sequence answers only the challenge it was recorded for, and the challenge is
drawn with `secrets` after the session starts.

What it does not stop: a live deepfake or a video-capable attacker who sees the challenge. It is
a speed bump for "hold up a printed photo", not a security boundary (docs/facepass.md).
"""
import secrets

import numpy as np

from ..errors import BioshardError

ACTIONS = ("left", "right", "blink", "smile")
YAW_DELTA = 0.12     # nose-position ratio change that counts as a head turn
EAR_FACTOR = 0.65    # eyes count as closed below this fraction of the baseline EAR
SMILE_FACTOR = 1.10  # mouth counts as smiling above this multiple of the baseline width
BASELINE_FRAMES = 3


class LivenessError(BioshardError):
    exit_code = 12


def new_challenge(n=3, choice=secrets.choice):
    """n distinct actions in a random order."""
    pool = list(ACTIONS)
    out = []
    for _ in range(min(n, len(pool))):
        a = choice(pool)
        pool.remove(a)
        out.append(a)
    return out


def _d(a, b):
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))


def features(lm):
    """(yaw ratio, eye aspect ratio, mouth width ratio) of one (68, 2) landmark array."""
    lm = np.asarray(lm, dtype=np.float64)
    if lm.shape != (68, 2):
        raise LivenessError("need 68 landmarks per frame")
    # positions along the outer-eye-corner line: the ratio ignores in-plane rotation too
    axis = lm[45] - lm[36]
    n = float(np.hypot(axis[0], axis[1]))
    if n < 1e-6:
        raise LivenessError("degenerate landmarks")
    along = lm @ (axis / n)
    span = along[16] - along[0]
    if abs(span) < 1e-6:
        raise LivenessError("degenerate landmarks")
    yaw = (along[30] - along[0]) / span

    def ear(i):
        p = lm[i:i + 6]
        w = _d(p[0], p[3])
        return (_d(p[1], p[5]) + _d(p[2], p[4])) / (2.0 * w) if w > 0 else 0.0

    eyes = _d(lm[36], lm[45])
    mouth = _d(lm[48], lm[54]) / eyes if eyes > 0 else 0.0
    return yaw, (ear(36) + ear(42)) / 2.0, mouth


def labels(frames):
    """One label per frame: 'neutral' or an action; the baseline is the first frames' median."""
    f = np.array([features(lm) for lm in frames])
    if len(f) < BASELINE_FRAMES + 1:
        raise LivenessError("too few frames")
    base = np.median(f[:BASELINE_FRAMES], axis=0)
    if not 0.35 <= base[0] <= 0.65:
        raise LivenessError("start facing the camera")
    out = []
    for yaw, ear, mouth in f:
        if yaw < base[0] - YAW_DELTA:
            out.append("left")
        elif yaw > base[0] + YAW_DELTA:
            out.append("right")
        elif ear < EAR_FACTOR * base[1]:
            out.append("blink")
        elif mouth > SMILE_FACTOR * base[2]:
            out.append("smile")
        else:
            out.append("neutral")
    return out


def events(frames):
    ev = []
    prev = None
    for lab in labels(frames):
        if lab != prev and lab != "neutral":
            ev.append(lab)
        prev = lab
    return ev


def check(challenge, frames):
    """Raise LivenessError unless the frames perform exactly `challenge`, in order."""
    if not challenge or any(a not in ACTIONS for a in challenge):
        raise LivenessError("bad challenge")
    got = events(frames)
    if not got:
        raise LivenessError("no movement: a still image, or the challenge was not performed")
    if got != list(challenge):
        raise LivenessError("the movements (%s) do not answer the challenge (%s)" % (", ".join(got), ", ".join(challenge)))
    return True


def neutral_indices(frames):
    """Indices of the frames labelled neutral (those give the most stable embedding)."""
    return [i for i, lab in enumerate(labels(frames)) if lab == "neutral"]
