"""Accuracy and security of the card's fingerprint key, measured on folders of FVC-style images.

Protocol (the same for every database, nothing tuned per database):
- a database is a folder of `FFF_I.<ext>` images (finger FFF, impression I);
- each finger is enrolled from its first `enroll` impressions with the card's own code
  (bioshard_card.bio.template + fuzzy) and queried with each of its remaining impressions
  (genuine trials: FNMR = share whose key was not reproduced);
- every impression of every *other* finger of the same database is an impostor query against
  each enrolled finger (FMR = share that reproduced a key);
- 2- and 3-finger sequences: product of independent per-finger trials (stated in the output);
- `presses` (default 3 = the sign flow's TRIES): the same finger pressed up to 3 times, as the
  card decodes it (fuzzy.Presses: each press alone, then the running mean of the presses so
  far). Genuine: every run of 3 consecutive query impressions; impostor: disjoint runs of 3
  impressions of every other finger. A press the card refuses as too poor counts as a press;
- security_bits: the attacker's work given the helper data, see `security_bits()`.
Minutiae come from the card's extractor (images -> simulated sensor upload -> extract) or, with
`minutiae="iso"`, from the ISO 19794-2 reference record beside each image, moved into the
sensor's 256x288 window. Extracted minutiae are cached on disk.
"""
import hashlib
import json
import math
import os
import re
from pathlib import Path

import numpy as np

from bioshard_card.bio import fuzzy, template
from bioshard_card.bio.ecc_bch import N, code

from ..errors import BadInputError
from . import iso19794

SENSOR_W, SENSOR_H = 256, 288
IMAGE_EXTS = (".tif", ".tiff", ".png", ".bmp", ".jpg", ".jpeg", ".pgm", ".webp")
NAME_RE = re.compile(r"^(\d+)_(\d+)$")
# Distinct BCH(255, k) codes, each with its largest correctable t: the trade-off sweep.
SWEEP_T = (30, 31, 42, 43, 45, 47, 55, 59, 63)
EVAL_VERSION = 2
PRESSES = 3  # flows/sign.py TRIES: wrong-finger presses allowed per signing


# ---------------------------------------------------------------- dataset discovery

