"""`bioshard bio eval` end to end: on a synthetic FVC-layout set (always) and on three fingers
of a real database (when ../shared is present). Checks the JSON schema and that the numbers
are computed from the trials; accuracy targets are measured by `make eval`, not asserted here."""
import json
import shutil
import struct

import pytest
from PIL import Image

from bioshard.cli import main
from test_fuzzy_synth import finger, impression


def iso_record(minutiae):
    body = b"".join(struct.pack(">HHBB", (kind << 14) | x, y, ang, q) for x, y, ang, kind, q in minutiae)
    length = 28 + len(body) + 2
    head = b"FMR\0" + b" 20\0" + struct.pack(">I", length)
    head += struct.pack(">HHHHHBB", 0, 256, 288, 197, 197, 1, 0)
    head += struct.pack(">BBBB", 1, 0, 80, len(minutiae))
    return head + body + b"\0\0"


def synthetic_db(folder, fingers=4, impressions=6):
    folder.mkdir()
    for f in range(fingers):
        base = finger(1000 + f)
        for i in range(1, impressions + 1):
            stem = folder / ("%d_%d" % (101 + f, i))
            Image.new("L", (256, 288), 255).save(stem.with_suffix(".png"))
            ms = [m for m in impression(base, i) if 0 <= m[0] < 256 and 0 <= m[1] < 288]
            stem.with_suffix(".iso").write_bytes(iso_record(ms))
    return folder


def run_eval(capsys, *args):
    assert main(["bio", "eval", *map(str, args), "--scheme", "commitment", "--json", "--minutiae", "iso",
                 "--cache", ""]) == 0
    return json.loads(capsys.readouterr().out)


def check_block(b, fingers=1):
    for key in ("fnmr", "fmr", "genuine_trials", "impostor_trials", "key_bits", "security_bits",
                "security_method", "fmr_upper95"):
        assert key in b, key
    assert 0 <= b["fnmr"] <= 1 and 0 <= b["fmr"] <= 1
    assert b["key_bits"] > 0 and 0 <= b["security_bits"] <= b["key_bits"] + 3
    if fingers > 1:
        assert b["fingers"] == fingers and "independent" in b["trials_method"]


def check_report(rep, fingers, impressions, enroll=3):
    assert rep["minutiae"] == "iso" and rep["params"]["bits"] == 255
    (db,) = rep["dbs"]
    s = db["single"]
    assert s["genuine_trials"] == fingers * (impressions - enroll)
    assert s["impostor_trials"] <= fingers * (fingers - 1) * impressions
    check_block(s)
    check_block(db["sequence2"], 2)
    check_block(db["sequence3"], 3)
    # sequences follow from the single-finger outcomes
    assert db["sequence2"]["fnmr"] == pytest.approx(1 - (1 - s["fnmr"]) ** 2)
    assert db["sequence2"]["fmr"] == pytest.approx(s["fmr"] ** 2)
    assert db["sequence2"]["key_bits"] == 2 * s["key_bits"]
    assert [p["t"] for p in db["sweep"]] == sorted(p["t"] for p in db["sweep"])
    fnmrs = [p["fnmr"] for p in db["sweep"]]
    assert fnmrs == sorted(fnmrs, reverse=True)  # correcting more errors never rejects more
    assert rep["overall"]["single"]["genuine_trials"] == s["genuine_trials"]
    # several presses of one finger: runs of 3 consecutive queries, decoded as the card does
    pr = db["presses"]
    check_block(pr)
    assert pr["presses"] == 3 and pr["genuine_trials"] == fingers * (impressions - enroll - 2)
    assert pr["impostor_trials"] == fingers * (fingers - 1) * (impressions // 3)
    # fusing presses only adds decode attempts: it can never reject a run the presses alone pass
    assert pr["fnmr"] <= pr["without_fusion"]["fnmr"]
    assert pr["fmr"] >= pr["without_fusion"]["fmr"]
    sweep = [p["fnmr_presses"] for p in db["sweep"]]
    assert sweep == sorted(sweep, reverse=True)
    return db


def test_synthetic_set(tmp_path, capsys):
    rep = run_eval(capsys, synthetic_db(tmp_path / "SYN"))
    db = check_report(rep, 4, 6)
    # synthetic impressions are mild: the card's own code must reproduce most keys
    assert db["single"]["fnmr"] < 0.5
    assert db["single"]["fmr"] == 0
    # the trade-off plot tool draws from the same JSON
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("bio_tradeoff", REPO / "tools" / "bio_tradeoff.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.draw(rep, tmp_path / "plot.png")
    assert Image.open(tmp_path / "plot.png").size[0] > 800


def real_fingers(shared, tmp_path, fingers):
    """A folder with the 8 impressions (.tif and .iso) of `fingers` from FVC2004 DB3_B in
    ../shared; skips when it is absent."""
    src = shared / "fingerprints" / "fvc2004" / "DB3_B"
    if not src.is_dir():
        pytest.skip("DB3_B missing from ../shared")
    dst = tmp_path / "DB3_B"
    dst.mkdir()
    for f in fingers:
        for i in range(1, 9):
            for ext in (".tif", ".iso"):
                shutil.copy(src / ("%d_%d%s" % (f, i, ext)), dst)
    return dst


def test_three_real_fingers(tmp_path, capsys, shared):
    dst = real_fingers(shared, tmp_path, (101, 102, 103))
    check_report(run_eval(capsys, dst), 3, 8)


def test_bad_folder_is_a_clean_error(tmp_path, capsys):
    assert main(["bio", "eval", str(tmp_path / "nope"), "--minutiae", "iso", "--cache", ""]) == 7
    (tmp_path / "empty").mkdir()
    assert main(["bio", "eval", str(tmp_path / "empty"), "--minutiae", "iso", "--cache", ""]) == 7
    assert "no FFF_I images" in capsys.readouterr().err
