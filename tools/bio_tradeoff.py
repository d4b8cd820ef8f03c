"""Draw the fingerprint-key trade-off (FNMR vs FMR vs bits over the BCH capacity t) as a PNG.

    bioshard bio eval ../shared/fingerprints/fvc2004/DB*_B --out out/eval.json
    python tools/bio_tradeoff.py out/eval.json docs/bio-tradeoff.png

Three panels share the x axis t (bit errors the BCH(255, k, t) code corrects): single-finger
FNMR per database, single-finger FMR per database (log scale; "0 observed" is drawn at the
floor), and key bits k with the estimated security bits. In the first two panels the dashed
grey line is all databases within 3 presses of the finger, decoded as the card does (each press
alone, then the running mean). Pillow only, no plotting library.
"""
import json
import math
import sys

from PIL import Image, ImageDraw, ImageFont

COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (0, 0, 0)]
PW, PH = 360, 280          # one panel's plot area
ML, MT, MB, GAP = 62, 66, 58, 40


def _font(size):
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            pass
    return ImageFont.load_default()


class Panel:
    def __init__(self, draw, x0, y0, xr, yr, title, ylabel, log=False, xlabel="t = bit errors corrected (of 255)",
                 xstep=5):
        self.d, self.x0, self.y0, self.xr, self.yr, self.log = draw, x0, y0, xr, yr, log
        f = _font(13)
        draw.rectangle([x0, y0, x0 + PW, y0 + PH], outline=(0, 0, 0))
        draw.text((x0, y0 - 30), title, fill=(0, 0, 0), font=_font(15))
        draw.text((x0 - ML + 4, y0 + PH // 2 - 60), "\n".join(ylabel), fill=(0, 0, 0), font=f)
        draw.text((x0 + PW // 2 - 90, y0 + PH + 30), xlabel, fill=(0, 0, 0), font=f)
        for t in range(int(xr[0]), int(xr[1]) + 1, xstep):
            x = self.px(t)
            draw.line([x, y0 + PH, x, y0 + PH + 4], fill=(0, 0, 0))
            draw.text((x - 8, y0 + PH + 8), str(t), fill=(0, 0, 0), font=f)
        ticks = ([10.0 ** e for e in range(int(math.log10(yr[0])), int(math.log10(yr[1])) + 1)]
                 if log else [yr[0] + i * (yr[1] - yr[0]) / 5 for i in range(6)])
        for v in ticks:
            y = self.py(v)
            draw.line([x0 - 4, y, x0 + PW, y], fill=(225, 225, 225))
            label = ("1e%d" % round(math.log10(v))) if log else ("%g" % round(v, 2))
            draw.text((x0 - 40, y - 7), label, fill=(0, 0, 0), font=f)

    def px(self, t):
        return self.x0 + (t - self.xr[0]) / (self.xr[1] - self.xr[0]) * PW

    def py(self, v):
        lo, hi = self.yr
        if self.log:
            v = max(v, lo)
            f = (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        else:
            f = (v - lo) / (hi - lo)
        return self.y0 + PH - f * PH

    def line(self, pts, color, dash=False, width=2):
        xy = [(self.px(t), self.py(v)) for t, v in pts if v is not None]
        for i in range(len(xy) - 1):
            if dash and i % 2:
                continue
            self.d.line([xy[i], xy[i + 1]], fill=color, width=width)
        for x, y in xy:
            self.d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=color)


def draw_finger_vault(report, out_path):
    """The finger vault's trade-off over K (enrolled elements a frame needs): FNMR within 2
    presses per database, overall FNMR (first press / within 2 / within 3), and the offline
    false-accept bits per finger, with the issue's targets drawn in."""
    sweep = report["sweep_k"]
    ks = [p["k"] for p in sweep]
    xr = (min(ks) - 1, max(ks) + 1)
    W = ML + 3 * (PW + ML) + GAP
    H = MT + PH + MB + 90
    img = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(img)
    xl = "K = enrolled elements a frame must hold"
    p1 = Panel(d, ML, MT, xr, (0, 1), "FNMR within 2 presses, per database", "FNMR", xlabel=xl, xstep=1)
    p2 = Panel(d, 2 * ML + PW, MT, xr, (0, 1), "all databases: FNMR", "FNMR", xlabel=xl, xstep=1)
    top = max(p["offline_bits_per_finger"] or 0 for p in sweep)
    p3 = Panel(d, 3 * ML + 2 * PW, MT, xr, (0, max(24, 4 * math.ceil(top / 4))), "offline false-accept bits / finger",
               "bits", xlabel=xl, xstep=1)
    names = [db["name"] for db in sweep[0].get("dbs", [])]
    for i, name in enumerate(names):
        c = COLORS[i % len(COLORS)]
        p1.line([(p["k"], p["dbs"][i]["fnmr_within_2"]) for p in sweep], c)
    for label, key, c in (("first press", "fnmr_first_press", (214, 39, 40)),
                          ("within 2", "fnmr_within_2", (0, 0, 0)), ("within 3", "fnmr_within_3", (110, 110, 110))):
        p2.line([(p["k"], p[key]) for p in sweep], c, width=3)
    for i, name in enumerate(names):
        p3.line([(p["k"], p["dbs"][i]["offline_bits_per_finger"]) for p in sweep], COLORS[i % len(COLORS)])
    p3.line([(p["k"], p["offline_bits_per_finger"]) for p in sweep], (150, 150, 150), dash=True, width=4)
    # targets: FNMR within 2 <= 5 %, first press <= 15 %, >= 20 bits per finger
    for pan, v in ((p1, 0.05), (p2, 0.05), (p2, 0.15), (p3, 20)):
        y = pan.py(v)
        d.line([pan.x0, y, pan.x0 + PW, y], fill=(0, 160, 0), width=1)
    k0 = report["parameters"]["K"]
    for pan in (p1, p2, p3):
        x = pan.px(k0)
        d.line([x, pan.y0, x, pan.y0 + PH], fill=(0, 160, 0), width=1)
    f = _font(13)
    y = MT + PH + 54
    x = ML
    for i, name in enumerate(names):
        d.rectangle([x, y + 3, x + 14, y + 13], fill=COLORS[i % len(COLORS)])
        d.text((x + 18, y), name, fill=(0, 0, 0), font=f)
        x += 150
    d.text((ML, y + 18), "middle: red = first press, black = within 2, grey = within 3 (card fuses presses); right: "
           "grey dashed = all DBs (a lower bound where none seen); green = targets and the shipped K = %d" % k0,
           fill=(0, 0, 0), font=f)
    d.text((ML, 6), "bioshard finger vault (%s): one parameter set for every database" % report["scheme"],
           fill=(0, 0, 0), font=_font(14))
    img.save(out_path)


def draw(report, out_path):
    if "sweep_k" in report:
        return draw_finger_vault(report, out_path)
    series = [(db["name"], db["sweep"]) for db in report["dbs"]]
    series.append(("all DBs", report["overall"]["sweep"]))
    ts = [p["t"] for p in series[-1][1]]
    xr = (min(ts) - 2, max(ts) + 2)
    n_imp = max(report["overall"]["single"]["impostor_trials"], 1)
    floor = 10 ** math.floor(math.log10(0.5 / n_imp))
    W = ML + 3 * (PW + ML) + GAP
    H = MT + PH + MB + 90
    img = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(img)
    p1 = Panel(d, ML, MT, xr, (0, 1), "single finger FNMR", "FNMR")
    p2 = Panel(d, 2 * ML + PW, MT, xr, (floor, 1), "single finger FMR (floor = 0 seen)", "FMR", log=True)
    top = max(p["key_bits"] for p in series[-1][1])
    p3 = Panel(d, 3 * ML + 2 * PW, MT, xr, (0, 10 * math.ceil(top / 10)), "bits (all DBs)", "bits")
    for i, (name, sw) in enumerate(series):
        c = COLORS[i % len(COLORS)]
        p1.line([(p["t"], p["fnmr"]) for p in sw], c, width=3 if name == "all DBs" else 2)
        p2.line([(p["t"], p["fmr"] or floor) for p in sw], c, width=3 if name == "all DBs" else 2)
    sw = series[-1][1]
    if sw and sw[0].get("fnmr_presses") is not None:
        grey = (110, 110, 110)
        p1.line([(p["t"], p["fnmr_presses"]) for p in sw], grey, dash=True, width=3)
        p2.line([(p["t"], p["fmr_presses"] or floor) for p in sw], grey, dash=True, width=3)
    p3.line([(p["t"], p["key_bits"]) for p in sw], (0, 0, 0))
    p3.line([(p["t"], p["security_bits"]) for p in sw], (214, 39, 40))
    p3.line([(p["t"], p["security_bits2"]) for p in sw], (255, 127, 14), dash=True)
    f = _font(13)
    y = MT + PH + 54
    x = ML
    for i, (name, _) in enumerate(series):
        c = COLORS[i % len(COLORS)]
        d.rectangle([x, y + 3, x + 14, y + 13], fill=c)
        d.text((x + 18, y), name, fill=(0, 0, 0), font=f)
        x += 110
    d.text((ML, y + 18), "grey dashed = all DBs within 3 presses of the finger (card fuses the presses)",
           fill=(0, 0, 0), font=f)
    d.text((x + 20, y), "bits panel: black = key bits k, red = security bits (1 finger), "
           "orange dashed = 2-finger sequence", fill=(0, 0, 0), font=f)
    d.text((ML, 6), "bioshard fingerprint key: minutiae=%s, prior=%s, enroll %d impressions, chosen t=%d"
           % (report["minutiae"], report["prior"], report["protocol"]["enroll_impressions"],
              report["params"]["t"]), fill=(0, 0, 0), font=_font(14))
    img.save(out_path)


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    with open(argv[1]) as f:
        draw(json.load(f), argv[2])
    print("wrote", argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
