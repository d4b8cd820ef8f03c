"""`bioshard sim`: boot the real firmware on the simulated card and keep it running.

While it runs, type what the owner does at the card (one action per line):
  t | touch            touch the sensor (confirm / next page)
  f N [I] | finger N I present synthetic finger N, impression I (default: next impression)
  image PATH           present a fingerprint image file (any format PIL reads)
  b | button           press the card's button (reject)
  s | screen           where the current screen is (PNG)
  q | quit             stop the card
Each action waits until the card next looks at its sensor, as a person would.
"""
import sys
import threading
import time
from pathlib import Path

DEFAULT_STATE = Path.home() / ".bioshard" / "sim"
TOUCH_FINGER = 9  # a synthetic print nobody enrolls: a touch is not a capture


def register(sub):
    p = sub.add_parser("sim", help="run the card firmware on the simulated card (MicroPython unix port)")
    p.add_argument("--state", default=str(DEFAULT_STATE), help="folder that keeps the card's flash between runs")
    p.add_argument("--screens", default=None, help="folder for a PNG of every panel refresh")
    p.add_argument("--heapsize", default="2m", help="card heap (ESP32-WROOM ≈ 100k, WROVER with PSRAM 2m)")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0 = until Ctrl-C or 'quit')")
    p.set_defaults(func=run)


class Console:
    """Turns typed lines into the owner's actions on the simulated card."""

    def __init__(self, card, out=print):
        self.card = card
        self.out = out
        self.impressions = {}
        self.stop = False

    def handle(self, line):
        from ..sim import synthetic

        words = line.split()
        if not words:
            return
        cmd, args = words[0].lower(), words[1:]
        if cmd in ("t", "touch"):
            self.card.queue(("finger", synthetic.impression(TOUCH_FINGER, 0)))
            self.out("touch queued")
        elif cmd in ("f", "finger") and args and args[0].isdigit():
            n = int(args[0])
            i = int(args[1]) if len(args) > 1 and args[1].isdigit() else self.impressions.get(n, 0)
            self.impressions[n] = i + 1
            self.card.queue(("finger", synthetic.impression(n, i)))
            self.out("finger %d (impression %d) queued" % (n, i))
        elif cmd == "image" and args:
            path = " ".join(args)
            if not Path(path).is_file():
                self.out("no such image: %s" % path)
                return
            from ..sim.fingerimage import to_sensor_image

            self.card.queue(("finger", to_sensor_image(path)))
            self.out("image queued: %s" % path)
        elif cmd in ("b", "button"):
            self.card.queue(("button", None))
            self.out("button press queued")
        elif cmd in ("s", "screen"):
            self.out(str(Path(self.card.screens_dir) / "latest.png"))
        elif cmd in ("q", "quit", "exit"):
            self.stop = True
        else:
            self.out("unknown action %r: t, f N [I], image PATH, b, s, q" % line.strip())

    def read_stdin(self):
        for line in sys.stdin:
            self.handle(line)
            if self.stop:
                return


def run(args):
    from ..sim.runner import SimCard

    screens = args.screens or str(Path(args.state) / "screens")
    card = SimCard(state_dir=args.state, screens_dir=screens, heapsize=args.heapsize)
    with card:
        print("simulated card running; BLE socket: %s (also %s/ble.sock)" % (card.ble_path, args.state))
        print("screens: %s   card log: %s" % (screens, card.log_file))
        print("in another terminal: bioshard pair   (actions here: t, f N [I], image PATH, b, s, q)")
        console = Console(card)
        if sys.stdin and sys.stdin.isatty():
            threading.Thread(target=console.read_stdin, daemon=True).start()
        t0 = time.monotonic()
        while card.alive() and not console.stop and (not args.seconds or time.monotonic() - t0 < args.seconds):
            time.sleep(0.2)
        if not card.alive():
            print(card.card_log()[-2000:])
            return 1
    return 0
