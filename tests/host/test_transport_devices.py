"""`bioshard devices`, and the card's SocketPeripheral running under CPython's asyncio (the
card modules must work on both interpreters; the micropython run is in test_transport_sim)."""
import asyncio
import json
import socket
import threading

import pytest

from bioshard.cli import main
from bioshard.client import CardClient
from bioshard.transport.sim import SimTransport
from bioshard_card.drivers.ble_link import SocketPeripheral
from bioshard_card.proto.rpc import Dispatcher, serve


class CPythonCard:
    def __init__(self, path, name):
        self.link = SocketPeripheral(name, str(path), mtu=100)
        self.d = Dispatcher()
        self.d.register("ping", lambda p: "pong")
        self.d.register("echo", lambda p: p["data"])
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.task = asyncio.run_coroutine_threadsafe(self._main(), self.loop)

    async def _main(self):
        while True:
            await self.link.wait_connected()
            await serve(self.link, self.d)

    def close(self):
        self.task.cancel()
        self.loop.call_soon_threadsafe(self.link.close)
        # let the transports finish closing before the loop stops
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def cpy_card(tmp_path):
    c = CPythonCard(tmp_path / "ble.sock", "bioshard-cpy")
    yield c
    c.close()


def test_socket_peripheral_under_cpython(cpy_card, tmp_path):
    for mtu in (23, 247):
        t = SimTransport(tmp_path / "ble.sock", mtu=mtu)
        with CardClient(t) as cl:
            assert t.mtu == min(mtu, 100)
            assert cl.call("ping") == "pong"
            assert cl.call("echo", {"data": bytes(3000)}) == bytes(3000)


def test_devices_lists_sim_card(cpy_card, tmp_path, capsys):
    with CardClient(SimTransport(tmp_path / "ble.sock")) as cl:  # make sure it is listening
        cl.call("ping")
    assert main(["devices", "--sim-dir", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sim"] == [{"spec": "sim:%s" % (tmp_path / "ble.sock"), "name": "bioshard-cpy",
                           "listening": True}]
    assert out["ble"] is None and "skipped" in out["ble_note"]
    assert main(["devices", "--sim-dir", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "bioshard-cpy" in text and "[listening]" in text and "skipped" in text


def test_devices_cleans_a_stale_socket(tmp_path, capsys):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(tmp_path / "ble.sock"))
    s.close()  # the file stays, nobody listens: a card that crashed
    (tmp_path / "ble.sock.name").write_text("bioshard-dead")
    assert main(["devices", "--sim-dir", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sim"] == [] and out["cleaned"] == [str(tmp_path / "ble.sock")]
    assert not (tmp_path / "ble.sock").exists() and not (tmp_path / "ble.sock.name").exists()
    assert main(["devices", "--sim-dir", str(tmp_path)]) == 0
    assert "bioshard-dead" not in capsys.readouterr().out
    # a link `bioshard sim` published to a folder that is gone
    (tmp_path / "ble.sock").symlink_to(tmp_path / "gone" / "ble.sock")
    assert main(["devices", "--sim-dir", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cleaned"] == [str(tmp_path / "ble.sock")]
    assert not (tmp_path / "ble.sock").is_symlink()


def test_devices_ble_without_bleak(monkeypatch, tmp_path, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "bleak", None)
    assert main(["devices", "--ble", "--sim-dir", str(tmp_path)]) == 0
    assert "pip install" in capsys.readouterr().out


def test_socket_peripheral_accepts_board_argument_order(tmp_path):
    # boards/sim.py calls SocketPeripheral(path, name); the documented order is (name, path).
    a = SocketPeripheral(str(tmp_path / "ble.sock"), "bioshard-x")
    b = SocketPeripheral("bioshard-x", str(tmp_path / "ble.sock"))
    assert (a.name, a.path) == (b.name, b.path) == ("bioshard-x", str(tmp_path / "ble.sock"))


def test_busy_card_is_a_clear_transport_error(cpy_card, tmp_path):
    from bioshard.errors import TransportError

    first = SimTransport(tmp_path / "ble.sock")
    first.connect()  # holds the one central slot
    try:
        with pytest.raises(TransportError, match="busy"):
            SimTransport(tmp_path / "ble.sock", connect_timeout=0.3).connect()
    finally:
        first.disconnect()
    with CardClient(SimTransport(tmp_path / "ble.sock")) as cl:  # and it serves the next one
        assert cl.call("ping") == "pong"
