"""Hardware-in-the-loop: the same checks as the simulator scenario, against a flashed board.

Run with `make hil PORT=/dev/ttyUSB0`; without --port every test here is skipped.
"""
import pytest

pytestmark = pytest.mark.hil


def test_card_answers_version_over_serial(port):
    from bioshard.client import CardClient
    from bioshard.transport.serial import SerialTransport

    client = CardClient(SerialTransport(port))
    client.connect()
    try:
        info = client.call("get_version_info", {}, timeout=10)
    finally:
        client.disconnect()
    assert info["board"] != "sim"
    assert info["version"]
