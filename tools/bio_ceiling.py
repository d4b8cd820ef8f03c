#!/usr/bin/env python3
"""How far the key schemes are from what the minutiae allow.

Two measurements on the same minutiae as `bioshard bio eval` (card extractor on simulated
sensor uploads, or the ISO reference minutiae), with its protocol: enroll impressions 1-3,
query with 4-8 (genuine); every impression of every other finger of the database (impostor).

1. **Aligned matcher ceiling.** No key, no helper data: for each query, the best rigid
   transform over every (query minutia, enrolled minutia) pair hypothesis, and the count m of
   minutiae that land within 12 px / 20 deg; score m^2 / (n_query * n_enrolled), best of the 3
   enrolled captures. One threshold for all databases. What a key scheme could at most reach if
   it aligned as well as a matcher and lost nothing to quantization.
2. **Where the fuzzy vault loses a genuine query** (docs/biometrics-vault.md). For every
   genuine query: the genuine vault points among its candidates under the vault's own Hough
   alignment (what `vault.unlock` sees), and under the oracle alignment (the matcher's best
   transform onto the genuine points, which the card cannot know), against the degree + 1
   points the polynomial needs; and whether the 300-trial unlock opened it.

    python tools/bio_ceiling.py ../shared/fingerprints/fvc2004/DB*_B [--minutiae iso] [--json]

Numpy on the host: a developer's measurement, not card code.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "firmware"), str(REPO / "host")]

from bioshard.bio import eval as ev  # noqa: E402
from bioshard.bio import eval_vault as evv  # noqa: E402
from bioshard_card.bio import vault  # noqa: E402

A2R = 2 * np.pi / 256  # ISO angle units -> radians
ENROLL = 3
DIST, ANGLE = 12.0, 20  # matching tolerances: px, ISO angle units


def transformed(enrolled, query):
    """Every query minutia moved by every pair hypothesis (i, j): query i onto enrolled j.

    Returns (ta, tb, dth, dx, dy): the angles in radians, dth[i, j] the hypothesis' rotation,
    dx/dy[i, j, k, l] where query minutia k lands under (i, j) minus enrolled minutia l. Both
    matchers (best_overlap here, extractor_compare's faster one) decide on these very values."""
    a = np.asarray([m[:3] for m in query], float)
    b = np.asarray([m[:3] for m in enrolled], float)
    xa, ya, ta = a[:, 0], -a[:, 1], a[:, 2] * A2R
    xb, yb, tb = b[:, 0], -b[:, 1], b[:, 2] * A2R
    dth = tb[None, :] - ta[:, None]  # hypothesis (i, j): query i onto enrolled j
    c, s = np.cos(dth), np.sin(dth)
    rx = xa[None, None, :] - xa[:, None, None]
    ry = ya[None, None, :] - ya[:, None, None]
    tx = c[:, :, None] * rx - s[:, :, None] * ry + xb[None, :, None]
    ty = s[:, :, None] * rx + c[:, :, None] * ry + yb[None, :, None]
    return ta, tb, dth, tx[..., None] - xb, ty[..., None] - yb


def best_overlap(enrolled, query, dist=DIST, angle=ANGLE):
    """Largest one-to-one-ish match count over rigid transforms from every minutia pair."""
    ta, tb, dth, dx, dy = transformed(enrolled, query)
    tt = ta[None, None, :] + dth[:, :, None]
    da = np.abs((tt[..., None] - tb + np.pi) % (2 * np.pi) - np.pi)
    ok = (dx * dx + dy * dy < dist * dist) & (da < angle * A2R)
    # matched query minutiae and matched enrolled minutiae; the smaller bounds a 1:1 matching
    return int(np.minimum(ok.any(3).sum(2), ok.any(2).sum(2)).max())


def score(enrolled, query, overlap=best_overlap):
    """m^2 / (n_query * n_enrolled), m the overlap; 0 below two minutiae on either side."""
    if len(enrolled) < 2 or len(query) < 2:
        return 0.0
    m = overlap(enrolled, query)
    return m * m / (len(enrolled) * len(query))


def scores(db, overlap=best_overlap, enroll=ENROLL):
    """(genuine, impostor) score lists of one database {finger: [minutiae per impression]}:
    each query's best score over the finger's enrolled impressions."""
    gen, imp = [], []
    for f, imps in db.items():
        enr = [m for m in imps[:enroll] if m]
        for q in imps[enroll:]:
            gen.append(max((score(e, q or [], overlap) for e in enr), default=0.0))
        for f2, imps2 in db.items():
            if f2 != f:
                imp.extend(max((score(e, q or [], overlap) for e in enr), default=0.0)
                           for q in imps2)
    return gen, imp


def fnmr_at(gen, imp, fmrs=(0.01, 0.001, 0.0)):
    """FNMR at the thresholds where the impostor scores give each FMR, and the EER."""
    imp = np.sort(np.asarray(imp))
    gen = np.asarray(gen)
    out = {}
    for q in fmrs:
        th = imp[int(len(imp) * (1 - q)) - 1] if q > 0 else imp[-1]
        out["fnmr@%g" % q] = float((gen <= th).mean())
    eer = 1.0
    for t in np.unique(np.concatenate([gen, imp])):
        eer = min(eer, max(float((gen < t).mean()), float((imp >= t).mean())))
    out["eer"] = eer
    return out


def matcher(dbs):
    per, G, I = {}, [], []
    for name, db in dbs.items():
        g, i = scores(db)
        per[name] = dict(fnmr_at(g, i), genuine=len(g), impostor=len(i))
        G += g
        I += i
    return {"per_db": per, "all": dict(fnmr_at(G, I), genuine=len(G), impostor=len(I))}


def vault_losses(dbs):
    rows = []
    for db in dbs.values():
        for f, imps in db.items():
            caps = [m for m in imps[:ENROLL] if m and len(m) >= vault.MIN_MINUTIAE]
            if len(caps) < 2:
                continue
            try:
                _, helper = vault.enroll(caps, rng=evv._det_rng(f))
            except vault.VaultError:
                continue
            degree, _, _, pts = vault.parse(helper)
            gen = vault.select_genuine(caps)
            gen_u = set(vault.abscissa(x, y) for x, y, _ in gen)
            is_gen = [p[3] in gen_u for p in pts]
            for q in imps[ENROLL:]:
                if not q or len(q) < vault.MIN_MINUTIAE:
                    rows.append((0, 0, False))
                    continue
                hough = max((sum(is_gen[j] for j in c) for c in vault.candidate_sets(pts, q)), default=0)
                rows.append((hough, best_overlap(gen, q), vault.unlock(helper, q) is not None))
    r = np.asarray([x[:2] for x in rows], float)
    need = vault.DEGREE + 1
    out = {"queries": len(rows), "degree": vault.DEGREE,
           "opened": float(np.mean([x[2] for x in rows])),
           "median_genuine_candidates": {"hough": float(np.median(r[:, 0])), "oracle": float(np.median(r[:, 1]))}}
    for k in (need - 4, need - 2, need):
        out["share_with_%d_genuine" % k] = {"hough": float((r[:, 0] >= k).mean()),
                                            "oracle": float((r[:, 1] >= k).mean())}
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--minutiae", choices=("extractor", "iso"), default="extractor")
    ap.add_argument("--cache", default=str(REPO / "out" / "bio-cache"))
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    dbs = {d.name: ev.load_minutiae(d, a.minutiae, a.cache or None) for d in a.dirs}
    res = {"minutiae": a.minutiae, "matcher": matcher(dbs), "vault": vault_losses(dbs)}
    if a.json:
        print(json.dumps(res, indent=1))
        return
    print("aligned matcher ceiling (%s minutiae; FNMR at FMR 1%% / 0.1%% / 0 observed, EER)" % a.minutiae)
    for name, r in list(res["matcher"]["per_db"].items()) + [("all", res["matcher"]["all"])]:
        print("  %-6s %5.1f%% %5.1f%% %5.1f%%  EER %4.1f%%  (%d/%d)" % (
            name, 100 * r["fnmr@0.01"], 100 * r["fnmr@0.001"], 100 * r["fnmr@0"], 100 * r["eer"],
            r["genuine"], r["impostor"]))
    v = res["vault"]
    print("vault (degree %d: %d genuine points needed), %d genuine queries, %.1f%% opened" % (
        v["degree"], v["degree"] + 1, v["queries"], 100 * v["opened"]))
    for k, s in v.items():
        if k.startswith("share_with_"):
            print("  %-22s Hough %5.1f%%   oracle alignment %5.1f%%" % (k, 100 * s["hough"], 100 * s["oracle"]))


if __name__ == "__main__":
    main()