def scan_db(folder):
    """{finger: [(impression, image path)]} sorted; BadInputError when nothing matches."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInputError("not a folder: %s" % folder)
    fingers = {}
    for p in sorted(folder.iterdir()):
        m = NAME_RE.match(p.stem)
        if not m or p.suffix.lower() not in IMAGE_EXTS:
            continue
        fingers.setdefault(m.group(1), []).append((int(m.group(2)), p))
    if not fingers:
        raise BadInputError("no FFF_I images in %s" % folder)
    return {f: sorted(v) for f, v in sorted(fingers.items())}


# ---------------------------------------------------------------- minutiae sources

def _sensor_module():
    try:
        from ..sim import fingerimage
    except ImportError:
        return None
    return fingerimage if hasattr(fingerimage, "to_sensor_image") else None


def _image_size(image_path):
    from PIL import Image

    with Image.open(image_path) as im:
        return im.size


def _window(image_path, points):
    """(x0, y0, scale): source pixel (x, y) lands on sensor pixel ((x - x0) * scale, ...)."""
    fi = _sensor_module()
    if fi is not None and hasattr(fi, "sensor_window"):
        # exactly the window the simulated sensor cuts
        return tuple(fi.sensor_window(str(image_path)))
    if fi is not None and hasattr(fi, "window_origin") and hasattr(fi, "foreground_center"):
        a = fi.load_gray(str(image_path))
        y0, x0 = fi.window_origin(a.shape, fi.foreground_center(a))
        return x0, y0, 1.0
    # no sensor model: centre the window where the minutiae are
    if not points:
        return 0, 0, 1.0
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    return int(cx) - SENSOR_W // 2, int(cy) - SENSOR_H // 2, 1.0


def iso_minutiae(image_path):
    """Reference minutiae of the image, in sensor coordinates, those inside the window.

    The records in ../shared are NOT in source pixels: the SDK worked on the image resized to
    the header's width x height (300 x 400 for every file), so coordinates and angles are mapped
    back with the per-axis factors (measured: with this mapping 60-75% of the reference
    minutiae land within 8 px of the card extractor's, without it 0-40%)."""
    iso = Path(image_path).with_suffix(".iso")
    if not iso.exists():
        raise BadInputError("--minutiae iso needs %s" % iso.name)
    rec = iso19794.read(iso)
    w, h = _image_size(image_path)
    sx = w / rec.width if rec.width else 1.0
    sy = h / rec.height if rec.height else 1.0
    pts = []
    for m in rec.minutiae:
        a = m.angle * 2 * math.pi / 256
        # a direction (cos a, sin a) in the resized frame is (sx cos a, sy sin a) in the source
        ang = int(round(math.atan2(sy * math.sin(a), sx * math.cos(a)) * 256 / (2 * math.pi))) % 256
        pts.append((m.x * sx, m.y * sy, ang, m.kind, m.quality))
    x0, y0, scale = _window(image_path, pts)
    out = []
    for x, y, ang, kind, q in pts:
        x = int(round((x - x0) * scale))
        y = int(round((y - y0) * scale))
        if 0 <= x < SENSOR_W and 0 <= y < SENSOR_H:
            out.append((x, y, ang, kind, q))
    return out


def extractor_available():
    try:
        from . import extract_batch  # noqa: F401  (the extractor engineer's host helper)
    except ImportError:
        return _sensor_module() is not None
    return True


def _extract_all(paths):
    try:
        from .extract_batch import extract_batch
    except ImportError:
        extract_batch = None
    if extract_batch is not None:
        return [list(map(tuple, ms)) for ms in extract_batch([str(p) for p in paths])]
    fi = _sensor_module()
    if fi is None:
        raise BadInputError("no minutiae extractor available yet: use --minutiae iso")
    from bioshard_card.bio.extract import extract_minutiae

    out = []
    for p in paths:
        up = fi.to_sensor_image(str(p))
        packed = up[0] if isinstance(up, tuple) else up
        out.append([tuple(m) for m in extract_minutiae(bytes(packed))])
    return out


def _source_tag(source):
    # cache key: changes whenever the code that produces the minutiae changes
    h = hashlib.sha256()
    host = Path(__file__).resolve().parent.parent
    for p in (host / "sim" / "fingerimage.py", host / "bio" / "extract_batch.py"):
        if p.exists():
            h.update(p.read_bytes())
    if source == "iso":
        return "iso-v4-" + h.hexdigest()[:12]
    root = Path(template.__file__).parent
    for name in sorted(os.listdir(root)):
        if name.startswith(("extract", "img_")):
            h.update((root / name).read_bytes())
    return "extractor-" + h.hexdigest()[:12]


def load_minutiae(folder, source, cache_dir=None):
    """{finger: [minutiae list per impression]}, cached per folder and source version."""
    fingers = scan_db(folder)
    cache = None
    if cache_dir:
        key = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:10]
        cache = Path(cache_dir) / ("%s-%s-%s.json" % (Path(folder).name, key, _source_tag(source)))
        if cache.exists():
            data = json.loads(cache.read_text())
            return {f: [[tuple(m) for m in ms] for ms in v] for f, v in data.items()}
    if source == "iso":
        out = {f: [iso_minutiae(p) for _, p in v] for f, v in fingers.items()}
    else:
        out = {}
        for f, v in fingers.items():
            out[f] = _extract_all([p for _, p in v])
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(out))
    return out


# ---------------------------------------------------------------- statistics

def _log2_binom_cdf(x, n, p):
    """log2 P[Binomial(n, p) <= x]."""
    if x < 0:
        return -math.inf
    if x >= n:
        return 0.0
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
             + i * math.log(p) + (n - i) * math.log(1 - p) for i in range(int(x) + 1)]
    top = max(terms)
    return (top + math.log(sum(math.exp(v - top) for v in terms))) / math.log(2)


def impostor_model(imp_hd):
    """(p, degrees of freedom) of impostor Hamming distances (Daugman's binomial fit)."""
    d = np.asarray(imp_hd, float) / N
    if len(d) < 2 or d.var() == 0:
        return float(d.mean()) if len(d) else 0.5, float(N)
    p = float(d.mean())
    return p, float(min(N, p * (1 - p) / d.var()))


SECURITY_METHOD = ("min(k, -log2 P_fa): k = BCH message bits; P_fa = probability that a template "
                   "drawn from the population decodes, P[Bin(dof, p) <= t*dof/255] with p and "
                   "dof (Daugman degrees of freedom) fitted to this run's impostor distances")


def security_bits(t, k, p, dof):
    dof_i = max(1, int(dof))
    lp = _log2_binom_cdf(math.floor(t * dof_i / N), dof_i, p)
    return float(min(k, -lp))


def _rate(bad, total):
    return bad / total if total else None


