# Feature-level fusion of several presses of one finger into one consolidated minutiae set.
#
# Enrollment (phone-style, 4..12 guided presses) and fused retries both use it: every press is
# aligned onto the set built so far (align.hough, then one-to-one matching under the best
# transform); a minutia that lands within MERGE_R px / MERGE_A angle units of a consolidated
# one is averaged into it and raises its count; the others are added. A small sensor sees a
# different part of the finger at every press, so the union covers more of the finger than
# any press, and the counts tell which minutiae are reliable (seen again) and which are noise.
# Everything here lives in RAM only while the card is enrolling or reading a finger.
from . import align as al

MERGE_R = 10             # px: a press minutia this close to a consolidated one is the same
MERGE_A = 18             # ISO angle units (25 degrees)
MIN_ALIGN = 6            # matched minutiae for a press to count as aligned ...
MIN_ALIGN_PCT = 20       # ... and at least this share of the press's minutiae
MAX_POINTS = 120         # bound on the consolidated set (RAM and enrollment time)
COVER_BLOCK = 32         # px: coverage is counted in blocks of this size
COVER_FULL = 96          # blocks that count as a fully enrolled finger (1.3 sensor windows)


def _sdiff(a, b):
    return ((a - b + 128) & 255) - 128


class Consolidated:
    """points: [x, y, angle, count, quality sum] in the frame of the first accepted press."""

    def __init__(self):
        self.points = []
        self.presses = 0

    def add(self, minutiae):
        """Merge one press; returns (aligned, new minutiae added). The first press always
        aligns (it defines the frame); a press that does not align is left out."""
        if not self.presses:
            for m in minutiae[:MAX_POINTS]:
                self.points.append([m[0], m[1], m[2], 1, m[4] if len(m) > 4 else 0])
            self.presses = 1
            return True, len(self.points)
        t = self.transform(minutiae)
        if t is None:
            return False, 0
        phi, tx, ty = t
        added = 0
        n0 = len(self.points)  # a press merges into the set before it, not into itself
        taken = bytearray(n0)
        for m in minutiae:
            x, y, a = al.apply(m, phi, tx, ty)
            j = self._nearest(x, y, a, taken, n0)
            q = m[4] if len(m) > 4 else 0
            if j >= 0:
                p = self.points[j]
                n = p[3]
                p[0] = (p[0] * n + x) / (n + 1)
                p[1] = (p[1] * n + y) / (n + 1)
                p[2] = (p[2] + _sdiff(a, p[2]) // (n + 1)) & 255
                p[3] = n + 1
                p[4] += q
                taken[j] = 1
            elif len(self.points) < MAX_POINTS:
                self.points.append([x, y, a, 1, q])
                added += 1
        self.presses += 1
        return True, added

    def transform(self, minutiae):
        """Best (phi index, tx, ty) mapping the press onto the set, or None."""
        if not self.points or len(minutiae) < MIN_ALIGN:
            return None
        ref = [(int(p[0]), int(p[1]), p[2]) for p in self.points]
        grid = al.Grid(ref)
        best = None
        for votes, phi, tx, ty in al.hough(minutiae, ref):
            n = len(al.matches(minutiae, grid, phi, tx, ty))
            if n >= MIN_ALIGN and n * 100 >= MIN_ALIGN_PCT * len(minutiae) and (best is None or n > best[0]):
                best = (n, phi, tx, ty)
        return None if best is None else best[1:]

    def _nearest(self, x, y, a, taken, n0):
        best = -1
        bd = MERGE_R * MERGE_R + 1
        for j in range(n0):
            if taken[j]:
                continue
            p = self.points[j]
            d = (p[0] - x) * (p[0] - x) + (p[1] - y) * (p[1] - y)
            if d < bd and abs(_sdiff(p[2], a)) <= MERGE_A:
                bd = d
                best = j
        return best

    def coverage(self):
        """Percent of a fully enrolled finger's area holding consolidated minutiae."""
        seen = set()
        for p in self.points:
            seen.add((int(p[0]) // COVER_BLOCK, int(p[1]) // COVER_BLOCK))
        c = len(seen) * 100 // COVER_FULL
        return 100 if c > 100 else c

    def minutiae(self):
        """(x, y, angle, count, quality) tuples, most often seen first."""
        out = [(int(p[0] + 0.5), int(p[1] + 0.5), p[2], p[3], p[4] // p[3]) for p in self.points]
        out.sort(key=lambda m: (-m[3], -m[4], m[0], m[1]))
        return out

    def wipe(self):
        for p in self.points:
            for i in range(5):
                p[i] = 0
        self.points = []
        self.presses = 0
