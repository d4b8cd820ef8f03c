"""Accuracy and security of the card's finger key (bioshard_card.bio.finger_vault), measured on
folders of FVC-style images with one parameter set for every database.

Protocol (per database; nothing is tuned per database):
- enrollment: each finger from the first half of its impressions, merged by the card's own
  consolidation (bio.sequence.Enrollment: align, merge, count), bound by finger_vault.enroll;
- genuine runs: every remaining impression starts a run of up to 3 presses (the following
  remaining impressions, cyclically), decoded as the card's sign flow does
  (sequence.Reproduction: each press alone, then fused with the failed presses before it):
  FNMR of the first press, within 2 and within 3 presses;
- impostor presses: every impression of every other finger of the database, against every
  enrolled finger: FMR per press; impostor runs: each other finger's first 3 impressions
  as a 3-press run (fused as the card does): FMR per 3-press run; 95% upper bounds;
- offline false accept: an attacker holding the helper blob with no trial limit opens a press
  when any of its candidate frames (not only the card's first MAX_FRAMES) holds at least K
  enrolled elements (a search over K-subsets with the check value finds the key); the rate
  over every impostor press and the bits it implies (-log2; a lower bound from the 95% upper
  bound when none is observed);
- 2- and 3-finger sequences on real combinations of enrolled fingers (consecutive fingers of
  the database; in FCJ2020 that is fingers of one person): genuine sequences present each
  finger's run with the same start, with the sign flow's budget of 3 failed presses for the
  whole sequence; impostor sequences are other fingers' presses in the same order;
- every figure is also computed for K over SWEEP_K from the same frame counts (the K sweep
  is exact: a frame's enrolled-element count does not depend on K), for the trade-off plot.

Speed: vault_fast counts each frame's query and enrolled elements with numpy instead of
running the Reed-Solomon decoder; the card's own `finger_vault.unlock` is run wherever the
fast path says a press opens (and on a sample of the others) and the report counts every
disagreement (expected: 0).
"""
import math
from pathlib import Path

from bioshard_card.bio import consolidate, sequence
from bioshard_card.bio import finger_vault as fv

from . import eval as ev
from . import vault_fast as vf

PRESSES = 3
SWEEP_K = (8, 9, 10, 11, 12, 13, 14, 15, 16)
CHECK_SAMPLE = 40  # genuine presses per database also decoded by the card's code


def _det_rng(label):
    """Deterministic randomness per finger, so a run is reproducible (not the card's rng)."""
    return ev._det_rng("v3/" + label)


def _top(ms):
    """What the card decodes: its QMAX best-quality minutiae."""
    return sorted(ms, key=lambda m: -m[4] if len(m) > 4 else 0)[:fv.QMAX]


def _opens_card(stats, k):
    return any(2 * h >= n + k for _, n, h in stats[:fv.MAX_FRAMES])


def _opens_offline(stats, k):
    return any(h >= k for _, _, h in stats)


class _Finger:
    def __init__(self, helper, key, H):
        self.helper = helper
        self.key = key
        self.H = H


def _enroll(name, f, presses):
    """_Finger, or None when the card would refuse to bind it (counted as failures)."""
    c = consolidate.Consolidated()
    for p in presses:
        if p is not None and len(p) >= fv.MIN_MINUTIAE:
            c.add(p)
    cons = c.minutiae()
    elements = []
    try:
        key, helper = fv.enroll(cons, _det_rng("%s/%s/vault" % (name, f)), elements)
    except fv.VaultError:
        return None
    return _Finger(helper, key, vf.Helper(helper, elements))


def _run_presses(run):
    """The decode attempts of the sign flow for one run: [[minutiae, ...] per press]."""
    out = []
    kept = []
    for p in run:
        tries = []
        if p is None or len(p) < fv.MIN_MINUTIAE:
            out.append(tries)
            continue
        tries.append(p)
        if kept:
            tries.append(sequence.fuse(kept + [p]))
        out.append(tries)
        kept.append(p)
        if len(kept) >= sequence.FUSE:
            kept.pop(0)
    return out


