# The card's BLE link: frames (proto/frames) over a Nordic-UART-style GATT service.
#
# One interface for both backends; the app only ever sees this:
#     link = board.ble_peripheral(name)
#     await link.wait_connected()          # advertise until a central connects
#     payload = await link.read_frame()    # RX writes reassembled into one frame payload
#     await link.write_frame(reply)        # split into TX notifications of <= ATT_MTU - 3 bytes
#     link.connected; link.disconnect(); link.close()
# read_frame()/write_frame() raise LinkClosed (an OSError) when the central goes away; the app
# then calls wait_connected() again.
#
# Backends: SocketPeripheral (below) for the simulator, and ble_aioble.AiobleNusPeripheral on the
# ESP32. Both only implement _recv_chunk()/_send_chunk(); framing and MTU splitting live here.
#
# Simulator wire format (docs/architecture.md): the card listens on the Unix socket
# $BIOSHARD_SIM_DIR/ble.sock; records are op(1) + len(u16 BE) + payload with op b"M" (MTU
# exchange, u16 BE ATT MTU, answered with ours; effective = min), b"W" (central writes RX),
# b"N" (card notifies TX). Each W/N payload is at most ATT_MTU - 3 bytes, as on air.
#
# How this runs under MicroPython's unix port (checked on 1.29): asyncio.start_server() only
# does TCP (it resolves host/port with getaddrinfo), and socket.bind() on AF_UNIX wants a raw
# struct sockaddr_un, not a path string. So the listening socket is made by hand, bound to
# pack("H", AF_UNIX) + path + NUL, set non-blocking and polled with accept() every 20 ms while
# waiting for a central (no busy loop, nothing private from asyncio); the accepted socket is
# wrapped in asyncio.StreamReader/StreamWriter, which take a socket on MicroPython. Under
# CPython the same code wraps it with asyncio.open_connection(sock=...).
import os
import socket
import sys

import asyncio

from bioshard_card.proto import frames
from bioshard_card.proto.frames import FrameDecoder, FrameError

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


DEFAULT_ATT_MTU = const(23)  # before any MTU exchange (Bluetooth Core Vol 3 Part F 3.2.8)
MAX_ATT_MTU = const(247)  # what the card offers: 244-byte chunks, one LL packet with DLE
ATT_OVERHEAD = const(3)  # opcode + handle of a write/notification
_MAX_RECORD = const(512)  # largest attribute value on air; anything longer is a broken peer
_POLL_MS = const(20)
_OP_MTU = const(0x4D)  # "M"
_OP_WRITE = const(0x57)  # "W"
_OP_NOTIFY = const(0x4E)  # "N"
_MICROPYTHON = sys.implementation.name == "micropython"


class LinkClosed(OSError):
    pass


async def _sleep_ms(ms):
    if _MICROPYTHON:
        await asyncio.sleep_ms(ms)
    else:
        await asyncio.sleep(ms / 1000)


class ChunkedLink:
    """Framing over MTU-sized chunks; subclasses move the chunks."""

    def __init__(self, max_frame=frames.MAX_FRAME):
        self.connected = False
        self.mtu = DEFAULT_ATT_MTU
        self.max_frame = max_frame
        self._dec = FrameDecoder(max_frame)

    @property
    def frame_errors(self):
        """Bad frame headers seen since boot (each dropped its chunk, see proto/frames)."""
        return self._dec.errors

    def _on_connect(self):
        self.mtu = DEFAULT_ATT_MTU
        self._dec.reset()  # never glue a new central's bytes onto an old partial frame
        self.connected = True

    async def read_frame(self):
        dec = self._dec
        while True:
            f = dec.pop()
            if f is not None:
                return f
            chunk = await self._recv_chunk()
            try:
                dec.feed(chunk)
            except FrameError:
                pass  # counted in dec.errors; the decoder resynchronises at the next chunk

    async def write_frame(self, payload):
        if not self.connected:
            raise LinkClosed("no central connected")
        n = len(payload)
        if n == 0 or n > self.max_frame:
            raise FrameError("frame payload of %d bytes (allowed 1..%d)" % (n, self.max_frame))
        # Chunk header + payload without building the framed copy (kilobytes on a small heap):
        # the first notification carries the 2-byte length and the start of the payload.
        step = self.mtu - ATT_OVERHEAD
        mv = memoryview(payload)
        await self._send_chunk(bytes((n >> 8, n & 0xFF)) + bytes(mv[: step - 2]))
        for i in range(step - 2, n, step):
            await self._send_chunk(mv[i : i + step])

    async def _recv_chunk(self):
        raise NotImplementedError

    async def _send_chunk(self, chunk):
        raise NotImplementedError


