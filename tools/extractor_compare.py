#!/usr/bin/env python3
"""The card's minutiae extractor against a reference pipeline, on the very same sensor images.

Every image goes through the simulated sensor (`fingerimage.to_sensor_image`: the 256x288
4-bit upload the card receives), is unpacked to 8-bit grey, and both extractors work on it:

- (a) card: `bioshard_card.bio.extract` (the cached minutiae of `bioshard bio eval`);
- (b) reference: pyfing's classical pipeline (Cappelli: GMFS segmentation, GBFOE orientation,
  XSFFE ridge frequency, GBFEN contextual Gabor enhancement, SBMEX skeleton minutiae), with
  its minutiae moved to the card's convention (ISO angle units 0..255, counter-clockwise with
  y up; kind 1 = ending, 2 = bifurcation; quality 0..100);
- (c) the ISO 19794-2 records beside the FVC2004 images (a commercial SDK on the full image).

All three are scored with tools/bio_ceiling.py's aligned matcher (every pair hypothesis, best
rigid transform, m^2 / (n_query * n_enrolled), best of the enrolled impressions) and its
protocol: enroll impressions 1-3, query with the rest (genuine), every impression of every
other finger of the same database (impostor). One threshold for all databases: FNMR at the
pooled impostor scores' 1% and 0.1% FMR, per database and overall, and EER.

    python tools/extractor_compare.py ../shared/fingerprints/fvc2004/DB*_B ... [--fingers 30] [--json]

Host-side measurement only (pyfing, scipy, scikit-image are installed by `make
extractor-compare`, not by `make setup`). pyfing imports Keras at module level for its
neural methods, which are not used here: without Keras a stub stands in, and without
opencv-contrib its Guo-Hall thinning comes from scikit-image.
"""
import argparse
import hashlib
import json
import sys
import types
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "firmware"), str(REPO / "host")]

from bioshard.bio import eval as ev  # noqa: E402

import bio_ceiling as bc  # noqa: E402  (tools/, this script's folder)

A2R = bc.A2R
ENROLL = bc.ENROLL
DIST, ANGLE = bc.DIST, bc.ANGLE
FMRS = (0.01, 0.001)


# ---------------------------------------------------------------- matcher