def _pressed_stats(H, attempts):
    """Per press: list of frame stats of its decode attempts (card order)."""
    return [[vf.frame_stats(H, _top(a)) for a in tries] for tries in attempts]


def _first_open(pstats, k):
    """Press number (1..) at which the card opens, or None."""
    for i, tries in enumerate(pstats):
        if any(_opens_card(st, k) for st in tries):
            return i + 1
    return None


def _rate(bad, total):
    return bad / total if total else None


def _bits(fa, total):
    if not total:
        return None
    if fa:
        return round(-math.log2(fa / total), 2)
    return round(-math.log2(ev._fmr_upper95(0, total)), 2)


def evaluate_db(folder, minutiae="extractor", cache_dir=None, progress=None, check_card=True):
    folder = Path(folder)
    # "fcj2020/DB", "fvc2004/DB1_B": the parent names a database whose folder is just "DB"
    name = "%s/%s" % (folder.resolve().parent.name, folder.name)
    src = "extractor" if minutiae == "auto" else minutiae
    db = ev.load_minutiae(folder, src, cache_dir)
    if progress:
        progress("%s: enrolling %d fingers" % (name, len(db)))
    fingers = {}
    queries = {}
    for f, imps in db.items():
        h = len(imps) // 2
        fingers[f] = _enroll(name, f, imps[:h])
        queries[f] = imps[h:]
    # each finger's own presses as an impostor: alone and fused into a 3-press run
    imp_presses = {f: [p for p in imps] for f, imps in db.items()}
    imp_runs = {f: _run_presses(imps[:PRESSES]) for f, imps in db.items()}
    gen = []        # per genuine run: stats per press (None finger: enrollment failed)
    gen_index = []  # (finger, start)
    imp_stats = []  # per impostor press: frame stats (online: top; offline: all minutiae)
    imp_names = []  # (enrolled finger, impostor finger, impression) of each impostor press
    imp_off = []
    run_stats = []  # per impostor run: stats per press
    disagreements = 0
    card_checked = 0
    checked_gen = 0
    for fi, (f, fin) in enumerate(fingers.items()):
        qs = queries[f]
        for s in range(len(qs)):
            run = [qs[(s + i) % len(qs)] for i in range(min(PRESSES, len(qs)))]
            gen_index.append((f, s))
            if fin is None:
                gen.append(None)
                continue
            pst = _pressed_stats(fin.H, _run_presses(run))
            gen.append(pst)
            if check_card and checked_gen < CHECK_SAMPLE and run[0] is not None:
                # the card's decoder on the first press must agree with the fast path
                key = fv.unlock(fin.helper, run[0])
                fast = _opens_card(pst[0][0], fv.K) if pst[0] else False
                disagreements += (key == fin.key) != fast
                card_checked += 1
                checked_gen += 1
        if fin is None:
            continue
        for g in db:
            if g == f:
                continue
            for ii, p in enumerate(imp_presses[g]):
                if p is None or len(p) < fv.MIN_MINUTIAE:
                    continue
                imp_names.append((f, g, ii + 1))
                st = vf.frame_stats(fin.H, _top(p))
                imp_stats.append(st)
                imp_off.append(vf.frame_stats(fin.H, p) if len(p) > fv.QMAX else st)
                if check_card and _opens_card(st, fv.K):
                    disagreements += fv.unlock(fin.helper, p) is None
                    card_checked += 1
            run_stats.append(_pressed_stats(fin.H, imp_runs[g]))
        if progress and fi % 20 == 19:
            progress("%s: %d/%d fingers" % (name, fi + 1, len(fingers)))
    link = linkability(name, db)
    return {"name": name, "gen": gen, "gen_index": gen_index, "imp": imp_stats, "imp_off": imp_off,
            "linkability": link,
            "imp_names": imp_names,
            "runs": run_stats, "enroll_failures": sum(1 for v in fingers.values() if v is None),
            "fingers": len(fingers), "card_checked": card_checked, "disagreements": disagreements}


