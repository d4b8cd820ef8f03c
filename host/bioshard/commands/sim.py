"""`bioshard sim`: boot the real firmware on the simulated card and keep it running."""
import time
from pathlib import Path

DEFAULT_STATE = Path.home() / ".bioshard" / "sim"


def register(sub):
    p = sub.add_parser("sim", help="run the card firmware on the simulated card (MicroPython unix port)")
    p.add_argument("--state", default=str(DEFAULT_STATE), help="folder that keeps the card's flash between runs")
    p.add_argument("--screens", default=None, help="folder for a PNG of every panel refresh")
    p.add_argument("--heapsize", default="2m", help="card heap (ESP32-WROOM ≈ 100k, WROVER with PSRAM 2m)")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0 = until Ctrl-C)")
    p.set_defaults(func=run)


def run(args):
    from ..sim.runner import SimCard

    screens = args.screens or str(Path(args.state) / "screens")
    card = SimCard(state_dir=args.state, screens_dir=screens, heapsize=args.heapsize)
    with card:
        print("simulated card running; BLE socket: %s (also %s/ble.sock)" % (card.ble_path, args.state))
        print("screens: %s   card log: %s" % (screens, card.log_file))
        print("in another terminal: bioshard pair   (Ctrl-C here stops the card)")
        t0 = time.monotonic()
        while card.alive() and (not args.seconds or time.monotonic() - t0 < args.seconds):
            time.sleep(0.2)
        if not card.alive():
            print(card.card_log()[-2000:])
            return 1
    return 0
