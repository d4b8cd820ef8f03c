"""Measure the face pass on labelled real photos: FNMR/FMR of the fuzzy extractor per BCH t.

Protocol (docs/facepass.md): an enrollment is a burst of K views of one photo (the photo, its
mirror, two small rotations and a rescale — what a camera burst in one sitting looks like); the
probe is a *different* photo. Genuine = probe of the same person (labels: the `Yes` pairs of
master.csv and face-recognition-pivot.csv, joined transitively); impostor = a person the lists
call different (`No`). The centring mean is computed leave-identities-out: from every photo
except those of the enrolled and the probe person, so no number is measured on a mean that saw
its own faces. Usage: python -m bioshard.facepass.eval ../shared/faces/deepface out/facepass_eval.json
"""
import csv
import json
import math
import os
import sys

import numpy as np

from . import face, fuzzy
from bioshard_card.bio.ecc_bch import N, code

T_GRID = (20, 25, 30, 35, 45, 50, 55, 63)
VIEWS = face.ENROLL_VIEWS


def labels(folder):
    """(cluster id per photo, set of cluster pairs known to differ)."""
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = []
    for name in ("master.csv", "face-recognition-pivot.csv"):
        p = os.path.join(folder, name)
        if not os.path.exists(p):
            continue
        with open(p) as f:
            for row in csv.reader(f):
                if not row or row[0] == "file_x":
                    continue
                a, b, d = os.path.basename(row[0]), os.path.basename(row[1]), row[2].strip().lower()
                find(a), find(b)
                if d == "yes":
                    parent[find(a)] = find(b)
                pairs.append((a, b, d))
    cl = {x: find(x) for x in parent}
    differ = set()
    for a, b, d in pairs:
        if d == "no":
            if cl[a] == cl[b]:
                raise ValueError("labels contradict: %s %s" % (a, b))
            differ.add((cl[a], cl[b]))
            differ.add((cl[b], cl[a]))
    return cl, differ


def view_embeddings(path, cache_dir):
    """{view name: embedding} of one photo, cached by content hash."""
    cp = os.path.join(cache_dir, face._cache_key(path) + ".views.json")
    if os.path.exists(cp):
        with open(cp) as f:
            return {k: np.array(v) for k, v in json.load(f).items()}
    img = face.load_image(path)
    out = {}
    for v in VIEWS:
        try:
            out[v] = face.embedding(face.view(img, v)).tolist()
        except face.NoFaceError:
            pass
    os.makedirs(cache_dir, exist_ok=True)
    with open(cp, "w") as f:
        json.dump(out, f)
    return {k: np.array(v) for k, v in out.items()}


def _hd_ref(views, probe, center, seed):
    """Hamming distance between the enrollment reference bits and the probe's bits."""
    d = fuzzy.directions(seed)
    proj = (np.asarray(views) - center) @ d.T
    chosen, ref = fuzzy.select_reliable(proj)
    q = ((d[chosen] @ (probe - center)) > 0).astype(np.uint8)
    return int(np.sum(q != ref))


