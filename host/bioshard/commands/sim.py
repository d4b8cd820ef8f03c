"""`bioshard sim`: boot the real firmware on the simulated card and keep it running.

Type what the owner does at the card, one action per line (from the terminal, or piped in:
`printf 't\\n' | bioshard sim`):
  t | touch            touch the sensor: confirms (or turns the page of) the screen the card
                       shows NOW; a touch typed before the screen that asks for it is dropped
  f N [I] | finger N I present synthetic finger N, impression I (default: the next one)
  image PATH           present a fingerprint image file (any format PIL reads)
  b | button           press the card's button (reject)
  o N [N ...] | owner  let an owner answer the card's screens: touch through review pages and
                       present the finger each prompt asks for (fingers N..., in sequence
                       order; again after "try again"); `o` alone stops it
  s | screen           where the current screen is (PNG)
  q | quit             stop the card
Finger numbers: N is a synthetic fingerprint, the same print every time for the same N (a
different impression per press). It is not the finger name of `bioshard enroll --fingers`:
use one number per enrolled finger, in the order of the sequence (e.g. `f 1` for the first
finger, `f 2` for the second) for the enrollment presses and every later signature; any other
number is a stranger's finger; 9 is the finger `t` touches with (nobody enrolls it).
Each action waits until the card next looks at its sensor, as a person would.
The console names every screen the card shows, e.g. `card shows: sign_finger(1, 2, 'right
index', 'Sign')` (the screen function of firmware/bioshard_card/ui and its arguments): which
finger the card asks for, which page of a signing request it is on.
The card stops with the simulator: on quit, Ctrl-C, SIGTERM or SIGHUP (and even on SIGKILL,
on Linux).
"""
import argparse
import signal
import sys
import threading
import time
from pathlib import Path

DEFAULT_STATE = Path.home() / ".bioshard" / "sim"
TOUCH_FINGER = 9  # a synthetic print nobody enrolls: a touch is not a capture
STOP_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")


def register(sub):
    p = sub.add_parser("sim", help="run the card firmware on the simulated card (MicroPython unix port)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--state", default=str(DEFAULT_STATE), help="folder that keeps the card's flash between runs")
    p.add_argument("--screens", default=None, help="folder for a PNG of every panel refresh")
    p.add_argument("--heapsize", default="2m", help="card heap (ESP32-WROOM ≈ 100k, WROVER with PSRAM 2m)")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0 = until Ctrl-C or 'quit')")
    p.set_defaults(func=run)


class Console:
    """Turns typed lines into the owner's actions on the simulated card."""

    def __init__(self, card, out=print, screens=False):
        """screens: also say which screen the card shows, whenever it shows another."""
        self.card = card
        self.out = out
        self.impressions = {}
        self.stop = False
        person = getattr(card, "person", None)
        if person is not None:
            person.on_drop = lambda: self.out("touch dropped: it was typed before the screen now shown (type t again)")
        if screens:
            card.screen_callbacks.append(lambda screen: self.out("card shows: " + describe(screen)))

    def handle(self, line):
        from ..sim import synthetic

        words = line.split()
        if not words:
            return
        cmd, args = words[0].lower(), words[1:]
        if cmd in ("t", "touch"):
            self.card.queue_touch(synthetic.impression(TOUCH_FINGER, 0))
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
        elif cmd in ("o", "owner") and all(a.isdigit() for a in args):
            fingers = [int(a) for a in args]
            self.card.owner(fingers or None, {f: self.impressions.get(f, 0) for f in fingers})
            self.out("owner answers the card's screens with fingers %s" % " ".join(args) if fingers else "owner stopped")
        elif cmd in ("s", "screen"):
            self.out(str(Path(self.card.screens_dir) / "latest.png"))
        elif cmd in ("q", "quit", "exit"):
            self.stop = True
        else:
            self.out("unknown action %r: t, f N [I], image PATH, b, o N..., s, q (see bioshard sim --help)"
                     % line.strip())

    def read_stdin(self, stream=None):
        """Actions from the terminal or a pipe, until quit or the end of the input (after a
        pipe ends the card keeps running: --seconds, quit or a signal stops it)."""
        for line in stream or sys.stdin:
            self.handle(line)
            if self.stop:
                return


def describe(screen):
    """[name, arg, ...] as the card reports a screen -> "name(arg, ...)"."""
    return "%s(%s)" % (screen[0], ", ".join(repr(a) for a in screen[1:]))


class _Stop(BaseException):
    """Raised in the main thread by a stop signal, so `with card:` stops the card."""


def _stop_on_signals():
    """Every stop signal ends the simulator the same way: the card process and the socket
    servers are stopped and the published socket links removed (SimCard.stop). Returns a
    function restoring the previous handlers."""
    def handler(signum, frame):
        for name in STOP_SIGNALS:  # a second signal during the shutdown is not a traceback
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        raise _Stop(signum)

    saved = {}
    for name in STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None:
            saved[sig] = signal.signal(sig, handler)
    return lambda: [signal.signal(sig, h) for sig, h in saved.items()]


def run(args):
    from ..sim.runner import SimCard

    screens = args.screens or str(Path(args.state) / "screens")
    card = SimCard(state_dir=args.state, screens_dir=screens, heapsize=args.heapsize)
    in_main = threading.current_thread() is threading.main_thread()
    restore = _stop_on_signals() if in_main else (lambda: None)
    try:
        with card:
            print("simulated card running; BLE socket: %s (also %s/ble.sock)" % (card.ble_path, args.state))
            print("screens: %s   card log: %s" % (screens, card.log_file))
            print("in another terminal: bioshard pair   (actions here: t, f N [I], image PATH, b, o N..., s, q; "
                  "bioshard sim --help)", flush=True)
            console = Console(card, out=lambda text: print(text, flush=True), screens=True)
            if sys.stdin is not None and not sys.stdin.closed:
                threading.Thread(target=console.read_stdin, daemon=True).start()
            t0 = time.monotonic()
            while card.alive() and not console.stop and (not args.seconds or time.monotonic() - t0 < args.seconds):
                time.sleep(0.2)
            if not card.alive():
                print(card.card_log()[-2000:])
                return 1
    except _Stop as e:
        print("simulated card stopped (signal %d)" % e.args[0], file=sys.stderr)
        return 128 + e.args[0]
    finally:
        restore()
    return 0
