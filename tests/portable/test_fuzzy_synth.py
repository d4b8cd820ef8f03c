# Synthetic fingers for the template / fuzzy / sequence tests: a finger is a fixed set of
# minutiae; an impression shifts and rotates it on the sensor, jitters every minutia, loses a
# few and gains a few spurious ones (what a second capture of the same finger looks like).
import math

W, H = 256, 288


class Lcg:
    # same stream on CPython and MicroPython
    def __init__(self, seed):
        self.s = seed & 0x7FFFFFFF

    def next(self, mod):
        self.s = (self.s * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.s >> 8) % mod

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next(1 << 16) / 65536.0


def lcg_bytes(seed):
    """rng(n) -> n bytes from the Lcg: deterministic randomness for enrollments in tests."""
    r = Lcg(seed)
    return lambda n: bytes(r.next(256) for _ in range(n))


def finger(seed, count=40):
    r = Lcg(seed)
    return [(40 + r.next(W - 80), 40 + r.next(H - 80), r.next(256), 1 + r.next(2), 60) for _ in range(count)]


def impression(base, seed, shift=12, rot_deg=10.0, jitter=2, drop=3, extra=2):
    r = Lcg(seed * 7919 + 1)
    rot = math.radians(r.uniform(-rot_deg, rot_deg))
    dx = r.uniform(-shift, shift)
    dy = r.uniform(-shift, shift)
    c, s = math.cos(rot), math.sin(rot)
    cx, cy = W / 2, H / 2
    out = []
    skip = [r.next(len(base)) for _ in range(drop)]
    for i, (x, y, a, kind, q) in enumerate(base):
        if i in skip:
            continue
        # image y grows downwards, ISO angles are counter-clockwise: rotate by -rot in pixels
        px = cx + (x - cx) * c + (y - cy) * s + dx + r.next(2 * jitter + 1) - jitter
        py = cy - (x - cx) * s + (y - cy) * c + dy + r.next(2 * jitter + 1) - jitter
        ang = (a + int(round(math.degrees(rot) * 256 / 360)) + r.next(5) - 2) % 256
        out.append((int(px), int(py), ang, kind, q))
    for _ in range(extra):
        out.append((30 + r.next(W - 60), 30 + r.next(H - 60), r.next(256), 1, 30))
    return out


def enrolled(enroll, seed):
    """Finger `seed` enrolled by a key scheme's `enroll` from its impressions 1-3:
    (finger, key, helper)."""
    base = finger(seed)
    key, helper = enroll([impression(base, i) for i in (1, 2, 3)], rng=lcg_bytes(seed))
    return base, key, helper


def check_reenrollment_gives_a_new_key(enroll, unlock, seed, query):
    """Shared by the key schemes' tests: the same captures enrolled twice with other randomness
    give another key and helper, and the first helper still opens on a fresh capture."""
    base = finger(seed)
    caps = [impression(base, i) for i in (1, 2, 3)]
    k1, h1 = enroll(caps, rng=lcg_bytes(1))
    k2, h2 = enroll(caps, rng=lcg_bytes(2))
    assert k1 != k2 and h1 != h2
    assert unlock(h1, impression(base, query)) == k1


def test_impressions_differ_but_keep_most_minutiae():
    base = finger(1)
    a = impression(base, 1)
    b = impression(base, 2)
    assert a != b
    assert len(base) - 3 <= len(a) <= len(base) + 2
    assert all(0 <= m[2] < 256 for m in a)
