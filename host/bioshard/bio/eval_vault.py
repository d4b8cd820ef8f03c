"""Accuracy and security of the fuzzy-vault prototype (bioshard_card.bio.vault), with the same
protocol as `bioshard bio eval` (bioshard.bio.eval):

- enroll each finger from its first `enroll` usable impressions with the card's own code;
- genuine: each remaining impression (FNMR counts refused captures and fingers that cannot
  enroll are listed, not counted);
- impostor: every impression of every other finger of the same database (FMR);
- 3 presses: the same finger pressed up to 3 times, each press unlocked on its own (the vault
  has no press fusion); genuine = runs of 3 consecutive query impressions, impostor = disjoint
  runs of 3 impressions of another finger;
- security: Nandakumar et al.'s brute-force estimate (see `brute_force_bits`), per finger, and
  the min and median over the enrolled fingers; plus what the measured FMR bounds.
One parameter set (the module's constants) for every database.
"""
import math
import time
from pathlib import Path

from bioshard_card.bio import vault

from . import eval as ev

SECURITY_METHOD = ("Nandakumar-Jain-Pankanti 2007 brute force: an attacker who picks "
                   "(degree+1)-subsets of the r vault points at random needs C(r, n+1) / "
                   "C(g, n+1) interpolations on average (g genuine points); bits = log2 of it")


def _log2_comb(n, k):
    if k < 0 or k > n:
        return -math.inf
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(2)


def brute_force_bits(points, genuine, degree):
    return _log2_comb(points, degree + 1) - _log2_comb(genuine, degree + 1)


RANKED_METHOD = ("chaff-distribution attack: score each vault point by how well its direction "
                 "agrees (as an orientation) with its 4 nearest vault points, rank, and brute-force "
                 "the top N points; bits = min over N and both rank orders of "
                 "log2(C(N, n+1) / C(g_N, n+1)), g_N genuine among them (N chosen with hindsight: "
                 "optimistic for the attacker)")


def _flow_score(pts, i, nn=4):
    x, y, a = pts[i][0], pts[i][1], pts[i][2]
    near = sorted(((p[0] - x) ** 2 + (p[1] - y) ** 2, j) for j, p in enumerate(pts) if j != i)[:nn]
    s = 0
    for _, j in near:
        o = (pts[j][2] - a) % 128
        s += min(o, 128 - o)
    return s


def ranked_attack_bits(pts, is_gen, degree):
    """Brute-force bits left when the attacker ranks points by ridge-flow agreement."""
    sc = [_flow_score(pts, i) for i in range(len(pts))]
    best = math.inf
    for sign in (1, -1):
        order = sorted(range(len(pts)), key=lambda i: (sign * sc[i], i))
        g = 0
        for n, i in enumerate(order, 1):
            g += is_gen[i]
            if g >= degree + 1:
                best = min(best, brute_force_bits(n, g, degree))
    return best


def _det_rng(label):
    return ev._det_rng("vault/" + label)


def evaluate_db(db, enroll=3, presses=ev.PRESSES, trials=None, peaks=None):
    """db: {finger: [minutiae per impression]}. Counts, per-finger security and unlock costs."""
    res = {"gen_fail": 0, "gen_n": 0, "fa": 0, "imp_n": 0, "fta": 0, "pg_fail": 0, "pg_n": 0,
           "p_fa": 0, "pi_n": 0, "skipped": [], "bits": [], "genuine_points": [],
           "vault_points": [], "trials_gen": [], "trials_imp": [], "time_max": 0.0,
           "g_gen": [], "g_imp": [], "rg": [], "trials_ok": [], "ranked_bits": []}

    def ok(ms):
        return ms is not None and len(ms) >= vault.MIN_MINUTIAE

    for f, imps in db.items():
        good = [i for i, ms in enumerate(imps) if ok(ms)][:enroll]
        if len(good) < enroll or good[-1] == len(imps) - 1:
            res["skipped"].append(f)
            continue
        try:
            key, helper = vault.enroll([imps[i] for i in good], rng=_det_rng(f))
        except vault.VaultError:
            res["skipped"].append(f)
            continue
        degree, _, _, pts = vault.parse(helper)
        gen_u = set(vault.abscissa(x, y) for x, y, _ in vault.select_genuine([imps[i] for i in good]))
        is_gen = [p[3] in gen_u for p in pts]
        g = len(gen_u)
        res["genuine_points"].append(g)
        res["vault_points"].append(len(pts))
        res["bits"].append(brute_force_bits(len(pts), g, degree))
        res["rg"].append((len(pts), g))
        res["ranked_bits"].append(ranked_attack_bits(pts, is_gen, degree))

        def unlock(ms, bucket):
            if not ok(ms):
                return None
            st = vault.Stats()
            t0 = time.perf_counter()
            got = vault.unlock(helper, ms, st, trials=trials, peaks=peaks)
            res["time_max"] = max(res["time_max"], time.perf_counter() - t0)
            res[bucket].append(st.trials)
            if got is not None:
                res["trials_ok"].append(st.trials)
            # genuine vault points among the candidates of the best alignment: the decoder
            # can succeed iff this is >= degree + 1 (given enough trials) - the degree sweep
            sets = vault.candidate_sets(pts, ms, peaks or vault.PEAKS)
            res["g_" + bucket[7:]].append(max([sum(is_gen[j] for j in c) for c in sets] or [0]))
            return got

        queries = imps[good[-1] + 1:]
        gen_ok = []
        for ms in queries:
            got = unlock(ms, "trials_gen")
            if not ok(ms):
                res["fta"] += 1
            res["gen_n"] += 1
            res["gen_fail"] += got != key
            gen_ok.append(got == key)
        for i in range(len(queries) - presses + 1):
            res["pg_n"] += 1
            res["pg_fail"] += not any(gen_ok[i:i + presses])
        for g2, others in db.items():
            if g2 == f:
                continue
            imp_ok = []
            for ms in others:
                if not ok(ms):
                    imp_ok.append(False)
                    continue  # the card refuses the capture before the vault sees it
                got = unlock(ms, "trials_imp")
                res["imp_n"] += 1
                res["fa"] += got is not None
                imp_ok.append(got is not None)
            for i in range(0, len(others) - presses + 1, presses):
                res["pi_n"] += 1
                res["p_fa"] += any(imp_ok[i:i + presses])
    return res