def _fmr_upper95(fa, total):
    # exact one-sided 95% Clopper-Pearson bound; with no false accepts it is 1 - 0.05^(1/n)
    if not total:
        return None
    if fa == 0:
        return 1 - 0.05 ** (1.0 / total)
    lo, hi = fa / total, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if math.exp(_log2_binom_cdf(fa, total, mid) * math.log(2)) > 0.05:
            lo = mid
        else:
            hi = mid
    return hi


def _summary(gen_fail, gen_n, fa, imp_n, t, p, dof, length=1):
    k = code(t).k
    fnmr1 = _rate(gen_fail, gen_n)
    fmr1 = _rate(fa, imp_n)
    s1 = security_bits(t, k, p, dof)
    up = _fmr_upper95(fa, imp_n)
    if length == 1:
        return {"fnmr": fnmr1, "fmr": fmr1, "fmr_upper95": up, "genuine_trials": gen_n,
                "impostor_trials": imp_n, "key_bits": k, "security_bits": round(s1, 2),
                "security_method": SECURITY_METHOD,
                # worst case: template entropy (~dof bits) minus what the sketch reveals (n - k)
                "entropy_bound_bits": round(max(0.0, dof - (N - k)), 2)}
    return {
        "fingers": length,
        "fnmr": None if fnmr1 is None else 1 - (1 - fnmr1) ** length,
        "fmr": None if fmr1 is None else fmr1 ** length,
        "fmr_upper95": None if up is None else up ** length,
        "genuine_trials": gen_n, "impostor_trials": imp_n,
        "trials_method": "product of %d independent single-finger trials" % length,
        "key_bits": k * length,
        # the BCH decoder tells the attacker when one finger is right, so fingers fall one
        # at a time: total work is the sum, not the product, of the per-finger works
        "security_bits": round(s1 + math.log2(length), 2),
        "security_method": "log2(sum of per-finger works); per finger: " + SECURITY_METHOD,
    }


# ---------------------------------------------------------------- the protocol

def _det_rng(label):
    state = [hashlib.sha256(b"bioshard-eval/" + label.encode()).digest(), 0]

    def rng(n):
        out = b""
        while len(out) < n:
            out += hashlib.sha256(state[0] + state[1].to_bytes(4, "big")).digest()
            state[1] += 1
        return out[:n]

    return rng


def _raw(ms):
    try:
        return np.array(template.raw_projections(ms), dtype=np.float64)
    except template.TemplateError:
        return None  # failure to acquire: the card would ask for another capture


def raw_features(minutiae_db):
    return {f: [_raw(ms) for ms in v] for f, v in minutiae_db.items()}


def shipped_offsets():
    return np.array(template.all_offsets(), dtype=np.float64)


def _hd(q, ref):
    w = 0
    for rank in range(N):
        if q[rank] > 0:
            w |= 1 << rank
    return bin(w ^ ref).count("1")


def press_run(helper, chosen, ref, run):
    """A finger pressed len(run) times, decoded by the card's fuzzy.Presses.

    Returns (key or None, smallest Hamming distance over every decode the card attempted,
    smallest over the single presses alone), the distances for the t sweep and the comparison
    without fusion (bounded-distance decoding succeeds iff the distance is <= t)."""
    presses = fuzzy.Presses(helper)
    best = alone = N + 1
    acc = None
    n = 0
    key = None
    for x in run:
        if x is None:
            continue  # refused capture: costs a press, adds nothing to the mean
        q = x[chosen]
        # distances over the whole run, even after the card would have stopped, so the sweep
        # is exact for every t (not only for t >= the t the helper was made with)
        alone = min(alone, _hd(q, ref))
        best = min(best, alone)
        acc = q.copy() if acc is None else acc + q
        n += 1
        if n > 1:
            best = min(best, _hd(acc / n, ref))
        if key is None:
            key = presses.offer(list(q))
    presses.wipe()
    return key, best, alone


