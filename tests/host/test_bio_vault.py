"""Fuzzy-vault prototype, CPython side: field arithmetic against an independent bit-level
model (hypothesis), the card interpreter producing byte-identical helpers and keys, and
`bioshard bio eval --scheme vault` on a synthetic set and on real fingers (when ../shared is
present). Accuracy is measured by the eval (docs/biometrics-vault.md), not asserted here."""
import json
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from bioshard.cli import main
from bioshard.bio import eval_vault
from bioshard_card.bio import vault, gf16 as gf
from conftest import REPO
from test_bio_eval import real_fingers, synthetic_db
from gf16_ref import mul16


u16 = st.integers(0, 65535)


@settings(max_examples=300)
@given(u16, u16)
def test_mul_matches_definition(a, b):
    assert gf.mul(a, b) == mul16(a, b, gf.BETA)


@settings(max_examples=300)
@given(st.integers(1, 65535))
def test_inverse(a):
    assert mul16(a, gf.inv(a), gf.BETA) == 1


def test_multiplicative_group_is_cyclic_of_order_65535():
    # a field of 2^16 elements has a generator of order 65535 = 3 * 5 * 17 * 257
    def pw(x, e):
        r = 1
        while e:
            if e & 1:
                r = gf.mul(r, x)
            x = gf.mul(x, x)
            e >>= 1
        return r
    gen = next(g for g in range(2, 65536)
               if all(pw(g, 65535 // p) != 1 for p in (3, 5, 17, 257)))
    assert pw(gen, 65535) == 1


@settings(max_examples=60)
@given(st.lists(u16, min_size=1, max_size=12), st.data())
def test_interpolation_passes_through_every_point(coeffs, data):
    k = len(coeffs)
    xs = data.draw(st.lists(u16, min_size=k, max_size=k, unique=True))
    ys = [gf.poly_eval(coeffs, x) for x in xs]
    out = gf.interpolate(xs, ys, [0] * k, [0] * (k + 1))
    assert out == coeffs
    assert all(gf.poly_eval(out, x) == y for x, y in zip(xs, ys))


CROSS = r"""
import sys
sys.path.insert(0, "tests/portable")
from bioshard_card.bio import vault
from test_fuzzy_synth import Lcg, finger, impression
r = Lcg(77)
rng = lambda n: bytes(r.next(256) for _ in range(n))
base = finger(77)
key, helper = vault.enroll([impression(base, i) for i in (1, 2, 3)], rng=rng)
got = vault.unlock(helper, impression(base, 5, shift=25, rot_deg=15.0))
print(helper.hex())
print(key.hex(), got.hex() if got else "-")
"""


def test_card_interpreter_builds_the_same_vault(micropython):
    cpy = subprocess.run([str(REPO / ".venv/bin/python"), "-c", CROSS], capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    if cpy.returncode:
        cpy = subprocess.run(["python3", "-c", CROSS], capture_output=True, text=True, cwd=REPO,
                             timeout=120)
    mpy = subprocess.run([micropython, "-X", "heapsize=2m", "-c",
                          "import sys; sys.path[:0] = ['firmware']\n" + CROSS],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert mpy.returncode == 0, mpy.stderr[-2000:]
    assert cpy.returncode == 0, cpy.stderr[-2000:]
    c_helper, c_keys = cpy.stdout.split()[0], cpy.stdout.split()[1:]
    m_helper, m_keys = mpy.stdout.split()[0], mpy.stdout.split()[1:]
    assert m_helper == c_helper
    assert m_keys == c_keys and c_keys[0] == c_keys[1]


def test_brute_force_bits_formula():
    # C(224, 9) / C(24, 9): Nandakumar's example size, computed exactly
    from math import comb, log2
    assert eval_vault.brute_force_bits(224, 24, 8) == pytest.approx(log2(comb(224, 9) / comb(24, 9)))
    assert eval_vault.brute_force_bits(20, 20, 8) == pytest.approx(0.0)


def _check(rep, fingers, impressions, enroll=3):
    assert rep["scheme"] == "vault"
    (db,) = rep["dbs"]
    s, pr, sec = db["single"], db["presses"], db["security"]
    enrolled = db["vault"]["enrolled_fingers"]
    assert enrolled + len(db["vault"]["skipped_fingers"]) == fingers
    assert s["genuine_trials"] == enrolled * (impressions - enroll)
    assert 0 <= s["fnmr"] <= 1 and 0 <= s["fmr"] <= 1
    assert pr["genuine_trials"] == enrolled * (impressions - enroll - 2)
    # 3 presses cannot do worse than one, nor an impostor run better than one press
    assert pr["fnmr"] <= s["fnmr"] + 1e-9
    assert sec["brute_force_bits_min"] <= sec["brute_force_bits_median"]
    assert db["unlock"]["trials_max"] <= vault.TRIALS
    return db


def test_eval_vault_synthetic(tmp_path, capsys):
    folder = synthetic_db(tmp_path / "SYN", fingers=4, impressions=6)
    assert main(["bio", "eval", str(folder), "--scheme", "vault", "--json", "--minutiae", "iso",
                 "--cache", ""]) == 0
    db = _check(json.loads(capsys.readouterr().out), 4, 6)
    # synthetic re-captures are easy and the fingers unrelated: the vault must separate them
    assert db["single"]["fnmr"] <= 0.25 and db["single"]["fmr"] == 0


def test_eval_vault_rejects_commitment_options(tmp_path, capsys):
    folder = synthetic_db(tmp_path / "SYN", fingers=2, impressions=4)
    assert main(["bio", "eval", str(folder), "--scheme", "vault", "--t", "42",
                 "--minutiae", "iso", "--cache", ""]) == 7


def test_eval_vault_real_fingers(tmp_path, capsys, shared):
    dst = real_fingers(shared, tmp_path, (101, 102, 103, 104))
    assert main(["bio", "eval", str(dst), "--scheme", "vault", "--json", "--minutiae", "iso",
                 "--cache", ""]) == 0
    _check(json.loads(capsys.readouterr().out), 4, 8)
