#!/usr/bin/env python3
"""Pairing rate of the card's minutiae with the ISO 19794-2 reference minutiae.

For every FFF_I.tif under ../shared/fingerprints/fvc2004/DB*_B: make the 256x288 4-bit sensor
image the card would receive, run the card's extractor on it (bioshard.bio.extract_batch:
the viper kernels under `micropython` when installed), map the reference minutiae of FFF_I.iso
into sensor pixels, and pair them one-to-one (greedy, nearest first): a reference minutia is
paired when one of ours lies within --dist pixels and --angle degrees of it.

    recall    = paired reference minutiae / reference minutiae inside the sensor window
                (the 8-pixel outer ring, where the card never reports, is left out)
    precision = paired card minutiae / card minutiae

Also reported: the same rates ignoring the angle (position only), the share of paired minutiae
whose type (ending/bifurcation) agrees, the mean counts, and the repeatability: the share of
minutiae found again (same pairing rule) when the same image is shifted by (5, 3) pixels and
rotated by 6 degrees before the simulated sensor -- what key reproduction depends on. The reference comes from a
commercial extractor: it is a yardstick, not ground truth.

    python tools/minutiae_pairing.py [--limit N] [--json] [--runner auto|micropython|cpython]
    python tools/minutiae_pairing.py --bench      # time per image under the unix port
"""
import argparse
import json
import math
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "host"))
sys.path.insert(0, str(REPO / "firmware"))

from bioshard.bio import iso19794  # noqa: E402
from bioshard.bio.extract_batch import extract_batch  # noqa: E402

SENSOR_W, SENSOR_H = 256, 288
EDGE = 8  # the card's extractor never reports in the outer block ring



def ref_frame(rec, src_w, src_h):
    """(sx, sy): source pixel = reference pixel * (sx, sy).

    The reference records' header size (300x400 for every image) is NOT a placeholder: the
    SDK that wrote them resampled each image to 300x400 first, and the minutiae coordinates
    are in that frame. Fitting our minutiae against them finds exactly these scales (e.g.
    DB2_B 328x364: 0.9 x 1.1; DB1_B 640x480: 0.47 x 0.83); the identity frame pairs ~10x
    fewer minutiae. See docs/extraction.md."""
    if rec.width and rec.height:
        return src_w / rec.width, src_h / rec.height
    return 1.0, 1.0


def sensor_image(path):
    """(packed sensor image, ox, oy): sensor pixel (x, y) = source pixel (x + ox, y + oy).

    The image is what the simulated sensor uploads (bioshard.sim.fingerimage: window centred
    on the finger, levels stretched, 4-bit); the offset is that module's window origin."""
    try:
        from bioshard.sim import fingerimage as fi
    except ImportError:
        return _private_sensor_image(path)
    a = fi.load_gray(path)
    oy, ox = fi.window_origin(a.shape, fi.foreground_center(a))
    return fi.to_sensor_image(a), ox, oy