def evaluate_db(raw, offsets, t, enroll, presses=PRESSES):
    """Run the protocol on one database's raw projections. Returns counts and distances."""
    feats = {f: [None if r is None else r - offsets for r in v] for f, v in raw.items()}
    gen_hd, imp_hd = [], []
    gen_fail = gen_n = fa = imp_n = fta = 0
    pg_hd, pi_hd, pg_hd1, pi_hd1 = [], [], [], []
    pg_fail = pg_n = p_fa = pi_n = 0
    skipped = []
    for f, imps in feats.items():
        # enroll from the first `enroll` usable captures, as the card re-asks on a bad capture
        good = [i for i, x in enumerate(imps) if x is not None][:enroll]
        if len(good) < enroll or good[-1] == len(imps) - 1:
            skipped.append(f)
            continue
        enrol = [list(imps[i]) for i in good]
        queries = imps[good[-1] + 1:]
        chosen, ref = fuzzy.select_reliable(enrol)
        key, helper = fuzzy.enroll_features(enrol, t, rng=_det_rng(f))

        def query(x):
            q = x[chosen]
            w = 0
            for rank in range(N):
                if q[rank] > 0:
                    w |= 1 << rank
            return bin(w ^ ref).count("1"), fuzzy.reproduce_features(helper, list(q))

        for x in queries:
            if x is None:  # counted as a genuine failure (FNMR includes failures to acquire)
                gen_n += 1
                gen_fail += 1
                fta += 1
                continue
            hd, got = query(x)
            gen_hd.append(hd)
            gen_n += 1
            gen_fail += got != key
        for g, others in feats.items():
            if g == f:
                continue
            for x in others:
                if x is None:
                    continue  # an impostor capture the card rejects never reaches the decoder
                hd, got = query(x)
                imp_hd.append(hd)
                imp_n += 1
                fa += got is not None
            for i in range(0, len(others) - presses + 1, presses):
                got, hd, hd1 = press_run(helper, chosen, ref, others[i:i + presses])
                pi_hd.append(hd)
                pi_hd1.append(hd1)
                pi_n += 1
                p_fa += got is not None
        for i in range(len(queries) - presses + 1):
            got, hd, hd1 = press_run(helper, chosen, ref, queries[i:i + presses])
            pg_hd.append(hd)
            pg_hd1.append(hd1)
            pg_n += 1
            pg_fail += got != key
    return {"gen_hd": gen_hd, "imp_hd": imp_hd, "gen_fail": gen_fail, "gen_n": gen_n,
            "fa": fa, "imp_n": imp_n, "fta": fta, "skipped": skipped,
            "pg_hd": pg_hd, "pi_hd": pi_hd, "pg_hd1": pg_hd1, "pi_hd1": pi_hd1, "pg_fail": pg_fail, "pg_n": pg_n, "p_fa": p_fa,
            "pi_n": pi_n}


PRESSES_METHOD = ("one finger pressed up to %d times, decoded as the card does (each press alone, "
                  "then the running mean of its presses so far); genuine: runs of consecutive "
                  "query impressions, impostor: disjoint runs of another finger's impressions" % PRESSES)


def report(res, t, presses=PRESSES):
    p, dof = impostor_model(res["imp_hd"])
    out = {"single": _summary(res["gen_fail"], res["gen_n"], res["fa"], res["imp_n"], t, p, dof)}
    # the attacker's offline work is the same sketch and decoder: security bits as for one press
    pr = _summary(res["pg_fail"], res["pg_n"], res["p_fa"], res["pi_n"], t, p, dof)
    pr["presses"] = presses
    pr["trials_method"] = PRESSES_METHOD
    g1, i1 = np.asarray(res["pg_hd1"]), np.asarray(res["pi_hd1"])
    # the same runs if each press were only decoded on its own (no fusion)
    pr["without_fusion"] = {"fnmr": float((g1 > t).mean()) if len(g1) else None,
                            "fmr": float((i1 <= t).mean()) if len(i1) else None}
    out["presses"] = pr
    for length in (2, 3):
        out["sequence%d" % length] = _summary(res["gen_fail"], res["gen_n"], res["fa"],
                                              res["imp_n"], t, p, dof, length)
    out["single"]["failures_to_acquire"] = res["fta"]
    out["impostor_model"] = {"p": round(p, 4), "dof": round(dof, 1)}
    gen = np.asarray(res["gen_hd"])
    imp = np.asarray(res["imp_hd"])
    out["hamming"] = {
        "genuine_mean": round(float(gen.mean()) / N, 4) if len(gen) else None,
        "impostor_mean": round(float(imp.mean()) / N, 4) if len(imp) else None,
        "impostor_min": int(imp.min()) if len(imp) else None,
    }
    sweep = []
    pgen = np.asarray(res["pg_hd"])
    pimp = np.asarray(res["pi_hd"])
    for ts in SWEEP_T:
        k = code(ts).k
        fnmr = float((gen > ts).mean()) if len(gen) else None
        fmr = float((imp <= ts).mean()) if len(imp) else None
        s = security_bits(ts, k, p, dof)
        sweep.append({"t": ts, "key_bits": k, "fnmr": fnmr, "fmr": fmr,
                      "fnmr_presses": float((pgen > ts).mean()) if len(pgen) else None,
                      "fmr_presses": float((pimp <= ts).mean()) if len(pimp) else None,
                      "security_bits": round(s, 2),
                      "fnmr2": None if fnmr is None else 1 - (1 - fnmr) ** 2,
                      "fmr2": None if fmr is None else fmr ** 2,
                      "security_bits2": round(s + 1, 2)})
    out["sweep"] = sweep
    out["sweep_method"] = "decode succeeds iff Hamming distance <= t (bounded-distance BCH)"
    if res["skipped"]:
        out["skipped_fingers"] = res["skipped"]
    return out


