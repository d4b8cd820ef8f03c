"""The finger vault from the host: the evaluation's vectorized fast path agrees with the card's
decoder press by press, Gao decoding holds for random codes (hypothesis), two enrollments of
one finger resist the record-multiplicity (correlation) attack that opens the chaff-vault
prototype, and `bioshard bio eval` reports every figure the issue names."""
import json
import shutil

import pytest
from hypothesis import given, settings, strategies as st

from bioshard.bio import vault_fast as vf
from bioshard.cli import main
from bioshard_card.bio import consolidate, finger_vault as fv, gf16, rs_decode as rs
from test_bio_eval import synthetic_db
from test_fuzzy_synth import finger, impression, lcg_bytes


_rng = lcg_bytes


def _enrolled(seed, presses=6, rng_seed=1):
    c = consolidate.Consolidated()
    for i in range(presses):
        c.add(impression(finger(seed), i + 1))
    elements = []
    key, helper = fv.enroll(c.minutiae(), _rng(rng_seed), elements)
    return key, helper, vf.Helper(helper, elements)


def _top(ms):
    return sorted(ms, key=lambda m: -m[4])[:fv.QMAX]


def _agree(key, helper, H, press):
    fast = vf.card_opens(vf.frame_stats(H, _top(press)))
    card = fv.unlock(helper, press)
    assert card is None or card == key
    return fast == (card is not None), fast


def test_fast_path_agrees_with_the_card_decoder_on_synthetic_presses():
    opened = refused = 0
    for seed in (200, 201, 202):
        key, helper, H = _enrolled(seed)
        for other, imp in [(seed, i) for i in range(7, 13)] + [(o, 1) for o in range(300, 306)]:
            # harder presses too: more jitter, fewer minutiae, more spurious ones
            press = impression(finger(other), imp, shift=20, rot_deg=15, jitter=4, drop=8, extra=8)
            same, fast = _agree(key, helper, H, press)
            assert same, (seed, other, imp)
            opened += fast
            refused += not fast
    assert opened and refused  # both outcomes were exercised


def test_fast_path_agrees_on_real_fingers(shared):
    from bioshard.bio import eval as ev

    src = shared / "fingerprints" / "fvc2004" / "DB2_B"
    if not src.is_dir():
        pytest.skip("DB2_B missing from ../shared")
    db = ev.load_minutiae(src, "iso")
    checked = 0
    for f in list(db)[:5]:
        c = consolidate.Consolidated()
        for p in db[f][:4]:
            if len(p) >= fv.MIN_MINUTIAE:
                c.add(p)
        elements = []
        try:
            key, helper = fv.enroll(c.minutiae(), _rng(int(f)), elements)
        except fv.VaultError:
            continue
        H = vf.Helper(helper, elements)
        for g in list(db)[:5]:
            for p in db[g][4:] if g == f else db[g][:2]:
                if len(p) >= fv.MIN_MINUTIAE:
                    assert _agree(key, helper, H, p)[0], (f, g)
                    checked += 1
    assert checked >= 40


