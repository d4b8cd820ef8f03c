# The card's BLE link on the ESP32: an aioble GATT server with the Nordic UART Service.
#
#   service 6E400001-B5A3-F393-E0A9-E50E24DCCA9E
#     RX    6E400002-...  write / write-without-response   (host -> card)
#     TX    6E400003-...  notify                           (card -> host)
#
# Framing and MTU splitting are shared with the simulator backend (ble_link.ChunkedLink); this
# file only moves chunks. Imported by the ESP32 board files only (it needs the `bluetooth`
# module and aioble from micropython-lib: `mpremote mip install aioble`); it cannot run on
# the unix port, so the same behaviour is tested through SocketPeripheral.
#
# Points that bite on real hardware, and what this does about them:
# - An RX characteristic's value buffer is 20 bytes by default, so longer writes would be
#   truncated: BufferedCharacteristic sizes it to ATT_MTU - 3.
# - Writes that arrive while we are busy would overwrite each other: capture=True queues each
#   write with its data (aioble keeps the last 10; the host writes with response, so it never
#   has more than one in flight).
# - The central starts the MTU exchange; we offer `mtu` via ble.config and read the agreed
#   value from the connection before each frame we send.
# - gatts_notify() raises OSError when the controller's buffers are full: back off and retry.
# - A disconnect while we wait for a write must not hang: `with conn.timeout(None)` turns it
#   into DeviceDisconnectedError, which becomes LinkClosed.
import asyncio

import aioble
import bluetooth

from bioshard_card.drivers.ble_link import (ATT_OVERHEAD, DEFAULT_ATT_MTU, MAX_ATT_MTU, ChunkedLink,
                                            LinkClosed, _sleep_ms)
from bioshard_card.proto import frames

try:
    from micropython import const
except ImportError:  # CPython (never used there; keeps the import guard uniform)

    def const(x):
        return x


NUS_SERVICE = bluetooth.UUID("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")
NUS_RX = bluetooth.UUID("6E400002-B5A3-F393-E0A9-E50E24DCCA9E")
NUS_TX = bluetooth.UUID("6E400003-B5A3-F393-E0A9-E50E24DCCA9E")
_ADV_INTERVAL_US = const(250000)
_NOTIFY_RETRIES = const(100)
_NOTIFY_BACKOFF_MS = const(10)


class AiobleNusPeripheral(ChunkedLink):
    def __init__(self, name, mtu=MAX_ATT_MTU, max_frame=frames.MAX_FRAME):
        super().__init__(max_frame)
        self.name = name
        self.local_mtu = mtu
        svc = aioble.Service(NUS_SERVICE)
        self._tx = aioble.Characteristic(svc, NUS_TX, notify=True)
        self._rx = aioble.BufferedCharacteristic(svc, NUS_RX, write=True, write_no_response=True,
                                                 capture=True, max_len=mtu - ATT_OVERHEAD)
        aioble.register_services(svc)
        aioble.config(mtu=mtu)
        self._conn = None

    def _refresh_mtu(self):
        m = self._conn.mtu if self._conn is not None else None
        self.mtu = max(DEFAULT_ATT_MTU, min(m or DEFAULT_ATT_MTU, self.local_mtu))

    def _alive(self):
        conn = self._conn
        if conn is None or not conn.is_connected():
            self.connected = False
            self._conn = None
            raise LinkClosed("central disconnected")
        return conn

    async def wait_connected(self):
        if self.connected and self._conn is not None and self._conn.is_connected():
            return
        # Advertise the NUS UUID (so host scans can filter on it) and the name (scan response).
        self._conn = await aioble.advertise(_ADV_INTERVAL_US, name=self.name.encode(),
                                            services=[NUS_SERVICE])
        self._on_connect()

    async def _recv_chunk(self):
        while True:
            conn = self._alive()
            try:
                with conn.timeout(None):
                    writer, data = await self._rx.written()
            except aioble.DeviceDisconnectedError:
                self._alive()
                raise LinkClosed("central disconnected")
            if writer is conn and data:
                return data
            # A write from a connection that is no longer ours: ignore it.

    async def write_frame(self, payload):
        self._refresh_mtu()
        await super().write_frame(payload)

    async def _send_chunk(self, chunk):
        for _ in range(_NOTIFY_RETRIES):
            conn = self._alive()
            try:
                self._tx.notify(conn, chunk)
                return
            except OSError:  # controller out of buffers (ENOMEM): let the air drain them
                await _sleep_ms(_NOTIFY_BACKOFF_MS)
        self.disconnect()
        raise LinkClosed("notifications not draining; central dropped")

    def disconnect(self):
        conn = self._conn
        self._conn = None
        self.connected = False
        if conn is not None and conn.is_connected():
            asyncio.create_task(conn.disconnect())

    def close(self):
        self.disconnect()
        aioble.stop()


AioblePeripheral = AiobleNusPeripheral  # short alias
