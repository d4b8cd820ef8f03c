"""`bioshard bio eval` / `bioshard bio prior`: measure the fingerprint key on image folders.

eval: FNMR, FMR, key bits and security bits per database and overall, for one finger (one press
and up to 3 presses, decoded as the card does) and for 2- and 3-finger sequences (see bioshard.bio.eval for the protocol).
prior: regenerate the population offsets the card's template subtracts (template_prior.py).
"""
import json
import sys
from pathlib import Path

from ..errors import BadInputError


def register(sub):
    p = sub.add_parser("bio", help="fingerprint key evaluation tools")
    bsub = p.add_subparsers(dest="bio_command", metavar="BIO_COMMAND")
    e = bsub.add_parser("eval", help="FNMR/FMR/bits on FVC-layout folders (FFF_I.tif)")
    e.add_argument("dirs", nargs="+", metavar="DIR", help="one folder per database")
    e.add_argument("--json", action="store_true", help="print the full JSON report")
    e.add_argument("--minutiae", choices=("auto", "extractor", "iso"), default="auto",
                   help="card extractor on simulated sensor uploads, or ISO reference minutiae "
                        "(default: extractor when available)")
    e.add_argument("--t", type=int, default=None, help="BCH errors corrected (default: the card's)")
    e.add_argument("--enroll", type=int, default=3, help="impressions used to enroll a finger")
    e.add_argument("--prior", choices=("shipped", "loo"), default="shipped",
                   help="population offsets: the card's, or leave-one-database-out")
    e.add_argument("--cache", default="out/bio-cache", help="minutiae cache folder ('' = none)")
    e.add_argument("--out", default=None, help="also write the JSON report to this file")
    e.add_argument("--scheme", choices=("finger-vault", "commitment", "vault"), default="finger-vault",
                   help="the card's finger vault (default), or a measured baseline: the v2 fuzzy "
                        "commitment or the chaff-vault prototype (docs/biometrics-vault.md)")
    e.set_defaults(func=cmd_eval)
    r = bsub.add_parser("prior", help="rebuild firmware/bioshard_card/bio/template_prior.py")
    r.add_argument("dirs", nargs="+", metavar="DIR")
    r.add_argument("--minutiae", choices=("auto", "extractor", "iso"), default="auto")
    r.add_argument("--cache", default="out/bio-cache")
    r.add_argument("--out", required=True, help="path of the generated module")
    r.set_defaults(func=cmd_prior)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def _progress(msg):
    print("bioshard bio: " + msg, file=sys.stderr)


def cmd_eval(args):
    if args.scheme == "vault":
        return cmd_eval_vault(args)
    if args.scheme == "finger-vault":
        return cmd_eval_finger_vault(args)
    from ..bio import eval as ev
    from bioshard_card.bio import fuzzy

    t = fuzzy.T_DEFAULT if args.t is None else args.t
    if not 1 <= t <= 63:
        raise BadInputError("--t must be 1..63")
    rep = ev.run(args.dirs, minutiae=args.minutiae, t=t, enroll=args.enroll, prior=args.prior,
                 cache_dir=args.cache or None, progress=_progress)
    if not _emit(rep, args):
        for db in _with_overall(rep):
            s, s2, s3 = db["single"], db["sequence2"], db["sequence3"]
            print("%-10s 1 finger: %s key %d bits, security %.1f bits | 2: %s sec %.1f | "
                  "3: %s sec %.1f" % (db["name"], _rates(s, "trials"), s["key_bits"],
                                      s["security_bits"], _rates(s2), s2["security_bits"],
                                      _rates(s3), s3["security_bits"]))
            pr = db["presses"]
            print("%-10s within %d presses of one finger: %s; without fusing presses: %s" % (
                "", pr["presses"], _rates(pr, "runs"), _rates(pr["without_fusion"])))
    return 0


def _emit(rep, args):
    """Write the JSON report to --out and/or stdout (--json); False: the caller prints a summary."""
    text = json.dumps(rep, indent=2)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    if args.json:
        print(text)
    return args.json


def cmd_eval_vault(args):
    from ..bio import eval_vault as evv

    if args.t is not None or args.prior != "shipped":
        raise BadInputError("--t and --prior apply to the commitment scheme, not the vault")
    if args.enroll < 2:
        raise BadInputError("--enroll needs at least 2 impressions")
    rep = evv.run(args.dirs, minutiae=args.minutiae, enroll=args.enroll,
                  cache_dir=args.cache or None, progress=_progress)
    if not _emit(rep, args):
        for db in _with_overall(rep):
            s, pr, sec = db["single"], db["presses"], db["security"]
            print("%-10s vault 1 press: %s | within %d presses: %s | brute-force bits min %s "
                  "median %s" % (db["name"], _rates(s, "trials"), pr["presses"], _rates(pr, "runs"),
                                 sec["brute_force_bits_min"], sec["brute_force_bits_median"]))
    return 0


def cmd_eval_finger_vault(args):
    from ..bio import eval_finger_vault as efv

    if args.t is not None or args.prior != "shipped" or args.enroll != 3:
        raise BadInputError("--t, --prior and --enroll apply to the baselines; the finger vault "
                            "enrolls from the first half of each finger's impressions")
    rep = efv.run(args.dirs, minutiae=args.minutiae, cache_dir=args.cache or None, progress=_progress)
    if not _emit(rep, args):
        print("%-10s %7s %7s %7s %9s %11s %11s %9s %8s %8s" % (
            "database", "1 press", "<=2", "<=3", "FMR/press", "FMR/3-run", "offline FA", "bits/fgr",
            "2f FNMR", "3f FNMR"))
        for db in rep["dbs"] + [rep["overall"]]:
            print("%-10s %7s %7s %7s %9s %11s %11s %9s %8s %8s" % (
                db["name"], _pct(db["fnmr_first_press"]), _pct(db["fnmr_within_2"]),
                _pct(db["fnmr_within_3"]), "%d/%d" % (round((db["fmr_per_press"] or 0) * db["impostor_presses"]),
                                                      db["impostor_presses"]),
                "%d/%d" % (round((db["fmr_per_3press_run"] or 0) * db["impostor_runs"]), db["impostor_runs"]),
                "%d/%d" % (db["offline_false_accepts"], db["impostor_presses"]),
                ("%s%.1f" % (">=" if db["offline_bits_is_lower_bound"] else "", db["offline_bits_per_finger"]))
                if db["offline_bits_per_finger"] is not None else "n/a",
                _pct(db["sequence2_fnmr"]), _pct(db["sequence3_fnmr"])))
        o = rep["overall"]
        print("card decoder checked on %d presses: %d disagreements with the fast path" % (
            o["card_decoder_checked"], o["card_decoder_disagreements"]))
    return 0


def _pct(x):
    return "n/a" if x is None else "%.4g%%" % (100 * x)


def _rates(r, unit=None):
    """'FNMR x FMR y', with '(genuine/impostor unit)' when a unit is given."""
    out = "FNMR %s FMR %s" % (_pct(r["fnmr"]), _pct(r["fmr"]))
    if unit:
        out += " (%d/%d %s)" % (r["genuine_trials"], r["impostor_trials"], unit)
    return out


def _with_overall(rep):
    """The per-database summaries, then the overall one named "overall"."""
    return rep["dbs"] + [dict(rep["overall"], name="overall")]


def cmd_prior(args):
    from ..bio import eval as ev

    src = ev.build_prior(args.dirs, minutiae=args.minutiae, cache_dir=args.cache or None)
    Path(args.out).write_text(src)
    print("wrote %s" % args.out)
    return 0
