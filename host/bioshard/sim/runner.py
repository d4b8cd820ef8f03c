"""Run the real card firmware under the MicroPython unix port with simulated peripherals.

The CPython side serves the sensor (ZFM bytes), panel (SSD1680 SPI records) and GPIO sockets
(button levels in, the screen the card shows out) in a short temporary directory; the card
process connects to them through boards/sim.py and listens on ble.sock for the host, as an
advertising peripheral would. Wire formats: docs/architecture.md.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..errors import NoCardError
from .unix_server import UnixServer

REPO = Path(__file__).resolve().parents[3]
FIRMWARE = REPO / "firmware"
BOARDS = REPO / "boards"


def micropython_exe():
    exe = shutil.which("micropython", path=str(Path(sys.executable).parent)) or shutil.which("micropython")
    if not exe:
        raise NoCardError("the `micropython` unix port is not installed (run `make setup`)")
    return exe


def _die_with_parent():
    """A preexec_fn asking Linux to SIGKILL the card process when this process dies however
    it dies (even SIGKILL, which no handler sees), so no card is left running without the
    simulator that feeds its sensor, panel and button. None elsewhere: `stop` and the signal
    handlers of `bioshard sim` remain."""
    # PDEATHSIG follows the forking *thread*: only the main thread lives as long as we do.
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved now: the child only calls it
    except (OSError, AttributeError):
        return None
    PR_SET_PDEATHSIG = 1

    def preexec():
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)

    return preexec


class _Person:
    """A cooperative owner: whenever the card looks at the sensor (GetImage) the next queued
    action happens — a finger is laid on the glass (imaged, then lifted, so the card's next
    look sees the lift) or the button is pressed. With the queue empty, an Owner (if one is
    set, SimCard.owner) answers from the screen the card shows. Everything it does reaches the
    card only as ZFM bytes and GPIO levels."""

    def __init__(self, card):
        self.card = card
        self.queue = []
        self.owner = None
        self.lock = threading.Lock()
        self.just_imaged = False
        self.done = threading.Condition(self.lock)
        self.events = []  # what happened, for narration and tests
        self.on_drop = None  # called when a touch for an earlier screen is dropped

    def get_image(self, sensor):
        with self.lock:
            if self.just_imaged:  # the finger was lifted right after it was imaged
                self.just_imaged = False
                sensor.lift_finger()
                return
            kind, arg = self._next_action() if self.queue else (None, None)
            if kind is None and self.owner is not None:
                kind, arg = self.owner.answer(self.card.screen())
            if kind is None:
                sensor.lift_finger()
                return
            self.events.append(kind)
            if not self.queue:
                self.done.notify_all()
            if kind == "button":
                threading.Thread(target=self.card.press_button, daemon=True).start()
                sensor.lift_finger()
                return
            sensor.place_finger(arg)
            self.just_imaged = True

    def _next_action(self):
        """The next queued action, skipping touches meant for a screen that is gone: a touch
        queued with the panel's frame count confirms only the screen shown then, so a touch
        typed before the screen that asks for it does not confirm it. The card sends a
        screen before it looks at its sensor, so once the panel simulator has processed all
        it was sent, its frame count is the screen the card is asking on."""
        while self.queue:
            item = self.queue.pop(0)
            if len(item) == 3:
                self.card.panel_settled()
            if len(item) == 3 and item[2] != self.card.panel.frames:
                self.events.append("dropped")
                if self.on_drop:
                    self.on_drop()
                continue
            return item[0], item[1]
        self.done.notify_all()
        return None, None

    def wait_idle(self, timeout):
        with self.lock:
            return self.done.wait_for(lambda: not self.queue, timeout)


class SimCard:
    """One simulated card: `with SimCard() as card: card.transport() ...`.

    state_dir keeps the card's flash between runs (a persistent `flash/` folder), so a
    re-started simulator is the same card; screens_dir receives a PNG per panel refresh.
    """

    def __init__(self, state_dir=None, screens_dir=None, heapsize="2m", finger_source=None, log=None):
        self.heapsize = heapsize
        # Absolute: the card process runs in its own directory.
        self.state_dir = Path(state_dir).resolve() if state_dir else None
        self.screens_dir = Path(screens_dir).resolve() if screens_dir else None
        self.finger_source = finger_source
        self.log_path = log
        self._tmp = None
        self._servers = []
        self._proc = None
        self._gpio_conn = None
        self._gpio_ready = threading.Event()
        self._gpio_lock = threading.Lock()  # one reader of gpio.sock at a time
        self._gpio_buf = b""
        self._screen = None  # [name, arg, ...] of the screen the card shows (gpio.sock "V")
        self.screen_callbacks = []  # fn(screen) per screen the card reports
        self._panel_feeding = False
        self.sensor = None
        self.panel = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout=30.0):
        from .panel import SSD1680Sim
        from .sensor import ZFMSensorSim

        # Unix socket paths are limited to ~108 bytes: keep the live directory short.
        self._tmp = tempfile.mkdtemp(prefix="bs-")
        sim_dir = Path(self._tmp)
        flash = (self.state_dir / "flash") if self.state_dir else sim_dir / "flash"
        flash.mkdir(parents=True, exist_ok=True)
        screens = self.screens_dir or (sim_dir / "screens")
        screens.mkdir(parents=True, exist_ok=True)
        self.screens_dir = screens

        self.sensor = ZFMSensorSim()
        self.person = _Person(self)
        self.sensor.before_capture = lambda: self.person.get_image(self.sensor)
        self.panel = SSD1680Sim(out_dir=str(screens))
        feed = self.panel.feed

        def tracked_feed(data):  # so panel_settled can tell "processing" from "idle"
            self._panel_feeding = True
            try:
                feed(data)
            finally:
                self._panel_feeding = False

        self.panel.feed = tracked_feed
        self._servers = [
            UnixServer(str(sim_dir / "sensor.sock"), self.sensor.serve_socket),
            UnixServer(str(sim_dir / "panel.sock"), self.panel.serve_socket),
            UnixServer(str(sim_dir / "gpio.sock"), self._serve_gpio),
        ]
        for s in self._servers:
            s.start()

        root = sim_dir / "root"  # what the card's filesystem root would hold besides lib/
        root.mkdir()
        shutil.copy(BOARDS / "sim.py", root / "board.py")
        shutil.copy(BOARDS / "sim_bus.py", root / "sim_bus.py")
        env = dict(os.environ)
        env.update({
            "BIOSHARD_SIM_DIR": str(sim_dir),
            "BIOSHARD_FLASH_DIR": str(flash),
            "MICROPYPATH": "%s:%s:.frozen" % (root, FIRMWARE),
        })
        log = open(self.log_path or (sim_dir / "card.log"), "ab")
        self._proc = subprocess.Popen(
            [micropython_exe(), "-X", "heapsize=" + self.heapsize, str(FIRMWARE / "main.py")],
            cwd=str(root), env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent(),
        )
        log.close()
        ble = sim_dir / "ble.sock"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise NoCardError("simulated card exited during boot (code %s); log:\n%s"
                                  % (self._proc.returncode, self.card_log()[-3000:]))
            if ble.exists():
                self._publish(ble)
                return self
            time.sleep(0.05)
        self.stop()
        raise NoCardError("simulated card did not start advertising within %.0fs" % timeout)

    def _publish(self, ble):
        """Link <state>/ble.sock (and its .name) to the live socket: with the default state
        folder (~/.bioshard/sim) that is where `--card sim` looks, so `bioshard sim` in one
        terminal and `bioshard pair` in another find each other."""
        self._links = []
        if not self.state_dir:
            return
        for suffix in ("", ".name"):
            link = self.state_dir / ("ble.sock" + suffix)
            if link.is_symlink() or link.exists():
                link.unlink()
            os.symlink(str(ble) + suffix, link)
            self._links.append(link)

    def stop(self):
        for link in getattr(self, "_links", ()):
            try:
                link.unlink()
            except OSError:
                pass
        self._links = []
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for s in self._servers:
            s.close()
        self._servers = []
        if self._tmp:
            self._saved_log = self.card_log()
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:  # a signal or an error during boot still stops what started
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    # -- what a person does to the card -----------------------------------------------------
    @property
    def log_file(self):
        return str(self.log_path or (Path(self._tmp) / "card.log"))

    @property
    def ble_path(self):
        return str(Path(self._tmp) / "ble.sock")

    def transport(self, mtu=247):
        from ..transport.sim import SimTransport

        return SimTransport(self.ble_path, mtu=mtu)

    def _serve_gpio(self, conn):
        import select

        self._gpio_conn = conn
        self._gpio_ready.set()
        while True:  # the card writes only screen records here; read them until it closes
            select.select([conn], [], [], 0.5)
            if not self._read_gpio(conn):
                return

    def _read_gpio(self, conn):
        """Read what the card sent on gpio.sock so far (never blocks) and parse its screen
        records: b"V" + u16 BE len + JSON [name, arg, ...]. False once the card closed it."""
        import json
        import socket

        shown = []
        with self._gpio_lock:
            open_ = True
            while True:
                try:
                    chunk = conn.recv(65536, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                except OSError:
                    open_ = False
                    break
                if not chunk:
                    open_ = False
                    break
                self._gpio_buf += chunk
            b = self._gpio_buf
            while len(b) >= 3 and b[:1] == b"V" and len(b) >= 3 + int.from_bytes(b[1:3], "big"):
                n = int.from_bytes(b[1:3], "big")
                try:
                    self._screen = json.loads(b[3:3 + n].decode())
                    shown.append(self._screen)
                except ValueError:
                    self._screen = None
                b = b[3 + n:]
            if b[:1] not in (b"", b"V"):
                b = b""  # not a record this simulator knows: drop it rather than stall
            self._gpio_buf = b
        for screen in shown:
            for fn in self.screen_callbacks:
                fn(screen)
        return open_

    def screen(self):
        """The screen the card shows now, as [screen function name, arg, ...] (None before
        the first). The card reports a screen before it refreshes the panel, so every screen
        reported before it last looked at its sensor is read here."""
        conn = self._gpio_conn
        if conn is not None:
            self._read_gpio(conn)
        with self._gpio_lock:
            return self._screen

    def owner(self, fingers=None, first=0, tap_finger=None, review=True):
        """Let an owner answer from the screen whenever the queue is empty (see
        bioshard.sim.owner): fingers = the synthetic finger numbers of the sequence, in
        order. Returns the Owner (a context manager that removes it again); owner(None)
        removes the owner."""
        from .owner import TAP_FINGER, Owner

        o = None
        if fingers is not None:
            o = Owner(fingers, first, TAP_FINGER if tap_finger is None else tap_finger, review, card=self)
        with self.person.lock:
            self.person.owner = o
        return o

    def set_input(self, name, level):
        if not self._gpio_ready.wait(10):
            raise NoCardError("simulated card never opened its GPIO bus")
        raw = name.encode()
        self._gpio_conn.sendall(b"G" + bytes((len(raw),)) + raw + bytes((level,)))

    def press_button(self, hold_s=0.3):
        self.set_input("btn", 0)
        time.sleep(hold_s)
        self.set_input("btn", 1)

    def queue(self, *actions):
        """Queue what the owner does next, in order: ("finger", image) or ("button", None).
        The card consumes them as it polls its sensor, before an owner() answers anything;
        see _Person."""
        with self.person.lock:
            self.person.queue.extend(actions)

    def queue_touch(self, image):
        """A touch for the screen shown now (the console's `t`): dropped if the card shows
        another screen before it looks at its sensor."""
        self.panel_settled()
        with self.person.lock:
            self.person.queue.append(("finger", image, self.panel.frames))

    def panel_settled(self, limit=2.0):
        """Wait (at most `limit` s) until the panel simulator has processed every byte the
        card sent it: no unread bytes on panel.sock and no feed in progress, seen twice."""
        end = time.monotonic() + limit
        calm = 0
        while calm < 2 and time.monotonic() < end:
            calm = calm + 1 if not self._panel_feeding and self._panel_unread() == 0 else 0
            time.sleep(0.01)

    def _panel_unread(self):
        conn = self._servers[1].conn if len(self._servers) > 1 else None
        if conn is None:
            return 0
        import array
        import fcntl
        import termios

        n = array.array("i", [0])
        try:
            fcntl.ioctl(conn.fileno(), termios.FIONREAD, n)
        except (OSError, ValueError):
            return 0
        return n[0]

    def clear_queue(self):
        with self.person.lock:
            left = len(self.person.queue)
            self.person.queue.clear()
            self.person.done.notify_all()
            return left

    def place_finger(self, image):
        self.sensor.place_finger(image)

    def lift_finger(self):
        self.sensor.lift_finger()

    def alive(self):
        return self._proc is not None and self._proc.poll() is None

    def card_log(self):
        if self._tmp:
            p = self.log_path or (Path(self._tmp) / "card.log")
            try:
                return Path(p).read_text(errors="replace")
            except OSError:
                return ""
        return getattr(self, "_saved_log", "")
