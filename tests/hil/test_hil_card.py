"""Hardware-in-the-loop: the simulator's checks against a flashed board.

Run with `make hil PORT=/dev/ttyUSB0` after `make deploy PORT=...`; without --port every test
here is skipped. The serial port reaches the MicroPython REPL (mpremote); the card's own
protocol runs over BLE, so the RPC tests also need bleak and BIOSHARD_HIL_BLE=<card name>.
Steps that need a person (pairing code, fingers) prompt on the terminal.
"""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.hil


def mpremote(port, *args):
    proc = subprocess.run([sys.executable, "-m", "mpremote", "connect", port, *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_deployed_firmware_imports_and_compiled_for_this_board(port):
    from bioshard_card import VERSION

    out = mpremote(port, "exec", "import board, bioshard_card; print(board.NAME, bioshard_card.VERSION)")
    name, version = out.split()
    assert version == VERSION
    assert name != "sim"


def test_card_self_checks_on_the_board(port):
    # The card's crypto on the card's own interpreter: BIP-340 verify of a known vector.
    out = mpremote(port, "exec", (
        "from bioshard_card.crypto import bip340\n"
        "import binascii\n"
        "pk=binascii.unhexlify('F9308A019258C31049344F85F89D5229B531C845836F99B08601F113BCE036F9')\n"
        "sig=binascii.unhexlify('E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA821525F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0')\n"
        "print(bip340.verify(binascii.unhexlify('0000000000000000000000000000000000000000000000000000000000000000'), pk, sig))"))
    assert out.strip() == "True"


def test_version_over_ble(port):
    name = os.environ.get("BIOSHARD_HIL_BLE")
    if not name:
        pytest.skip("set BIOSHARD_HIL_BLE=<card name> (shown on its screen) to test the BLE link")
    pytest.importorskip("bleak", reason="pip install 'bioshard[ble]' for the BLE link")
    from bioshard.card import connect

    with connect("ble:" + name, secure=False) as card:
        info = card.info()
    assert info["board"] != "sim" and info["name"] == name