def run(folders, minutiae="auto", t=fuzzy.T_DEFAULT, enroll=3, prior="shipped", cache_dir=None,
        progress=None):
    if minutiae == "auto":
        minutiae = "extractor" if extractor_available() else "iso"
    if minutiae not in ("iso", "extractor"):
        raise BadInputError("--minutiae must be iso or extractor")
    if enroll < 2:
        raise BadInputError("--enroll needs at least 2 impressions")
    if prior not in ("shipped", "loo"):
        raise BadInputError("--prior must be shipped or loo")
    if prior == "loo" and len(folders) < 2:
        raise BadInputError("--prior loo needs at least two databases")
    raws = {}
    for folder in folders:
        if progress:
            progress("minutiae + templates: %s" % folder)
        raws[str(folder)] = raw_features(load_minutiae(folder, minutiae, cache_dir))
    shipped = shipped_offsets()
    merged = {"gen_hd": [], "imp_hd": [], "gen_fail": 0, "gen_n": 0, "fa": 0, "imp_n": 0,
              "fta": 0, "skipped": [], "pg_hd": [], "pi_hd": [], "pg_hd1": [], "pi_hd1": [], "pg_fail": 0, "pg_n": 0,
              "p_fa": 0, "pi_n": 0}
    dbs = []
    for folder, raw in raws.items():
        if prior == "loo":
            others = [r for fo, rr in raws.items() if fo != folder
                      for v in rr.values() for r in v if r is not None]
            offsets = np.mean(others, axis=0)
        else:
            offsets = shipped
        if progress:
            progress("protocol: %s" % folder)
        res = evaluate_db(raw, offsets, t, enroll)
        for key in merged:
            merged[key] = merged[key] + res[key]
        entry = {"name": Path(folder).name, "path": str(folder), "fingers": len(raw),
                 "impressions": sum(len(v) for v in raw.values())}
        entry.update(report(res, t))
        dbs.append(entry)
    bch = code(t)
    return {
        "version": EVAL_VERSION,
        "minutiae": minutiae,
        "prior": prior,
        "protocol": {"enroll_impressions": enroll,
                     "genuine": "each remaining impression of the enrolled finger",
                     "impostor": "every impression of every other finger of the same database",
                     "presses": PRESSES},
        "params": {"template_version": template.VERSION, "projections": template.PROJ,
                   "bits": N, "t": t, "k": bch.k, "helper_bytes": fuzzy.HELPER_LEN},
        "dbs": dbs,
        "overall": report(merged, t),
    }


# ---------------------------------------------------------------- the shipped prior

def build_prior(folders, minutiae="auto", cache_dir=None):
    """Mean raw projection of every impression in `folders`, as template_prior.py source."""
    if minutiae == "auto":
        minutiae = "extractor" if extractor_available() else "iso"
    rows = []
    for folder in folders:
        for v in raw_features(load_minutiae(folder, minutiae, cache_dir)).values():
            rows.extend(r for r in v if r is not None)
    if not rows:
        raise BadInputError("no impressions to build a prior from")
    mean = np.mean(rows, axis=0)
    scale = 1.0 / 16384
    q = np.clip(np.round(mean / scale), -32768, 32767).astype("<i2").tobytes()
    names = ", ".join(Path(f).name for f in folders)
    lines = ["# Population offsets of the template projections: mean over %d impressions of %s" % (len(rows), names),
             "# (%s minutiae)," % minutiae,
             "# generated by `bioshard bio prior` - regenerate whenever template.py changes.",
             "# Subtracting them makes each projection's sign close to an unbiased bit.",
             "SCALE = 1.0 / 16384",
             "OFFSETS = ("]
    for i in range(0, len(q), 32):
        lines.append("    %r" % q[i:i + 32])
    lines.append(")")
    return "\n".join(lines) + "\n"
