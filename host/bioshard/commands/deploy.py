"""`bioshard deploy` / `bioshard flash`: put the card firmware on a real board.

flash: erase the ESP32 and write a MicroPython firmware image with esptool (the image is a
file you provide: this tool downloads nothing), then deploy.
deploy: cross-compile every module with mpy-cross -march=xtensawin and copy the tree with mpremote.
"""
import subprocess
import sys
from pathlib import Path

from ..errors import BadInputError, NoCardError

REPO = Path(__file__).resolve().parents[3]


def register(sub):
    d = sub.add_parser("deploy", help="compile (mpy-cross, xtensawin) and copy the firmware to a board")
    d.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
    d.add_argument("--board", default="esp32_wrover_r307", help="board file in boards/")
    d.set_defaults(func=deploy)
    f = sub.add_parser("flash", help="write MicroPython to an ESP32 with esptool, then deploy")
    f.add_argument("--port", required=True)
    f.add_argument("--board", default="esp32_wrover_r307")
    f.add_argument("--firmware", default=None,
                   help="MicroPython ESP32 .bin (ESP32_GENERIC or _SPIRAM build from micropython.org)")
    f.set_defaults(func=flash)


def _need_port(port):
    if not port:
        raise NoCardError("no serial port given: pass --port (or PORT=... to make); `bioshard devices` lists them")
    if not Path(port).exists() and not port.startswith(("rfc2217://", "socket://")):
        raise NoCardError("serial port %s does not exist: is the board plugged in?" % port)


def _run(cmd):
    proc = subprocess.run(cmd)
    if proc.returncode:
        raise NoCardError("command failed (%d): %s" % (proc.returncode, " ".join(cmd)))


def deploy(args):
    _need_port(args.port)
    sys.path.insert(0, str(REPO / "tools"))
    import build_mpy

    out = build_mpy.build(REPO / "build" / "mpy", args.board)
    mpremote = [sys.executable, "-m", "mpremote", "connect", args.port]
    # `cp -r lib :` recreates lib/ on the card with every compiled module below it.
    _run(mpremote + ["fs", "cp", "-r", str(out / "lib"), ":"])
    # aioble (micropython-lib) drives the ESP32's BLE stack; mpremote fetches it for the board.
    _run(mpremote + ["mip", "install", "aioble"])
    _run(mpremote + ["fs", "cp", str(out / "board.mpy"), ":board.mpy"])
    # main.py last: a half-copied tree must not start on the next boot.
    _run(mpremote + ["fs", "cp", str(out / "main.py"), ":main.py"])
    _run(mpremote + ["reset"])
    print("deployed %s to %s" % (args.board, args.port))


def flash(args):
    _need_port(args.port)
    if not args.firmware:
        raise BadInputError("--firmware FILE.bin is required: this tool downloads nothing; get the "
                            "MicroPython ESP32 image (ESP32_GENERIC-SPIRAM for WROVER) and pass its path")
    fw = Path(args.firmware)
    if not fw.is_file():
        raise BadInputError("firmware image %s not found" % fw)
    esptool = [sys.executable, "-m", "esptool", "--chip", "esp32", "--port", args.port]
    _run(esptool + ["erase-flash"])
    _run(esptool + ["--baud", "460800", "write-flash", "-z", "0x1000", str(fw)])
    deploy(args)
