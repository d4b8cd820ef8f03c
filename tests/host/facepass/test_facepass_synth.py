"""Synthetic dlib-like face embeddings for the face-pass tests (no photos needed).

Shape taken from measurements on real dlib embeddings (docs/facepass.md): a shared population
component plus a per-person residual of norm ≈ 0.5; two photos of one person differ by ≈ 0.35
(per-dimension noise ≈ 0.35/√256), burst frames of one sitting by much less.
"""
import numpy as np

from bioshard.facepass.population import MEAN


def person(rng):
    u = rng.standard_normal(128)
    return np.array(MEAN) + 0.5 * u / np.linalg.norm(u)


def frames(rng, who, n, noise=0.35 / 16):
    return [who + noise * rng.standard_normal(128) for _ in range(n)]
