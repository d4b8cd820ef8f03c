"""Run the card's minutiae extractor over many sensor images from the host.

The extractor (bioshard_card.bio.extract) is the card's own code. Under CPython it runs its
plain-Python kernels (~0.2 s an image); under the `micropython` unix port its viper kernels
make it ~10x faster and exercise exactly what the card runs. `extract_batch` therefore feeds
batches of images to a `micropython` subprocess when one is available and falls back to
in-process CPython otherwise; both give identical minutiae (tests/host/test_extract_batch.py).
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import bioshard_card
from bioshard_card.bio import extract as _extract

PACKED_LEN = _extract.PACKED_LEN
_FIRMWARE = str(Path(bioshard_card.__file__).resolve().parent.parent)

# Runs inside micropython: argv = firmware dir, file of concatenated packed images.
# One output line per image: "x,y,a,k,q x,y,a,k,q ..." (possibly empty).
_MPY_SCRIPT = r"""
import sys, gc
sys.path.insert(0, sys.argv[1])
from bioshard_card.bio import extract as E
buf = bytearray(E.PACKED_LEN)
with open(sys.argv[2], "rb") as f:
    while f.readinto(buf) == E.PACKED_LEN:
        ms = E.extract_minutiae(buf)
        print(" ".join("%d,%d,%d,%d,%d" % m for m in ms))
        gc.collect()
print("END")
"""


def micropython_exe():
    """Path of the `micropython` unix port beside this interpreter (or on PATH), or None."""
    return (shutil.which("micropython", path=str(Path(sys.executable).parent))
            or shutil.which("micropython"))


def _as_packed(item):
    # image files (str / Path) go through the simulated sensor, as the card would see them
    if isinstance(item, (str, os.PathLike)):
        from ..sim.fingerimage import to_sensor_image

        return to_sensor_image(str(item))
    return item


def _check(images):
    for i, im in enumerate(images):
        if len(im) != PACKED_LEN:
            raise ValueError("image %d: a sensor image is %d bytes, got %d" % (i, PACKED_LEN, len(im)))


def _parse(line):
    out = []
    for item in line.split():
        x, y, a, k, q = (int(v) for v in item.split(","))
        out.append((x, y, a, k, q))
    return out


def extract_batch_micropython(images, exe=None, heapsize="2m", timeout=None):
    """Extract with the viper kernels in one `micropython` subprocess. Raises RuntimeError
    if the subprocess fails or its output is incomplete."""
    _check(images)
    exe = exe or micropython_exe()
    if not exe:
        raise RuntimeError("the `micropython` unix port is not installed")
    if not images:
        return []
    fd, path = tempfile.mkstemp(prefix="bioshard-extract-", suffix=".raw")
    try:
        with os.fdopen(fd, "wb") as f:
            for im in images:
                f.write(bytes(im))
        proc = subprocess.run([exe, "-X", "heapsize=" + heapsize, "-c", _MPY_SCRIPT, _FIRMWARE, path],
                              capture_output=True, text=True,
                              timeout=timeout or 60 + 5 * len(images))
    finally:
        os.unlink(path)
    lines = proc.stdout.split("\n")
    if proc.returncode != 0 or "END" not in lines or lines.index("END") != len(images):
        raise RuntimeError("micropython extraction failed: " + (proc.stderr or proc.stdout)[-2000:])
    return [_parse(line) for line in lines[: len(images)]]


def extract_batch_cpython(images):
    """Extract in this process with the plain-Python kernels."""
    _check(images)
    return [list(_extract.extract_minutiae(bytes(im))) for im in images]


def extract_batch(images, runner="auto", batch=40):
    """Minutiae lists [(x, y, angle, kind, quality), ...] for a list of packed sensor images
    (36,864-byte uploads; an image file path is first turned into one by the simulated sensor,
    bioshard.sim.fingerimage.to_sensor_image).

    runner: "micropython" (viper kernels in a subprocess, as on the card), "cpython"
    (in-process), or "auto" (micropython when installed and working, else CPython)."""
    images = [_as_packed(im) for im in images]
    if runner not in ("auto", "micropython", "cpython"):
        raise ValueError("runner must be auto, micropython or cpython")
    if runner == "cpython" or (runner == "auto" and not micropython_exe()):
        return extract_batch_cpython(images)
    out = []
    try:
        for i in range(0, len(images), batch):
            out.extend(extract_batch_micropython(images[i:i + batch]))
    except RuntimeError:
        if runner == "micropython":
            raise
        return extract_batch_cpython(images)
    return out
