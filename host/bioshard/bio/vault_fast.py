"""Vectorized twin of the card's finger vault decoder (bioshard_card.bio.finger_vault), for
evaluations with hundreds of thousands of impostor presses.

The card decodes each candidate frame with Gao's algorithm, which opens exactly when at least
(n + K) / 2 of the frame's n query elements are enrolled elements. So instead of running the
Reed-Solomon decoder, this counts per frame: n (distinct query elements) and hits (those in the
frame's enrolled set, which the evaluation gets from `finger_vault.enroll(elements_out=...)`).
Same frames, same order, same cells, same keyed permutation as the card; tests check that
this and the card's `unlock` agree press by press. The evaluation runs the card's decoder
wherever this says a press can open.
"""
import math

import numpy as np

from bioshard_card.bio import finger_vault as fv

_A2R = 2 * math.pi / 256


def _wrap(a):
    return (a + np.pi) % (2 * np.pi) - np.pi


class Helper:
    """A parsed helper with its enrolled element sets and numpy permutation tables."""

    def __init__(self, helper, elements):
        n, salt, check, refs = fv.parse_helper(helper)
        self.refs = [(r[0], fv.angle_of(r[1]), fv.angle_of(r[2]),
                      np.array([(r[5] >> b) & 1 for b in range(64)], dtype=bool)) for r in refs]
        self.elements = elements
        self.tabs = [[np.frombuffer(t, dtype=np.uint8).astype(np.int64) for t in fv.Perm(salt, r).t]
                     for r in range(n)]

    def perm(self, r, x):
        left = x >> 8
        right = x & 255
        for tab in self.tabs[r]:
            left, right = right, left ^ tab[right]
        return (left << 8) | right


def frame_stats(h, minutiae):
    """[(reference, n, hits)] for every candidate frame of the press, in the card's order
    (the card decodes the first fv.MAX_FRAMES of them)."""
    if len(minutiae) < fv.MIN_MINUTIAE:
        return []
    m = np.asarray([t[:3] for t in minutiae], dtype=np.float64)
    x, y, th = m[:, 0], -m[:, 1], m[:, 2] * _A2R
    dx = x[None, :] - x[:, None]
    dy = y[None, :] - y[:, None]
    dist = np.sqrt(dx * dx + dy * dy)
    phi = np.arctan2(dy, dx)
    ai = _wrap(th[:, None] - phi)
    aj = _wrap(th[None, :] - phi)
    np.fill_diagonal(dist, -1e9)
    tol = fv.ATOL * _A2R
    out = []
    for r, (d0, ai0, aj0, mask) in enumerate(h.refs):
        ok = ((np.abs(dist - d0) <= fv.DTOL) & (np.abs(_wrap(ai - ai0)) <= tol)
              & (np.abs(_wrap(aj - aj0)) <= tol))
        for i, j in zip(*np.nonzero(ok)):
            ox, oy = (x[i] + x[j]) / 2, (y[i] + y[j]) / 2
            c, s, p = math.cos(phi[i, j]), math.sin(phi[i, j]), phi[i, j]
            keep = np.ones(len(x), bool)
            keep[[i, j]] = False
            ddx, ddy = x[keep] - ox, y[keep] - oy
            u = c * ddx + s * ddy
            v = -s * ddx + c * ddy
            a = (th[keep] - p) % (2 * np.pi)
            cu = np.floor((u + fv.SPAN) / fv.CELL).astype(np.int64)
            cv = np.floor((v + fv.SPAN) / fv.CELL).astype(np.int64)
            ca = (a * fv.ABINS / (2 * np.pi)).astype(np.int64) % fv.ABINS
            bu = np.floor((u + fv.SPAN) / fv.SUPPORT).astype(np.int64)
            bv = np.floor((v + fv.SPAN) / fv.SUPPORT).astype(np.int64)
            inb = (bu >= 0) & (bv >= 0) & (bu < 8) & (bv < 8)
            bit = np.where(inb, bu * 8 + bv, 0)
            area = inb & mask[bit]
            inside = area & (cu >= 0) & (cv >= 0) & (cu < fv.NCELL) & (cv < fv.NCELL)
            cells = ((cu * fv.NCELL + cv) * fv.ABINS + ca)[inside]
            elems = set(h.perm(r, cells).tolist())
            out.append((r, len(elems), len(elems & h.elements[r])))
    return out


def card_opens(stats):
    """Would the card's Gao decoder open this press (within its frame budget)?"""
    return any(2 * hits >= n + fv.K for _, n, hits in stats[:fv.MAX_FRAMES])


def offline_opens(stats):
    """Would an attacker with the blob and no trial limit open it: some frame (any of them)
    holds >= K enrolled elements, which a search over K-subsets with the check value finds."""
    return any(hits >= fv.K for _, n, hits in stats)


def max_hits(stats):
    return max((hits for _, _, hits in stats), default=0)
