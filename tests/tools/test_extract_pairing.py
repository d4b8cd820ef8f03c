"""tools/minutiae_pairing.py: the pairing rule and the mapping of ISO reference minutiae into
sensor pixels (independent of ../shared: records are built here)."""
import math
import struct
import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import minutiae_pairing as MP  # noqa: E402


def iso_record(minutiae, width=300, height=400):
    body = b"".join(struct.pack(">HHBB", (k << 14) | x, y, a, q) for x, y, a, k, q in minutiae)
    length = 28 + len(body) + 2
    head = b"FMR\0" + b" 20\0" + struct.pack(">IHHHHHBB", length, 0, width, height, 197, 197, 1, 0)
    return head + struct.pack(">BBBB", 1, 0, 60, len(minutiae)) + body + b"\0\0"


def test_pairing_is_one_to_one_nearest_first():
    ours = [(100, 100, 0, 1, 50), (104, 100, 0, 1, 50)]
    refs = [(103, 100, 0, 1)]
    pairs = MP.pair(ours, refs, 12, 30)
    assert pairs == [(1, 0)]  # the nearer one wins, the other stays unpaired


def test_pairing_distance_and_angle_limits_with_wraparound():
    refs = [(50, 50, 250, 1)]
    assert MP.pair([(50, 61, 5, 1, 9)], refs, 12, 30) == [(0, 0)]      # 11 px, 15.5 deg across 0
    assert MP.pair([(50, 63, 5, 1, 9)], refs, 12, 30) == []            # 13 px
    assert MP.pair([(50, 50, 30, 1, 9)], refs, 12, 30) == []           # 50.6 deg
    assert MP.pair([(50, 50, 30, 1, 9)], refs, 12, None) == [(0, 0)]   # position only


def test_reference_frame_scales_positions_and_angles(tmp_path):
    # a 600 x 200 source: the record's 300 x 400 frame is scaled by (2, 0.5)
    rec = tmp_path / "r.iso"
    rec.write_bytes(iso_record([(100, 200, 32, 1, 80), (10, 10, 0, 2, 80)]))
    refs = MP.reference(rec, (600, 200), ox=150, oy=20)
    # (100.5 * 2 - 0.5 - 150, 200.5 * 0.5 - 0.5 - 20) = (50.5, 79.75); (10, 10) falls outside
    assert len(refs) == 1
    x, y, a, k = refs[0]
    assert abs(x - 50.5) < 1e-9 and abs(y - 79.75) < 1e-9 and k == 1
    # 45 degrees in the record: direction (1, 1) becomes (2, 0.5) -> atan2(0.5, 2) = 14 deg
    assert a == round(math.degrees(math.atan2(0.5, 2)) * 256 / 360)
