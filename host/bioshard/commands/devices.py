"""`bioshard devices`: list the cards this host could talk to — USB serial ports, simulated
cards (their ble.sock), and BLE cards advertising the Nordic UART Service (only with --ble,
which needs bleak and takes a few seconds of scanning)."""
import glob
import json
import os
import tempfile
from pathlib import Path

from ..errors import TransportError


def register(sub):
    p = sub.add_parser("devices", help="list serial, simulated and (with --ble) BLE cards")
    p.add_argument("--ble", action="store_true", help="also scan for BLE cards (needs bleak)")
    p.add_argument("--ble-timeout", type=float, default=5.0, help="BLE scan time in seconds")
    p.add_argument("--sim-dir", default=None,
                   help="folder holding a simulated card's ble.sock (default: $BIOSHARD_SIM_DIR, "
                        "~/.bioshard/sim, and running `bioshard sim` cards)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _sim_dirs(explicit):
    if explicit:
        return [Path(explicit)]
    from bioshard_card.drivers.ble_link import sim_dir

    dirs = [Path(sim_dir())]
    if not os.getenv("BIOSHARD_SIM_DIR"):
        # `bioshard sim` runs each card in a fresh temporary folder (bs-*).
        dirs += [Path(d) for d in sorted(glob.glob(os.path.join(tempfile.gettempdir(), "bs-*")))]
    return dirs


def _refused(path):
    """True only for a socket nobody will ever answer on (connection refused, or a link to a
    socket that is gone); a busy or slow card is not stale."""
    import errno
    import socket

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect(os.fspath(path))
        return False
    except OSError as e:
        return e.errno in (errno.ECONNREFUSED, errno.ENOENT)
    finally:
        s.close()


def _clean_stale(path):
    """Remove a simulated card's socket nobody listens on (the card died with its simulator)
    and its name file, or the links `bioshard sim` published to it."""
    for p in (Path(path), Path(str(path) + ".name")):
        try:
            if p.is_symlink() or p.is_socket() or p.is_file():
                p.unlink()
        except OSError:
            pass


def find_devices(ble=False, ble_timeout=5.0, sim_dir=None):
    from ..transport.serial import list_serial_ports
    from ..transport.sim import is_listening, list_sim_cards

    out = {"serial": [], "sim": [], "cleaned": [], "ble": None, "ble_note": ""}
    for dev, desc in list_serial_ports():
        out["serial"].append({"spec": "serial:" + dev, "description": desc})
    seen = set()
    for d in _sim_dirs(sim_dir):
        link = Path(d) / "ble.sock"
        if link.is_symlink() and not link.exists():  # `bioshard sim`'s link to a folder now gone
            _clean_stale(link)
            out["cleaned"].append(str(link))
        for path, name in list_sim_cards(d):
            real = path.resolve()  # `bioshard sim` also links <state>/ble.sock to its live socket
            if real in seen:
                continue
            seen.add(real)
            if _refused(path):
                _clean_stale(path)
                out["cleaned"].append(str(path))
                continue
            out["sim"].append({"spec": "sim:%s" % path, "name": name, "listening": is_listening(path)})
    if ble:
        from ..transport.ble import scan_ble

        try:
            out["ble"] = [{"spec": "ble:" + addr, "name": name} for addr, name in scan_ble(ble_timeout)]
        except TransportError as e:
            out["ble_note"] = str(e)
        except Exception as e:  # no adapter, permissions, BlueZ not running...
            out["ble_note"] = "BLE scan failed: %s" % (e or type(e).__name__)
    else:
        out["ble_note"] = "skipped (pass --ble to scan; needs bleak)"
    return out


def run(args):
    found = find_devices(args.ble, args.ble_timeout, args.sim_dir)
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print("serial:")
    for s in found["serial"] or [None]:
        print("  (none)" if s is None else "  %-28s %s" % (s["spec"], s["description"]))
    print("sim:")
    for s in found["sim"] or [None]:
        if s is None:
            print("  (none)")
        else:
            state = "listening" if s["listening"] else "not answering (busy?)"
            print("  %-28s %s  [%s]" % (s["spec"], s["name"] or "?", state))
    for path in found["cleaned"]:
        print("  removed a stale socket (its card is not running): %s" % path)
    print("ble:")
    if found["ble"] is None or found["ble_note"]:
        print("  " + (found["ble_note"] or "(none)"))
    else:
        for s in found["ble"] or [None]:
            print("  (none)" if s is None else "  %-28s %s" % (s["spec"], s["name"]))
    return 0
