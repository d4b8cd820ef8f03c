"""The ESP32 backend (drivers/ble_aioble.py) against a stand-in for aioble's API.

The real aioble needs the ESP32's `bluetooth` module, so this cannot prove the radio works;
it checks the backend's own logic against aioble's documented behaviour (micropython-lib
aioble/server.py, device.py): the GATT table it registers, MTU taken from the connection,
notifications no longer than ATT_MTU - 3, back-off when the controller is out of buffers,
writes captured as (connection, data), and a disconnect turning into LinkClosed.
"""
import asyncio
import sys
import types

import pytest

from bioshard_card.proto import frames


class FakeConn:
    def __init__(self, mtu):
        self.mtu = mtu
        self.up = True
        self.disconnect_calls = 0

    def is_connected(self):
        return self.up

    def timeout(self, ms):
        conn = self

        class _T:
            def __enter__(self):
                return self

            def __exit__(self, et, ev, tb):
                if et is asyncio.CancelledError and not conn.up:
                    raise FAKE.DeviceDisconnectedError()
                return False

        return _T()

    async def disconnect(self):
        self.disconnect_calls += 1
        self.up = False


def _make_fake_modules():
    bt = types.ModuleType("bluetooth")
    bt.UUID = lambda s: ("uuid", s.upper())
    ab = types.ModuleType("aioble")
    ab.registered = []
    ab.configured = {}
    ab.stopped = False

    class DeviceDisconnectedError(Exception):
        pass

    class Service:
        def __init__(self, uuid):
            self.uuid = uuid
            self.characteristics = []

    class Characteristic:
        def __init__(self, service, uuid, read=False, write=False, write_no_response=False,
                     notify=False, indicate=False, initial=None, capture=False):
            service.characteristics.append(self)
            self.uuid, self.flags = uuid, dict(write=write, write_no_response=write_no_response,
                                               notify=notify, capture=capture)
            self.notified = []
            self.fail_next = 0
            self.queue = asyncio.Queue()

        def notify(self, conn, data):
            if self.fail_next:
                self.fail_next -= 1
                raise OSError(12, "ENOMEM")
            self.notified.append(bytes(data))

        async def written(self, timeout_ms=None):
            return await self.queue.get()

    class BufferedCharacteristic(Characteristic):
        def __init__(self, *a, max_len=20, append=False, **kw):
            super().__init__(*a, **kw)
            self.max_len = max_len

    async def advertise(interval_us, name=None, services=None, **kw):
        ab.advertised = (interval_us, name, services)
        return ab.next_conn

    ab.DeviceDisconnectedError = DeviceDisconnectedError
    ab.Service, ab.Characteristic, ab.BufferedCharacteristic = Service, Characteristic, BufferedCharacteristic
    ab.register_services = lambda *s: ab.registered.extend(s)
    ab.config = lambda **kw: ab.configured.update(kw)
    ab.advertise = advertise
    ab.stop = lambda: setattr(ab, "stopped", True)
    return bt, ab


FAKE = None


@pytest.fixture
def aioble_mod(monkeypatch):
    global FAKE
    bt, ab = _make_fake_modules()
    FAKE = ab
    monkeypatch.setitem(sys.modules, "bluetooth", bt)
    monkeypatch.setitem(sys.modules, "aioble", ab)
    monkeypatch.delitem(sys.modules, "bioshard_card.drivers.ble_aioble", raising=False)
    import bioshard_card.drivers.ble_aioble as mod

    yield mod, ab
    sys.modules.pop("bioshard_card.drivers.ble_aioble", None)


async def _connected(mod, ab, name, mtu=247, conn_mtu=247):
    """A peripheral (mtu=None: the driver's default) with a central connected at conn_mtu."""
    link = mod.AiobleNusPeripheral(name) if mtu is None else mod.AiobleNusPeripheral(name, mtu=mtu)
    conn = ab.next_conn = FakeConn(mtu=conn_mtu)
    await link.wait_connected()
    return link, conn


def test_gatt_table_is_nordic_uart(aioble_mod):
    mod, ab = aioble_mod

    async def go():
        return mod.AiobleNusPeripheral("bioshard-1", mtu=185)

    link = asyncio.run(go())
    (svc,) = ab.registered
    assert svc.uuid == ("uuid", "6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
    tx, rx = svc.characteristics
    assert tx.uuid[1].startswith("6E400003") and tx.flags["notify"] and not tx.flags["write"]
    assert rx.uuid[1].startswith("6E400002") and rx.flags["write"] and rx.flags["capture"]
    assert rx.max_len == 182  # holds a full ATT_MTU - 3 write, not aioble's 20-byte default
    assert ab.configured == {"mtu": 185}
    assert link.connected is False


def test_frames_both_ways_and_mtu_from_connection(aioble_mod):
    mod, ab = aioble_mod

    async def go():
        link, conn = await _connected(mod, ab, "bioshard-1", conn_mtu=23)
        assert ab.advertised[1] == b"bioshard-1"
        tx, rx = ab.registered[0].characteristics
        payload = bytes(range(256)) * 3
        wire = frames.encode(payload)
        for i in range(0, len(wire), 20):
            rx.queue.put_nowait((conn, wire[i:i + 20]))
        assert await link.read_frame() == payload
        conn.mtu = 247  # the central exchanged MTUs meanwhile
        tx.fail_next = 3  # controller busy for a moment
        await link.write_frame(payload)
        assert max(map(len, tx.notified)) == 244
        assert b"".join(tx.notified) == wire
        # a write from some other (old) connection is ignored
        rx.queue.put_nowait((FakeConn(23), frames.encode(b"stale")))
        rx.queue.put_nowait((conn, frames.encode(b"fresh")))
        assert await link.read_frame() == b"fresh"

    asyncio.run(go())


def test_disconnect_while_waiting_is_link_closed(aioble_mod):
    mod, ab = aioble_mod
    from bioshard_card.drivers.ble_link import LinkClosed

    async def go():
        link, conn = await _connected(mod, ab, "c")
        task = asyncio.ensure_future(link.read_frame())
        await asyncio.sleep(0.01)
        conn.up = False
        task.cancel()  # what aioble's device_task does on disconnect
        with pytest.raises(LinkClosed):
            await task
        assert not link.connected
        with pytest.raises(LinkClosed):
            await link.write_frame(b"x")

    asyncio.run(go())


def test_stuck_notifications_drop_the_central(aioble_mod):
    mod, ab = aioble_mod
    from bioshard_card.drivers.ble_link import LinkClosed

    async def go():
        link, conn = await _connected(mod, ab, "c", mtu=None)
        ab.registered[0].characteristics[0].fail_next = 10**6
        with pytest.raises(LinkClosed):
            await link.write_frame(b"x" * 10)
        await asyncio.sleep(0)
        assert conn.disconnect_calls == 1 and not link.connected
        link.close()
        assert ab.stopped

    asyncio.run(go())
