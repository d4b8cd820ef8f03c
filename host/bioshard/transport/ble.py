"""BleTransport: the card over Bluetooth LE with bleak, as Jade's JadeBleImpl.

The card is a GATT peripheral with the Nordic UART Service: the host writes the framed RPC
stream to RX in chunks of at most ATT_MTU - 3 bytes and receives TX notifications. bleak is
asyncio-only, so it runs on its own event loop in a daemon thread and this class offers the
same blocking connect/write/read as the other transports. bleak is optional
(`pip install 'bioshard[ble]'`): it is imported on connect and its absence is a clean error.
"""
import asyncio
import re
import threading

from ..errors import NoCardError, TransportError
from .base import Transport, require_connected

NUS_SERVICE = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
NUS_RX = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"  # host -> card: write
NUS_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"  # card -> host: notify
ATT_OVERHEAD = 3
_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")  # MAC or macOS UUID


def import_bleak():
    try:
        import bleak
    except ImportError:
        raise TransportError("BLE needs the `bleak` package: pip install 'bioshard[ble]'") from None
    return bleak


class BleTransport(Transport):
    kind = "ble"

    def __init__(self, name_or_address, scan_timeout=10.0):
        self.target = name_or_address
        self.scan_timeout = scan_timeout
        self.mtu = 23
        self._client = None
        self._loop = None
        self._thread = None
        self._rx = bytearray()
        self._cond = threading.Condition()
        self._gone = False

    def describe(self):
        return "ble:%s" % self.target

    @property
    def connected(self):
        return self._client is not None and not self._gone

    def _run(self, coro, timeout):
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return fut.result(timeout)
        except TransportError:
            raise
        except NoCardError:
            raise
        except Exception as e:  # bleak raises its own types, TimeoutError, OSError...
            fut.cancel()
            raise TransportError("%s: %s" % (self.describe(), e or type(e).__name__)) from e

    def _on_notify(self, _char, data):
        with self._cond:
            self._rx += data
            self._cond.notify_all()

    def _on_disconnect(self, _client):
        with self._cond:
            self._gone = True
            self._cond.notify_all()

    async def _connect(self):
        bleak = import_bleak()
        if _ADDRESS.match(self.target):
            device = await bleak.BleakScanner.find_device_by_address(self.target, timeout=self.scan_timeout)
        else:
            device = await bleak.BleakScanner.find_device_by_name(self.target, timeout=self.scan_timeout)
        if device is None:
            raise NoCardError("no BLE card %r found within %.0f s" % (self.target, self.scan_timeout))
        client = bleak.BleakClient(device, disconnected_callback=self._on_disconnect)
        await client.connect()
        await client.start_notify(NUS_TX, self._on_notify)
        return client

    def connect(self):
        if self._client:
            return
        import_bleak()  # fail before starting a thread
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="bioshard-ble", daemon=True)
        self._thread.start()
        self._gone = False
        self._rx.clear()
        try:
            self._client = self._run(self._connect(), self.scan_timeout + 20)
        except Exception:
            self._stop_loop()
            raise
        # bleak reports the negotiated ATT MTU (23 when the stack cannot tell).
        self.mtu = max(23, int(getattr(self._client, "mtu_size", 23) or 23))

    def _stop_loop(self):
        if self._loop:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(2)
            self._loop.close()
            self._loop = self._thread = None

    def disconnect(self):
        if self._client:
            client, self._client = self._client, None
            try:
                self._run(client.disconnect(), 10)
            except TransportError:
                pass
        self._stop_loop()

    def write(self, data):
        require_connected(self)
        step = self.mtu - ATT_OVERHEAD
        mv = memoryview(data)
        for i in range(0, len(mv), step):
            # Write with response: the ATT acknowledgement is our flow control.
            self._run(self._client.write_gatt_char(NUS_RX, bytes(mv[i : i + step]), response=True), 10)

    def read(self, n, timeout):
        with self._cond:
            if not self._rx and not self._gone:
                self._cond.wait(timeout)
            if not self._rx and self._gone:
                raise TransportError("%s: card disconnected" % self.describe())
            out = bytes(self._rx[:n])
            del self._rx[:n]
            return out


def scan_ble(timeout=5.0):
    """[(address, name)] of advertising devices offering the NUS service (needs bleak)."""
    bleak = import_bleak()

    async def _scan():
        found = await bleak.BleakScanner.discover(timeout=timeout, service_uuids=[NUS_SERVICE])
        return [(d.address, d.name or "") for d in found]

    return asyncio.run(_scan())