LINK_D = 2  # px and angle units within which two published reference pairs count as "the same"
LINK_A = 3


def _linked(r1, r2):
    for a in r1:
        for b in r2:
            if (abs(a[0] - b[0]) <= LINK_D and abs(((a[1] - b[1] + 128) & 255) - 128) <= LINK_A
                    and abs(((a[2] - b[2] + 128) & 255) - 128) <= LINK_A):
                return True
    return False


def linkability(name, db):
    """The one link two records can offer: a reference pair drawn in both leaves near-equal
    invariants. Each finger is enrolled twice, from the two halves of its impressions, with
    fresh randomness; the attack links two records when any of their reference invariants agree
    within LINK_D px / LINK_A units. Rates for records of one finger and of different fingers."""
    refs = {}
    for f, imps in db.items():
        h = len(imps) // 2
        pair = []
        for part, tag in ((imps[:h], "a"), (imps[h:], "b")):
            c = consolidate.Consolidated()
            for p in part:
                if p is not None and len(p) >= fv.MIN_MINUTIAE:
                    c.add(p)
            try:
                _, helper = fv.enroll(c.minutiae(), _det_rng("link/%s/%s/%s" % (name, f, tag)))
            except fv.VaultError:
                pair = None
                break
            pair.append([(r[0], r[1], r[2]) for r in fv.parse_helper(helper)[3]])
        if pair:
            refs[f] = pair
    fs = list(refs)
    same = sum(_linked(refs[f][0], refs[f][1]) for f in fs)
    diff = sum(_linked(refs[f][0], refs[g][1]) for i, f in enumerate(fs) for g in fs[i + 1:])
    n_diff = len(fs) * (len(fs) - 1) // 2
    return {"same_finger_linked": same, "same_finger_pairs": len(fs), "different_finger_linked": diff,
            "different_finger_pairs": n_diff, "method": linkability.__doc__.split("Each finger", 1)[1].strip()}


def _sequence_figures(raw, k, length):
    """Joint figures on real combinations: consecutive enrolled fingers, same run start."""
    by = {}
    for (f, s), pst in zip(raw["gen_index"], raw["gen"]):
        by.setdefault(f, {})[s] = pst
    names = list(by)
    g_fail = g_n = 0
    for i in range(len(names) - length + 1):
        group = names[i:i + length]
        starts = set.intersection(*(set(by[f]) for f in group))
        for s in starts:
            failed = 0
            ok = True
            for f in group:
                pst = by[f][s]
                at = None if pst is None else _first_open(pst, k)
                if at is None:
                    ok = False
                    break
                failed += at - 1
            g_n += 1
            g_fail += (not ok) or failed >= PRESSES
    return g_fail, g_n


def summarize(raws, k=fv.K):
    per = []
    tot = dict(g1=0, g2=0, g3=0, gn=0, fa=0, fan=0, rfa=0, rn=0, off=0, offn=0, s2=[0, 0], s3=[0, 0],
               checked=0, dis=0)
    for raw in raws:
        g = [0, 0, 0]
        gn = 0
        for pst in raw["gen"]:
            gn += 1
            at = None if pst is None else _first_open(pst, k)
            for p in range(PRESSES):
                g[p] += at is None or at > p + 1
        fa = sum(1 for st in raw["imp"] if _opens_card(st, k))
        off = sum(1 for st in raw["imp_off"] if _opens_offline(st, k))
        rfa = sum(1 for pst in raw["runs"] if _first_open(pst, k) is not None)
        s2 = _sequence_figures(raw, k, 2)
        s3 = _sequence_figures(raw, k, 3)
        row = _figures(raw["name"], g, gn, fa, len(raw["imp"]), rfa, len(raw["runs"]), off,
                       len(raw["imp_off"]), s2, s3)
        row["enroll_failures"] = raw["enroll_failures"]
        row["fingers"] = raw["fingers"]
        row["card_decoder_checked"] = raw["card_checked"]
        row["card_decoder_disagreements"] = raw["disagreements"]
        row["linkability"] = raw["linkability"]
        # every online false accept by name, so a mislabelled database image can be looked at
        row["false_accepts"] = ["finger %s accepted %s_%d" % n for n, st in zip(raw["imp_names"], raw["imp"])
                                if _opens_card(st, k)]
        per.append(row)
        for i, key in enumerate(("g1", "g2", "g3")):
            tot[key] += g[i]
        tot["gn"] += gn
        tot["fa"] += fa
        tot["fan"] += len(raw["imp"])
        tot["rfa"] += rfa
        tot["rn"] += len(raw["runs"])
        tot["off"] += off
        tot["offn"] += len(raw["imp_off"])
        tot["s2"] = [tot["s2"][0] + s2[0], tot["s2"][1] + s2[1]]
        tot["s3"] = [tot["s3"][0] + s3[0], tot["s3"][1] + s3[1]]
        tot["checked"] += raw["card_checked"]
        tot["dis"] += raw["disagreements"]
    overall = _figures("overall", [tot["g1"], tot["g2"], tot["g3"]], tot["gn"], tot["fa"], tot["fan"],
                       tot["rfa"], tot["rn"], tot["off"], tot["offn"], tot["s2"], tot["s3"])
    overall["card_decoder_checked"] = tot["checked"]
    overall["card_decoder_disagreements"] = tot["dis"]
    return per, overall