def measure(folder, cache_dir, t_grid=T_GRID, seed=b"\x00" * 16):
    cl, differ = labels(folder)
    names = sorted(cl)
    views = {n: view_embeddings(os.path.join(folder, n), cache_dir) for n in names}
    names = [n for n in names if "orig" in views[n] and len(views[n]) >= 3]
    total = sum(views[n]["orig"] for n in names)
    per_cluster = {}
    for n in names:
        per_cluster.setdefault(cl[n], []).append(n)
    gen, imp, eu_gen, eu_imp = [], [], [], []
    hds = {}
    for a in names:
        for b in names:
            if a == b:
                continue
            same = cl[a] == cl[b]
            if not same and (cl[a], cl[b]) not in differ:
                continue  # unlabelled: could be the same person
            excl = set(per_cluster[cl[a]]) | set(per_cluster[cl[b]])
            center = (total - sum(views[x]["orig"] for x in excl)) / (len(names) - len(excl))
            hd = _hd_ref(list(views[a].values()), views[b]["orig"], center, seed)
            hds[(a, b)] = hd
            (gen if same else imp).append(hd)
            (eu_gen if same else eu_imp).append(float(np.linalg.norm(views[a]["orig"] - views[b]["orig"])))
    # master.csv as listed (each row once, enrolled on file_x, probed with file_y)
    m_gen, m_imp = [], []
    with open(os.path.join(folder, "master.csv")) as f:
        for row in csv.reader(f):
            if not row or row[0] == "file_x" or row[0] not in views or row[1] not in views:
                continue
            a, b = row[0], row[1]
            excl = set(per_cluster.get(cl[a], [a])) | set(per_cluster.get(cl[b], [b]))
            center = (total - sum(views[x]["orig"] for x in excl if x in views)) / (len(names) - len(excl))
            hd = _hd_ref(list(views[a].values()), views[b]["orig"], center, seed)
            (m_gen if row[2].strip().lower() == "yes" else m_imp).append(hd)
    m_gen, m_imp = np.array(m_gen), np.array(m_imp)
    gen, imp = np.array(gen), np.array(imp)
    p = imp.mean() / N
    dof = p * (1 - p) / ((imp / N).var() or 1e-12)  # Daugman's degrees of freedom of the impostor HD
    # a restore session with two probe photos of one person: accepted if either decodes
    two_gen, two_imp = [], []
    for a in names:
        for cluster, members in per_cluster.items():
            probes = [b for b in members if b != a and (a, b) in hds]
            for i in range(len(probes)):
                for j in range(i + 1, len(probes)):
                    best = min(hds[(a, probes[i])], hds[(a, probes[j])])
                    (two_gen if cluster == cl[a] else two_imp).append(best)
    two_gen, two_imp = np.array(two_gen), np.array(two_imp)
    rows = []
    for t in t_grid:
        k = code(t).k
        # binomial tail with `dof` independent fair-ish bits: P(impostor HD ≤ t), as bits
        x = int(round(dof * t / N))
        tail = sum(math.comb(int(dof), i) for i in range(0, x + 1)) / 2.0 ** int(dof)
        rows.append({"t": t, "k": k, "fnmr": float(np.mean(gen > t)), "fmr": float(np.mean(imp <= t)),
                     "master_fnmr": float(np.mean(m_gen > t)), "master_fmr": float(np.mean(m_imp <= t)),
                     "two_probe_fnmr": float(np.mean(two_gen > t)), "two_probe_fmr": float(np.mean(two_imp <= t)),
                     "fmr_model_bits": round(-math.log2(tail), 1) if tail > 0 else None})
    return {
        "photos": len(names), "identities": len(set(cl[n] for n in names)), "views": list(VIEWS),
        "genuine_pairs": int(len(gen)), "impostor_pairs": int(len(imp)),
        "two_probe_genuine": int(len(two_gen)), "two_probe_impostor": int(len(two_imp)),
        "master_genuine_pairs": int(len(m_gen)), "master_impostor_pairs": int(len(m_imp)),
        "genuine_hd": {"mean": float(gen.mean()), "max": int(gen.max()), "p90": float(np.percentile(gen, 90))},
        "impostor_hd": {"mean": float(imp.mean()), "min": int(imp.min()), "p10": float(np.percentile(imp, 10))},
        "impostor_dof": round(float(dof), 1),
        "euclid_0.6": {"fnmr": float(np.mean(np.array(eu_gen) > 0.6)), "fmr": float(np.mean(np.array(eu_imp) <= 0.6))},
        "by_t": rows,
    }


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    folder = argv[0] if argv else "../shared/faces/deepface"
    out = argv[1] if len(argv) > 1 else "out/facepass_eval.json"
    res = measure(folder, os.path.join(os.path.dirname(out) or ".", "facecache"))
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