def _private_sensor_image(path):
    # Stand-in when bioshard.sim.fingerimage is absent: a 256x288 window centred on the dark
    # (ridge) pixels, padded with white, quantised to 4 bits, packed high nibble first.
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(path).convert("L")).astype(np.int32)
    h, w = a.shape
    ys, xs = np.nonzero(a < 128)
    cx, cy = (int(xs.mean()), int(ys.mean())) if len(xs) else (w // 2, h // 2)
    ox = min(max(cx - SENSOR_W // 2, 0), w - SENSOR_W) if w >= SENSOR_W else -((SENSOR_W - w) // 2)
    oy = min(max(cy - SENSOR_H // 2, 0), h - SENSOR_H) if h >= SENSOR_H else -((SENSOR_H - h) // 2)
    out = np.full((SENSOR_H, SENSOR_W), 255, np.int32)
    y0, y1 = max(0, -oy), min(SENSOR_H, h - oy)
    x0, x1 = max(0, -ox), min(SENSOR_W, w - ox)
    out[y0:y1, x0:x1] = a[y0 + oy:y1 + oy, x0 + ox:x1 + ox]
    q = (out >> 4).astype(np.uint8)
    return bytes((q[:, 0::2] << 4 | q[:, 1::2]).reshape(-1)), ox, oy


def reference(iso_path, src_size, ox, oy):
    """Reference minutiae in sensor pixels, inside the sensor window minus its edge ring.
    Angles are mapped through the same anisotropic scaling as the positions."""
    rec = iso19794.read(iso_path)
    sx, sy = ref_frame(rec, *src_size)
    out = []
    for m in rec.minutiae:
        x, y = (m.x + 0.5) * sx - 0.5 - ox, (m.y + 0.5) * sy - 0.5 - oy
        if EDGE <= x < SENSOR_W - EDGE and EDGE <= y < SENSOR_H - EDGE:
            t = m.angle * math.pi / 128
            a = int(round(math.atan2(math.sin(t) * sy, math.cos(t) * sx) * 128 / math.pi)) % 256
            out.append((x, y, a, m.kind))
    return out


def angle_diff_deg(a, b):
    d = (a - b) % 256
    return min(d, 256 - d) * 360.0 / 256


def pair(ours, refs, dist, angle):
    """Greedy one-to-one pairing, nearest pairs first. Returns [(i_ours, i_ref)]."""
    cand = []
    for i, m in enumerate(ours):
        for j, r in enumerate(refs):
            d = math.hypot(m[0] - r[0], m[1] - r[1])
            if d <= dist and (angle is None or angle_diff_deg(m[2], r[2]) <= angle):
                cand.append((d, i, j))
    cand.sort()
    used_i, used_j, pairs = set(), set(), []
    for d, i, j in cand:
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            pairs.append((i, j))
    return pairs


def evaluate_db(db_dir, dist, angle, limit, runner, repeat=True):
    tifs = sorted(db_dir.glob("*.tif"))[: limit or None]
    row = evaluate_files(db_dir.name, tifs, dist, angle, runner)
    if repeat:
        row["repeatability"] = stability_files(tifs, dist=dist, angle=angle, runner=runner)
    return row


def evaluate_files(db, tifs, dist=12.0, angle=30.0, runner="auto"):
    """Pairing statistics (dict) of the card's extractor on the images `tifs` of one DB."""
    from PIL import Image

    imgs, frames = [], []
    for t in tifs:
        packed, ox, oy = sensor_image(t)
        imgs.append(packed)
        with Image.open(t) as im:
            frames.append((ox, oy, im.size))
    t0 = time.time()
    found = extract_batch(imgs, runner=runner)
    secs = time.time() - t0
    n_ours = n_refs = paired = paired_pos = type_ok = 0
    for t, (ox, oy, size), ours in zip(tifs, frames, found):
        refs = reference(t.with_suffix(".iso"), size, ox, oy)
        n_ours += len(ours)
        n_refs += len(refs)
        pairs = pair(ours, refs, dist, angle)
        paired += len(pairs)
        type_ok += sum(1 for i, j in pairs if ours[i][3] == refs[j][3])
        paired_pos += len(pair(ours, refs, dist, None))
    n = max(1, len(tifs))
    return {
        "db": db, "images": len(tifs),
        "recall": round(paired / max(1, n_refs), 4),
        "precision": round(paired / max(1, n_ours), 4),
        "recall_position_only": round(paired_pos / max(1, n_refs), 4),
        "precision_position_only": round(paired_pos / max(1, n_ours), 4),
        "type_agreement": round(type_ok / max(1, paired), 4),
        "ours_per_image": round(n_ours / n, 1), "reference_per_image": round(n_refs / n, 1),
        "seconds_per_image": round(secs / n, 3),
    }


def stability_files(tifs, shift=(5, 3), rotate=6.0, dist=12.0, angle=30.0, runner="auto"):
    """Repeatability of the extractor under a new placement of the same finger: each image is
    shifted by `shift` source pixels and rotated by `rotate` degrees (about its centre), both
    versions go through the simulated sensor, and the second set of minutiae, mapped back
    into the first image's sensor frame, is paired with the first. Returns the mean share of
    minutiae paired (of the smaller set) -- what the key derivation relies on."""
    import numpy as np
    from PIL import Image

    try:
        from bioshard.sim import fingerimage as fi
    except ImportError:
        return None
    imgs, frames = [], []
    for t in tifs:
        a = fi.load_gray(t)
        h, w = a.shape
        im = Image.fromarray(a)
        # content moves by +shift and turns by +rotate degrees (counter-clockwise on screen)
        b = np.asarray(im.rotate(rotate, resample=Image.BILINEAR, translate=shift, fillcolor=255))
        o1 = fi.window_origin(a.shape, fi.foreground_center(a))
        o2 = fi.window_origin(b.shape, fi.foreground_center(b))
        imgs += [fi.to_sensor_image(a), fi.to_sensor_image(b)]
        frames.append((o1, o2, w, h))
    found = extract_batch(imgs, runner=runner)
    rates = []
    th = math.radians(rotate)
    for i, ((oy1, ox1), (oy2, ox2), w, h) in enumerate(frames):
        m1, m2 = found[2 * i], found[2 * i + 1]
        back = []
        cx, cy = w / 2.0, h / 2.0
        for x, y, a_, k, q in m2:
            # source coordinates in the moved image -> undo translate, then undo rotation
            sx, sy = x + ox2 - shift[0] - cx, y + oy2 - shift[1] - cy
            rx = sx * math.cos(th) - sy * math.sin(th)
            ry = sx * math.sin(th) + sy * math.cos(th)
            back.append((rx + cx - ox1, ry + cy - oy1, (a_ - int(round(rotate * 256 / 360))) % 256, k, q))
        n = min(len(m1), len(back))
        if n:
            rates.append(len(pair(m1, back, dist, angle)) / n)
    return round(sum(rates) / max(1, len(rates)), 4)


_BENCH_SCRIPT = r"""
import sys, time, gc
sys.path.insert(0, sys.argv[1])
from bioshard_card.bio import extract as E
buf = bytearray(E.PACKED_LEN)
best = []
with open(sys.argv[2], "rb") as f:
    while f.readinto(buf) == E.PACKED_LEN:
        gc.collect()
        t = time.ticks_us()
        E.extract_minutiae(buf)
        best.append(time.ticks_diff(time.ticks_us(), t))
best.sort()
print("%d %d %d" % (len(best), best[len(best) // 2] if best else 0, best[-1] if best else 0))
"""
# ESP32 (240 MHz Xtensa LX6, buffers in PSRAM) vs the unix port on an x86-64 host: ~20x for
# the viper kernels, ~40x for interpreted Python; the extractor's time is about half each,
# so ~30x overall (docs/extraction.md explains the factors).
ESP32_FACTOR = 30


def _child_cpu(cmd):
    # CPU seconds (user + system) used by one child process: unlike wall time, this does not
    # grow when other jobs share the machine's cores
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out


def bench(tifs, exe=None):
    """Time extract_minutiae under the micropython unix port (viper kernels, as on the card).
    Returns (images, CPU ms per image, median wall ms, worst wall ms); the CPU figure is the
    process's CPU time minus that of the same run with no image (start-up and imports)."""
    import os
    import tempfile

    from bioshard.bio.extract_batch import _FIRMWARE, micropython_exe

    exe = exe or micropython_exe()
    if not exe:
        raise SystemExit("the micropython unix port is needed for --bench")
    paths = []
    try:
        for imgs in ([], tifs):
            fd, path = tempfile.mkstemp(suffix=".raw")
            paths.append(path)
            with os.fdopen(fd, "wb") as f:
                for t in imgs:
                    f.write(sensor_image(t)[0])
        cpu0, _ = _child_cpu([exe, "-X", "heapsize=2m", "-c", _BENCH_SCRIPT, _FIRMWARE, paths[0]])
        cpu1, out = _child_cpu([exe, "-X", "heapsize=2m", "-c", _BENCH_SCRIPT, _FIRMWARE, paths[1]])
    finally:
        for p in paths:
            os.unlink(p)
    n, med, worst = (int(v) for v in out.split())
    return n, (cpu1 - cpu0) * 1000.0 / max(1, n), med / 1000.0, worst / 1000.0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", default=str(REPO.parent / "shared" / "fingerprints" / "fvc2004"))
    ap.add_argument("--dist", type=float, default=12.0, help="pairing distance, pixels (12)")
    ap.add_argument("--angle", type=float, default=30.0, help="pairing angle, degrees (30)")
    ap.add_argument("--limit", type=int, default=0, help="images per DB (0 = all)")
    ap.add_argument("--runner", default="auto", choices=("auto", "micropython", "cpython"))
    ap.add_argument("--no-repeat", action="store_true",
                    help="skip the repeatability run (shifted + rotated copy of every image)")
    ap.add_argument("--bench", action="store_true",
                    help="only time the extractor under the micropython unix port (every 8th image)")
    ap.add_argument("--json", action="store_true", help="print JSON only")
    args = ap.parse_args(argv)
    root = Path(args.root)
    dbs = sorted(p for p in root.glob("DB*_B") if p.is_dir())
    if not dbs:
        print("no DB*_B folders under %s" % root, file=sys.stderr)
        return 2
    if args.bench:
        tifs = [t for d in dbs for t in sorted(d.glob("*.tif"))[::8]]
        n, cpu, med, worst = bench(tifs)
        print("extract_minutiae under the micropython unix port (viper), %d images: %.1f ms CPU "
              "an image (wall: median %.1f ms, worst %.1f ms); ESP32 estimate x%d: %.2f s"
              % (n, cpu, med, worst, ESP32_FACTOR, cpu * ESP32_FACTOR / 1000))
        return 0
    rows = [evaluate_db(d, args.dist, args.angle, args.limit, args.runner, not args.no_repeat)
            for d in dbs]
    report = {"dist_px": args.dist, "angle_deg": args.angle, "per_db": rows}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print("pairing within %g px and %g deg (reference: ISO 19794-2 records)" % (args.dist, args.angle))
    print("| DB | images | recall | precision | recall (pos.) | precision (pos.) | type agree "
          "| ours/img | ref/img | repeatability |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rep = r.get("repeatability")
        print("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f | %s |" % (
            r["db"], r["images"], r["recall"], r["precision"], r["recall_position_only"],
            r["precision_position_only"], r["type_agreement"], r["ours_per_image"],
            r["reference_per_image"], "-" if rep is None else "%.3f" % rep))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