def _median(v):
    v = sorted(v)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def report(res):
    fnmr = ev._rate(res["gen_fail"], res["gen_n"])
    fmr = ev._rate(res["fa"], res["imp_n"])
    out = {
        "single": {"fnmr": fnmr, "fmr": fmr, "fmr_upper95": ev._fmr_upper95(res["fa"], res["imp_n"]),
                   "genuine_trials": res["gen_n"], "impostor_trials": res["imp_n"],
                   "failures_to_acquire": res["fta"]},
        "presses": {"presses": ev.PRESSES,
                    "fnmr": ev._rate(res["pg_fail"], res["pg_n"]),
                    "fmr": ev._rate(res["p_fa"], res["pi_n"]),
                    "fmr_upper95": ev._fmr_upper95(res["p_fa"], res["pi_n"]),
                    "genuine_trials": res["pg_n"], "impostor_trials": res["pi_n"]},
        "security": {"brute_force_bits_min": round(min(res["bits"]), 2) if res["bits"] else None,
                     "brute_force_bits_median": round(_median(res["bits"]), 2) if res["bits"] else None,
                     "method": SECURITY_METHOD,
                     "ranked_attack_bits_min": round(min(res["ranked_bits"]), 2) if res["ranked_bits"] else None,
                     "ranked_attack_bits_median": round(_median(res["ranked_bits"]), 2) if res["ranked_bits"] else None,
                     "ranked_attack_method": RANKED_METHOD},
        "vault": {"genuine_points_median": _median(res["genuine_points"]),
                  "vault_points_median": _median(res["vault_points"]),
                  "enrolled_fingers": len(res["bits"]), "skipped_fingers": res["skipped"]},
        "unlock": {"trials_max": max(res["trials_gen"] + res["trials_imp"] or [0]),
                   "trials_median_genuine": _median(res["trials_gen"]),
                   # trials a successful unlock needed: how much of the budget is used
                   "trials_when_unlocked": sorted(res["trials_ok"]),
                   "seconds_max_cpython": round(res["time_max"], 3)},
    }
    # what another degree would give on the same vaults, if the decoder always found the
    # polynomial when degree + 1 genuine points are among the candidates
    gg, gi = res["g_gen"], res["g_imp"]
    sweep = []
    for d in range(6, 17):
        sweep.append({"degree": d,
                      "fnmr": _frac([x < d + 1 for x in gg]) if gg else None,
                      "fmr": _frac([x >= d + 1 for x in gi]) if gi else None,
                      "brute_force_bits_median": round(_median(
                          [brute_force_bits(r, g, d) for r, g in res["rg"]]), 2) if res["rg"] else None})
    out["degree_sweep"] = sweep
    out["degree_sweep_method"] = ("oracle decoder: a query opens the vault iff at least degree + 1 "
                                  "genuine points are among its candidates (no trial limit); "
                                  "refused captures excluded")
    out["impostor_genuine_matches"] = {str(v): gi.count(v) for v in sorted(set(gi))}
    return out


def _frac(bools):
    return sum(bools) / len(bools)


def run(folders, minutiae="auto", enroll=3, cache_dir=None, progress=None,
        trials=None, peaks=None):
    if minutiae == "auto":
        minutiae = "extractor" if ev.extractor_available() else "iso"
    merged = None
    dbs = []
    for folder in folders:
        if progress:
            progress("vault: %s" % folder)
        db = ev.load_minutiae(folder, minutiae, cache_dir)
        res = evaluate_db(db, enroll, trials=trials, peaks=peaks)
        if merged is None:
            merged = {k: (list(v) if isinstance(v, list) else v) for k, v in res.items()}
        else:
            for k, v in res.items():
                merged[k] = max(merged[k], v) if k == "time_max" else merged[k] + v
        entry = {"name": Path(folder).name, "path": str(folder)}
        entry.update(report(res))
        dbs.append(entry)
    return {
        "scheme": "vault",
        "minutiae": minutiae,
        "protocol": {"enroll_impressions": enroll,
                     "genuine": "each remaining impression of the enrolled finger",
                     "impostor": "every impression of every other finger of the same database",
                     "presses": ev.PRESSES},
        "params": {"degree": vault.DEGREE, "chaff": vault.CHAFF, "g_max": vault.G_MAX,
                   "min_seen": vault.MIN_SEEN, "trials": trials or vault.TRIALS,
                   "peaks": peaks or vault.PEAKS,
                   "match_r": vault.al.MATCH_R, "match_a": vault.al.MATCH_A},
        "dbs": dbs,
        "overall": report(merged),
    }
