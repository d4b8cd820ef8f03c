"""BleTransport (host, bleak) against a stand-in bleak whose "device" runs the card's own
FrameDecoder + Dispatcher behind the NUS characteristics. No radio here: this checks our use of
bleak's API (scanner lookup by name/address, notify subscription on TX, writes to RX no longer
than ATT_MTU - 3, the event-loop thread, disconnect callback) and the clean errors.
"""
import asyncio
import os
import sys
import types

import pytest

from bioshard.client import CardClient
from bioshard.errors import NoCardError, TransportError
from bioshard.transport import ble as ble_mod
from bioshard.transport.ble import NUS_RX, NUS_TX, BleTransport
from bioshard_card.proto import frames
from bioshard_card.proto.rpc import Dispatcher


class FakeDevice:
    def __init__(self, name, address):
        self.name, self.address = name, address


def make_fake_bleak(mtu=185, devices=(FakeDevice("bioshard-ab12", "AA:BB:CC:DD:EE:01"),)):
    m = types.ModuleType("bleak")
    m.writes = []
    m.clients = []

    class BleakScanner:
        @staticmethod
        async def find_device_by_name(name, timeout=10.0):
            return next((d for d in devices if d.name == name), None)

        @staticmethod
        async def find_device_by_address(addr, timeout=10.0):
            return next((d for d in devices if d.address == addr), None)

        @staticmethod
        async def discover(timeout=5.0, service_uuids=None):
            return list(devices)

    class BleakClient:
        def __init__(self, device, disconnected_callback=None):
            self.device, self.on_disc = device, disconnected_callback
            self.mtu_size = mtu
            self.cb = None
            self.dec = frames.FrameDecoder()
            self.d = Dispatcher()
            self.d.register("ping", lambda p: "pong")
            self.d.register("echo", lambda p: p["data"])
            m.clients.append(self)

        async def connect(self):
            return True

        async def start_notify(self, uuid, cb):
            assert uuid == NUS_TX
            self.cb = cb

        async def write_gatt_char(self, uuid, data, response=False):
            assert uuid == NUS_RX
            m.writes.append(len(data))
            if len(data) > self.mtu_size - 3:
                raise RuntimeError("ATT write too long")
            self.dec.feed(data)
            while (f := self.dec.pop()) is not None:
                reply = frames.encode(await self.d.handle(f))
                for i in range(0, len(reply), self.mtu_size - 3):
                    self.cb(None, bytearray(reply[i:i + self.mtu_size - 3]))

        async def disconnect(self):
            return True

        def drop(self):  # the card walks away
            self.on_disc(self)

    m.BleakScanner, m.BleakClient = BleakScanner, BleakClient
    return m


@pytest.fixture
def fake_bleak(monkeypatch):
    m = make_fake_bleak()
    monkeypatch.setitem(sys.modules, "bleak", m)
    return m


@pytest.mark.parametrize("target", ["bioshard-ab12", "AA:BB:CC:DD:EE:01"])
def test_rpc_over_fake_ble(fake_bleak, target):
    with CardClient(BleTransport(target)) as cl:
        assert cl.transport.mtu == 185
        assert cl.call("ping") == "pong"
        data = os.urandom(3000)
        assert cl.call("echo", {"data": data}) == data
    assert max(fake_bleak.writes) == 182


def test_card_not_found(fake_bleak):
    with pytest.raises(NoCardError, match="no BLE card"):
        BleTransport("nobody", scan_timeout=0.1).connect()


def test_card_disconnect_is_transport_error(fake_bleak):
    t = BleTransport("bioshard-ab12")
    t.connect()
    try:
        fake_bleak.clients[-1].drop()
        assert not t.connected
        with pytest.raises(TransportError, match="disconnected"):
            t.read(10, 1.0)
    finally:
        t.disconnect()


def test_without_bleak_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "bleak", None)  # import bleak -> ImportError
    with pytest.raises(TransportError, match=r"pip install 'bioshard\[ble\]'"):
        BleTransport("x").connect()
    with pytest.raises(TransportError, match="bleak"):
        ble_mod.scan_ble(0.1)


def test_scan_lists_devices(fake_bleak):
    assert ble_mod.scan_ble(0.1) == [("AA:BB:CC:DD:EE:01", "bioshard-ab12")]