@settings(max_examples=60)
@given(st.data())
def test_gao_recovers_any_code_within_its_radius(data):
    k = data.draw(st.integers(1, 14))
    n = data.draw(st.integers(k, 34))
    xs = data.draw(st.lists(st.integers(0, 65535), min_size=n, max_size=n, unique=True))
    f = data.draw(st.lists(st.integers(0, 65535), min_size=k, max_size=k))
    errors = data.draw(st.integers(0, (n - k) // 2))
    where = data.draw(st.lists(st.integers(0, n - 1), min_size=errors, max_size=errors, unique=True))
    ys = []
    for x in xs:
        acc = 0
        for c in reversed(f):
            acc = gf16.mul(acc, x) ^ c
        ys.append(acc)
    for i in where:
        ys[i] ^= data.draw(st.integers(1, 65535))
    assert rs.decode(xs, ys, k) == f


def test_two_enrollments_resist_the_correlation_attack():
    """Record multiplicity: an attacker holding two records of one finger. A chaff vault
    publishes points, and intersecting two aligned point sets keeps the genuine minutiae
    (Scheirer & Boult; Kholmatov & Yanikoglu). The finger vault publishes no point: per frame
    only the pair invariants, a coarse area mask and the coefficients of a polynomial whose
    roots are the enrolled cells under a keyed map fresh per enrollment. So the attack has no
    sets to intersect, and what is published agrees between two records of one finger no more
    than between records of different fingers; the same randomness twice would make two
    records equal, which the check below would catch."""
    same = []
    diff = []
    for seed in (220, 221, 222):
        _, h1, _ = _enrolled(seed, rng_seed=seed)
        _, h2, _ = _enrolled(seed, rng_seed=seed + 500)
        _, h3, _ = _enrolled(seed + 1000, rng_seed=seed + 900)
        same.append(_coefficient_coincidences(h1, h2))
        diff.append(_coefficient_coincidences(h1, h3))
        # the keyed element maps differ: no enrolled cell has the same element in both records
        _, salt1, _, _ = fv.parse_helper(h1)
        _, salt2, _, _ = fv.parse_helper(h2)
        p1, p2 = fv._Perm(salt1, 0), fv._Perm(salt2, 0)
        assert sum(p1(c) == p2(c) for c in range(fv.NCELL * fv.NCELL * fv.ABINS)) <= 3
    # chance: 6 x 6 frame pairs x 180 coefficients / 65536 ~ 0.1 equal values per record pair
    assert max(same) <= 4 and max(diff) <= 4
    _, h4, _ = _enrolled(220, rng_seed=220)
    assert _coefficient_coincidences(h4, _enrolled(220, rng_seed=220)[1]) > 1000  # the check can fail
    n, salt, check, refs = fv.parse_helper(h1)
    assert all(len(r) == 6 for r in refs)  # length, two directions, wrap, coefficients, area mask


def _coefficient_coincidences(h1, h2):
    _, _, _, r1 = fv.parse_helper(h1)
    _, _, _, r2 = fv.parse_helper(h2)
    return sum(1 for a in r1 for b in r2 for i in range(0, len(a[4]), 2)
               if a[4][i] == b[4][i] and a[4][i + 1] == b[4][i + 1])


def test_eval_reports_every_figure(tmp_path, capsys):
    db = synthetic_db(tmp_path / "SYN", fingers=5, impressions=6)
    out = tmp_path / "eval.json"
    assert main(["bio", "eval", str(db), "--minutiae", "iso", "--cache", "", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1 press" in text and "disagreements" in text
    rep = json.loads(out.read_text())
    (d,) = rep["dbs"]
    for key in ("fnmr_first_press", "fnmr_within_2", "fnmr_within_3", "fmr_per_press",
                "fmr_per_press_upper95", "fmr_per_3press_run", "offline_far", "offline_bits_per_finger",
                "sequence2_fnmr", "sequence3_fnmr", "false_accepts", "linkability"):
        assert key in d, key
    assert d["genuine_runs"] == 5 * 3
    assert d["impostor_presses"] == 5 * 4 * 6
    assert d["impostor_runs"] == 5 * 4
    assert d["fnmr_first_press"] >= d["fnmr_within_2"] >= d["fnmr_within_3"]
    assert d["fnmr_within_3"] <= 0.34  # synthetic impressions are mild
    assert d["fmr_per_press"] == 0 and d["card_decoder_disagreements"] == 0
    assert d["card_decoder_checked"] > 0
    link = d["linkability"]
    n = link["same_finger_pairs"]
    assert 0 < n <= 5 and link["different_finger_pairs"] == n * (n - 1) // 2
    assert 0 <= link["same_finger_linked"] <= link["same_finger_pairs"]
    assert 0 <= link["different_finger_linked"] <= link["different_finger_pairs"]
    ks = [p["k"] for p in rep["sweep_k"]]
    assert ks == sorted(ks)
    fnmr = [p["fnmr_within_3"] for p in rep["sweep_k"]]
    off = [p["offline_far"] for p in rep["sweep_k"]]
    assert fnmr == sorted(fnmr) and off == sorted(off, reverse=True)  # K trades one for the other
    assert rep["parameters"]["K"] == fv.K
    assert [db["name"] for db in rep["sweep_k"][0]["dbs"]] == [d["name"]]
    # the trade-off plot of `make eval` draws from the same JSON
    import importlib.util

    from conftest import REPO
    from PIL import Image

    spec = importlib.util.spec_from_file_location("bio_tradeoff", REPO / "tools" / "bio_tradeoff.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.draw(rep, tmp_path / "plot.png")
    assert Image.open(tmp_path / "plot.png").size[0] > 800


def test_eval_baselines_stay_measurable(tmp_path, capsys):
    db = synthetic_db(tmp_path / "SYN", fingers=4, impressions=6)
    assert main(["bio", "eval", str(db), "--scheme", "commitment", "--json", "--minutiae", "iso",
                 "--cache", ""]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["dbs"][0]["single"]["genuine_trials"] == 4 * 3
    assert main(["bio", "eval", str(db), "--t", "40", "--minutiae", "iso", "--cache", ""]) == 7
    assert "apply to the baselines" in capsys.readouterr().err


def test_three_real_fingers_of_each_database(tmp_path, shared, capsys):
    dbs = []
    for rel, ext, n in (("fvc2004/DB3_B", ".tif", 8), ("fcj2020/DB", ".png", 6), ("crossmatch/DB", ".png", 8)):
        src = shared / "fingerprints" / rel
        if not src.is_dir():
            pytest.skip("%s missing from ../shared" % rel)
        dst = tmp_path / rel.replace("/", "_")
        dst.mkdir()
        names = sorted({p.stem.split("_")[0] for p in src.glob("*_1" + ext)})[:3]
        for f in names:
            for i in range(1, n + 1):
                shutil.copy(src / ("%s_%d%s" % (f, i, ext)), dst)
        dbs.append(str(dst))
    out = tmp_path / "eval.json"
    assert main(["bio", "eval", *dbs, "--cache", str(tmp_path / "cache"), "--out", str(out)]) == 0
    rep = json.loads(out.read_text())
    assert len(rep["dbs"]) == 3
    assert rep["overall"]["card_decoder_disagreements"] == 0
    assert rep["overall"]["genuine_runs"] == 3 * 4 + 3 * 3 + 3 * 4