def best_overlap(enrolled, query, dist=DIST, angle=ANGLE):
    """bio_ceiling.best_overlap, same result, several times faster.

    The same transformed positions (bio_ceiling.transformed), but the angle
    test (and the 1:1 counting) only on the (hypothesis, query, enrolled) triples whose
    positions already agree: a few hundred of the n^4, so every decision is the same and
    the 4-D work is four passes instead of a dozen."""
    if not len(enrolled) or not len(query):
        return 0
    na, nb = len(query), len(enrolled)
    ta, tb, dth, dx, dy = bc.transformed(enrolled, query)
    dx *= dx
    dy *= dy
    dx += dy
    idx = np.flatnonzero(dx < dist * dist)  # flat (i, j, k, l)
    if not len(idx):
        return 0
    ijk, l = np.divmod(idx, nb)
    ij, k = np.divmod(ijk, na)
    tt = ta[k] + dth.ravel()[ij]
    da = np.abs((tt - tb[l] + np.pi) % (2 * np.pi) - np.pi)
    ok = da < angle * A2R
    if not ok.any():
        return 0
    ij, k, l = ij[ok], k[ok], l[ok]
    nq = np.bincount(np.unique(ij * na + k) // na, minlength=na * nb)
    ne = np.bincount(np.unique(ij * nb + l) // nb, minlength=na * nb)
    return int(np.minimum(nq, ne).max())


def score(enrolled, query):
    return bc.score(enrolled, query, best_overlap)


def scores(db, enroll=ENROLL):
    """(genuine, impostor) score lists of one database {finger: [minutiae per impression]}."""
    return bc.scores(db, best_overlap, enroll)


def thresholds(imp, fmrs=FMRS):
    """Score thresholds at which the impostor scores give each FMR (accept = score > th)."""
    imp = np.sort(np.asarray(imp, float))
    return {q: float(imp[max(0, int(len(imp) * (1 - q)) - 1)]) for q in fmrs}


def eer(gen, imp):
    gen, imp = np.asarray(gen, float), np.asarray(imp, float)
    best = 1.0
    for t in np.unique(np.concatenate([gen, imp])):
        best = min(best, max(float((gen < t).mean()), float((imp >= t).mean())))
    return best


def summary(gen, imp, th):
    gen, imp = np.asarray(gen, float), np.asarray(imp, float)
    out = {"genuine": int(len(gen)), "impostor": int(len(imp)), "eer": eer(gen, imp)}
    for q, t in th.items():
        out["fnmr@%g" % q] = float((gen <= t).mean()) if len(gen) else None
        out["fmr@%g" % q] = float((imp > t).mean()) if len(imp) else None
    return out


def evaluate(dbs):
    """{name: {finger: [minutiae]}} -> per-database and pooled figures at one threshold set."""
    per = {name: scores(db) for name, db in dbs.items()}
    G = [s for g, _ in per.values() for s in g]
    I = [s for _, i in per.values() for s in i]
    th = thresholds(I)
    return {"thresholds": {"%g" % q: t for q, t in th.items()},
            "per_db": {name: summary(g, i, th) for name, (g, i) in per.items()},
            "all": summary(G, I, th)}


# ---------------------------------------------------------------- reference extractor

def _import_pyfing():
    """pyfing with stand-ins for what its classical methods never call (see module doc)."""
    try:
        import keras  # noqa: F401
    except Exception:  # absent, or present without a usable backend
        stub = types.ModuleType("keras")
        stub.layers = types.ModuleType("keras.layers")
        sys.modules["keras"], sys.modules["keras.layers"] = stub, stub.layers
    import cv2

    if not hasattr(cv2, "ximgproc"):
        from skimage.morphology import thin  # Guo & Hall (1989), as cv2.ximgproc's GUOHALL

        cv2.ximgproc = types.SimpleNamespace(
            THINNING_ZHANGSUEN=0, THINNING_GUOHALL=1,
            thinning=lambda im, thinningType=1: (thin(im > 0) * 255).astype(np.uint8))
    import pyfing

    return pyfing


def reference_available():
    try:
        _import_pyfing()
    except ImportError:
        return False
    return True


def sensor_gray(image_path):
    """The 256x288 upload the card gets for this image, unpacked to 8-bit grey."""
    from bioshard.sim import fingerimage as fi

    nib = fi.unpack_nibbles(fi.to_sensor_image(str(image_path)))
    return (np.asarray(nib, np.uint8) * 17).reshape(ev.SENSOR_H, ev.SENSOR_W)


def reference_minutiae(gray, dpi=500, period=None):
    """pyfing's classical pipeline on an 8-bit image -> [(x, y, angle, kind, quality)].
    `period`: a fixed ridge period in px instead of XSFFE's estimate (the card's choice)."""
    pf = _import_pyfing()
    seg = pf.fingerprint_segmentation(gray, dpi, method="GMFS")
    ori = pf.orientation_field_estimation(gray, seg, dpi, method="GBFOE")
    if period:
        rp = np.full(gray.shape, float(period), np.float32)
    else:
        rp = pf.frequency_estimation(gray, ori, seg, dpi, method="XSFFE")
    enh = pf.fingerprint_enhancement(gray, ori, rp, seg, dpi, method="GBFEN")
    out = []
    for m in pf.minutiae_extraction(enh, dpi, method="SBMEX", segmentation_mask=seg):
        # pyfing: radians counter-clockwise with y up (atan2(-dy, dx)), as the card's units
        ang = int(round(float(m.direction) / A2R)) % 256
        out.append((int(m.x), int(m.y), ang, {"E": 1, "B": 2}.get(m.type, 0),
                    int(round(100 * float(m.quality)))))
    return out


def _reference_tag():
    # cache key: the code that produces the reference minutiae (not the scoring around it)
    import inspect

    h = hashlib.sha256("".join(inspect.getsource(f) for f in (
        _import_pyfing, sensor_gray, reference_minutiae)).encode())
    h.update((REPO / "host" / "bioshard" / "sim" / "fingerimage.py").read_bytes())
    try:
        from importlib.metadata import version

        h.update(version("pyfing").encode())
    except Exception:
        pass
    return "pyfing-" + h.hexdigest()[:12]


def load_reference(folder, fingers, cache_dir=None, period=None):
    """{finger: [reference minutiae per impression]} for the given fingers, cached on disk."""
    scanned = ev.scan_db(folder)
    cache = None
    if cache_dir:
        key = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:10]
        tag = _reference_tag() + ("-period%g" % period if period else "")
        cache = Path(cache_dir) / ("%s-%s-%s.json" % (Path(folder).name, key, tag))
    data = json.loads(cache.read_text()) if cache is not None and cache.exists() else {}
    missing = [f for f in fingers if f not in data]
    for f in missing:
        data[f] = [reference_minutiae(sensor_gray(p), period=period) for _, p in scanned[f]]
    if cache is not None and missing:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(data))
    return {f: [[tuple(m) for m in ms] for ms in data[f]] for f in fingers}


def agreement(card, ref, dist=8):
    """Share of reference minutiae with a card minutia within `dist` px (any angle), and the
    other way round: how much the two extractors see the same points."""
    hit_r = hit_c = nr = nc = 0
    for f in card:
        for mc, mr in zip(card[f], ref[f]):
            if not mc or not mr:
                continue
            c = np.asarray([m[:2] for m in mc], float)
            r = np.asarray([m[:2] for m in mr], float)
            d = ((r[:, None, :] - c[None, :, :]) ** 2).sum(2) < dist * dist
            hit_r += int(d.any(1).sum())
            hit_c += int(d.any(0).sum())
            nr += len(r)
            nc += len(c)
    return {"ref_near_card": hit_r / max(nr, 1), "card_near_ref": hit_c / max(nc, 1)}