def sim_dir():
    """$BIOSHARD_SIM_DIR, else ~/.bioshard/sim (the same default as the host's tools)."""
    d = os.getenv("BIOSHARD_SIM_DIR")
    if d:
        return d
    return (os.getenv("HOME") or "/tmp") + "/.bioshard/sim"


def _makedirs(path):
    cur = ""
    for part in path.split("/"):
        if not part:
            continue
        cur += "/" + part if (cur or path.startswith("/")) else part
        try:
            os.mkdir(cur)
        except OSError:
            pass  # exists (or not ours to make: bind() will say so)


def _unix_addr(path):
    if _MICROPYTHON:
        import struct

        return struct.pack("H", socket.AF_UNIX) + path.encode() + b"\0"
    return path


async def _streams(sock):
    if _MICROPYTHON:
        return asyncio.StreamReader(sock), asyncio.StreamWriter(sock, {})
    return await asyncio.open_connection(sock=sock)


class SocketPeripheral(ChunkedLink):
    """The simulated GATT peripheral: one central at a time over a Unix stream socket."""

    def __init__(self, name, path=None, mtu=MAX_ATT_MTU, max_frame=frames.MAX_FRAME):
        super().__init__(max_frame)
        # boards/sim.py passes (path, name); tests pass (name, path). A socket path always has
        # a "/" and an advertised name never does, so both orders are read unambiguously.
        if path is not None and "/" in name and "/" not in path:
            name, path = path, name
        self.name = name
        self.path = path or sim_dir() + "/ble.sock"
        self.local_mtu = mtu
        self._lsock = None
        self._sock = None
        self._r = None
        self._w = None
        self.protocol_errors = 0  # centrals dropped for breaking the record format

    def _listen(self):
        d = self.path[: self.path.rfind("/")] if "/" in self.path else "."
        _makedirs(d)
        try:
            os.remove(self.path)  # a stale socket from a previous run
        except OSError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(_unix_addr(self.path))
        s.listen(4)  # the OS queue; the card still serves one central at a time
        s.setblocking(False)
        self._lsock = s
        # The "advertising data": lets `bioshard devices` show the name, as a scan would.
        with open(self.path + ".name", "w") as f:
            f.write(self.name)

    async def wait_connected(self):
        if self.connected:
            return
        if self._lsock is None:
            self._listen()
        while True:
            try:
                c, _ = self._lsock.accept()
                break
            except OSError:  # EAGAIN: nobody yet
                await _sleep_ms(_POLL_MS)
        c.setblocking(False)
        self._sock = c
        self._r, self._w = await _streams(c)
        self._on_connect()

    async def _read(self, n):
        try:
            return await self._r.readexactly(n)
        except (EOFError, OSError):
            self.disconnect()
            raise LinkClosed("central disconnected")

    async def _violation(self, why):
        # A real BLE stack would refuse such an ATT PDU; here we drop the central.
        self.protocol_errors += 1
        self.disconnect()
        raise LinkClosed("central dropped: " + why)

    async def _recv_chunk(self):
        if not self.connected:
            raise LinkClosed("no central connected")
        while True:
            hdr = await self._read(3)
            op = hdr[0]
            n = (hdr[1] << 8) | hdr[2]
            if n > _MAX_RECORD:
                await self._violation("record too long")
            payload = await self._read(n) if n else b""
            if op == _OP_WRITE:
                if n > self.mtu - ATT_OVERHEAD:
                    await self._violation("write longer than ATT_MTU - 3")
                if n:
                    return payload
            elif op == _OP_MTU:
                if n != 2:
                    await self._violation("bad MTU record")
                central = (payload[0] << 8) | payload[1]
                self.mtu = max(DEFAULT_ATT_MTU, min(central, self.local_mtu))
                m = self.local_mtu
                await self._send_record(_OP_MTU, bytes((m >> 8, m & 0xFF)))
            else:
                await self._violation("unknown record op")

    async def _send_record(self, op, payload):
        n = len(payload)
        try:
            self._w.write(bytes((op, n >> 8, n & 0xFF)) + bytes(payload))
            await self._w.drain()
        except OSError:
            self.disconnect()
            raise LinkClosed("central disconnected")

    async def _send_chunk(self, chunk):
        await self._send_record(_OP_NOTIFY, chunk)

    def disconnect(self):
        """Drop the current central (if any); keep listening for the next one."""
        self.connected = False
        w = self._w
        sock = self._sock
        self._r = self._w = self._sock = None
        try:
            if w is not None:
                w.close()  # closes the socket too (and, on CPython, its transport)
            elif sock is not None:
                sock.close()
        except Exception:
            pass

    def close(self):
        """Stop being a peripheral: drop the central, stop listening, remove the socket."""
        self.disconnect()
        if self._lsock is not None:
            self._lsock.close()
            self._lsock = None
            for p in (self.path, self.path + ".name"):
                try:
                    os.remove(p)
                except OSError:
                    pass