def _figures(name, g, gn, fa, fan, rfa, rn, off, offn, s2, s3):
    bits = _bits(off, offn)
    return {
        "name": name,
        "fnmr_first_press": _rate(g[0], gn), "fnmr_within_2": _rate(g[1], gn),
        "fnmr_within_3": _rate(g[2], gn), "genuine_runs": gn,
        "fmr_per_press": _rate(fa, fan), "fmr_per_press_upper95": ev._fmr_upper95(fa, fan),
        "impostor_presses": fan,
        "fmr_per_3press_run": _rate(rfa, rn), "fmr_per_3press_run_upper95": ev._fmr_upper95(rfa, rn),
        "impostor_runs": rn,
        "offline_false_accepts": off, "offline_far": _rate(off, offn),
        "offline_far_upper95": ev._fmr_upper95(off, offn),
        "offline_bits_per_finger": bits, "offline_bits_is_lower_bound": off == 0,
        # one check value per finger: an attacker finds the fingers one at a time, so the
        # work of a sequence is the sum of the per-finger works (docs/biometrics.md)
        "offline_bits_2_fingers": None if bits is None else round(bits + 1, 2),
        "offline_bits_3_fingers": None if bits is None else round(bits + math.log2(3), 2),
        "sequence2_fnmr": _rate(*s2), "sequence2_runs": s2[1],
        "sequence3_fnmr": _rate(*s3), "sequence3_runs": s3[1],
        # impostor sequences need every finger to open: measured per press above; with none
        # of 200,000 single presses opening, no 2-finger impostor sequence can
        "sequence_fmr": 0.0 if fa == 0 else None,
    }


def run(dirs, minutiae="auto", cache_dir=None, progress=None, check_card=True):
    raws = [evaluate_db(d, minutiae, cache_dir, progress, check_card) for d in dirs]
    per, overall = summarize(raws)
    sweep = []
    for k in SWEEP_K:
        per_k, o = summarize(raws, k)
        for row in per_k:
            row.pop("false_accepts")
            row.pop("linkability")
        sweep.append(dict(o, k=k, dbs=per_k))
    return {
        "scheme": "finger vault v%d (aligned improved vault, Gao decoding)" % fv.VERSION,
        "parameters": {n: getattr(fv, n) for n in ("CELL", "SPAN", "ABINS", "EXPAND", "REFS", "DMIN", "DMAX",
                                                  "DTOL", "ATOL", "MIN_COUNT", "CAP", "T", "K", "MAX_FRAMES",
                                                  "QMAX", "SUPPORT")},
        "protocol": __doc__.split("Protocol", 1)[1].split("Speed:")[0].strip(),
        "dbs": per, "overall": overall, "sweep_k": sweep,
    }