def _count(db):
    n = [len(m) for v in db.values() for m in v]
    return {"impressions": len(n), "mean_minutiae": float(np.mean(n)) if n else 0.0,
            "empty": int(sum(1 for x in n if x < 2))}


def _db_name(folder):
    folder = Path(folder)
    return folder.name if folder.name != "DB" else folder.parent.name


def run(dirs, fingers=30, cache_dir=None, log=None, period=None):
    sources = {"card": {}, "reference": {}, "iso": {}}
    counts = {"card": {}, "reference": {}, "iso": {}}
    agree = {}
    for d in dirs:
        name = _db_name(d)
        chosen = list(ev.scan_db(d))[:fingers] if fingers else list(ev.scan_db(d))
        if log:
            log("%s: %d fingers" % (name, len(chosen)))
        card = ev.load_minutiae(d, "extractor", cache_dir)
        sources["card"][name] = {f: card[f] for f in chosen}
        sources["reference"][name] = load_reference(d, chosen, cache_dir, period)
        if all(p.with_suffix(".iso").exists() for v in ev.scan_db(d).values() for _, p in v):
            iso = ev.load_minutiae(d, "iso", cache_dir)
            sources["iso"][name] = {f: iso[f] for f in chosen}
        agree[name] = agreement(sources["card"][name], sources["reference"][name])
    res = {"protocol": {"enroll": ENROLL, "fingers_per_db": fingers, "dist_px": DIST,
                        "reference_period_px": period or "XSFFE",
                        "angle_units": ANGLE, "fmr": list(FMRS)},
           "agreement_8px": agree}
    for src, dbs in sources.items():
        if not dbs:
            continue
        if log:
            log("scoring %s minutiae" % src)
        counts[src] = {n: _count(db) for n, db in dbs.items()}
        res[src] = dict(evaluate(dbs), minutiae=counts[src])
    return res


def table(res):
    lines = ["aligned matcher, one threshold per source for all databases "
             "(FNMR at pooled FMR 1% / 0.1%, EER; mean minutiae per impression)"]
    head = "  %-9s %-10s %7s %7s %6s %6s %9s" % ("db", "minutiae", "FNMR1%", "FNMR.1%", "EER", "mean", "gen/imp")
    lines.append(head)
    names = list(res["card"]["per_db"]) + ["all"]
    for name in names:
        for src in ("card", "reference", "iso"):
            if src not in res:
                continue
            r = res[src]["all"] if name == "all" else res[src]["per_db"].get(name)
            if r is None:
                continue
            mn = res[src]["minutiae"].get(name, {}).get("mean_minutiae")
            if name == "all":
                n = [v["mean_minutiae"] * v["impressions"] for v in res[src]["minutiae"].values()]
                mn = sum(n) / max(1, sum(v["impressions"] for v in res[src]["minutiae"].values()))
            lines.append("  %-9s %-10s %6.1f%% %6.1f%% %5.1f%% %6.1f %9s" % (
                name, src, 100 * r["fnmr@0.01"], 100 * r["fnmr@0.001"], 100 * r["eer"], mn,
                "%d/%d" % (r["genuine"], r["impostor"])))
    lines.append("reference minutiae within 8 px of a card minutia / card within 8 px of reference:")
    for name, a in res["agreement_8px"].items():
        lines.append("  %-9s %5.1f%% / %5.1f%%" % (name, 100 * a["ref_near_card"], 100 * a["card_near_ref"]))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--fingers", type=int, default=30, help="first N fingers of each database (0: all)")
    ap.add_argument("--fixed-period", type=float, default=None, metavar="PX",
                    help="reference with a fixed ridge period (the card uses 9 px) instead of XSFFE")
    ap.add_argument("--cache", default=str(REPO / "out" / "bio-cache"))
    ap.add_argument("--json", action="store_true", help="print the JSON result instead of the table")
    ap.add_argument("--out", type=Path, help="also write the JSON result here")
    a = ap.parse_args(argv)
    if not reference_available():
        print("error: the reference pipeline needs pyfing, scipy and scikit-image "
              "(make extractor-compare installs them)", file=sys.stderr)
        return 7
    for d in a.dirs:
        if not d.is_dir():
            print("error: not a folder: %s" % d, file=sys.stderr)
            return 7
    res = run(a.dirs, a.fingers, a.cache or None, log=lambda s: print(s, file=sys.stderr, flush=True),
              period=a.fixed_period)
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1) if a.json else table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
