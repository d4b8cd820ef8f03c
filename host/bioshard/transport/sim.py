"""SimTransport: the host as BLE central of a simulated card, over $BIOSHARD_SIM_DIR/ble.sock.

It speaks the GATT records of docs/architecture.md exactly as a phone or laptop would speak
ATT on air: an MTU exchange first (b"M"), then writes to the NUS RX characteristic (b"W"), each
at most ATT_MTU - 3 bytes, and it receives TX notifications (b"N"). So the card's link code is
exercised with real MTU-sized chunking, including the 23-byte default MTU.
"""
import errno
import os
import socket
import struct
import time
from pathlib import Path

from bioshard_card.drivers.ble_link import ATT_OVERHEAD, DEFAULT_ATT_MTU, sim_dir

from ..errors import NoCardError, TransportError
from .base import Transport, require_connected

OP_MTU, OP_WRITE, OP_NOTIFY = b"M", b"W", b"N"
MAX_RECORD = 512


def default_sim_socket():
    return Path(sim_dir()) / "ble.sock"


class SimTransport(Transport):
    kind = "sim"

    def __init__(self, path=None, mtu=247, connect_timeout=5.0):
        self.path = Path(path) if path else default_sim_socket()
        self.requested_mtu = mtu
        self.connect_timeout = connect_timeout
        self.mtu = DEFAULT_ATT_MTU
        self._sock = None
        self._rx = bytearray()  # notification bytes not yet read

    def describe(self):
        return "sim:%s" % self.path

    @property
    def connected(self):
        return self._sock is not None

    def connect(self):
        if self._sock:
            return
        deadline = time.monotonic() + self.connect_timeout
        while True:  # the card may still be starting up: retry until it listens
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(str(self.path))
                break
            except OSError as e:
                s.close()
                if time.monotonic() >= deadline:
                    if self.path.exists() and e.errno == errno.ECONNREFUSED:
                        # The socket is there but nobody listens: the card process died.
                        err = TransportError("the simulated card at %s is not running (a stale socket): "
                                             "start it again with `bioshard sim`" % self.path)
                        err.dead_card = True
                        raise err
                    raise NoCardError("no simulated card listening at %s (%s)" % (self.path, e.strerror))
                time.sleep(0.05)
        self._sock = s
        self._rx.clear()
        try:
            self._send(OP_MTU, struct.pack(">H", self.requested_mtu))
            op, payload = self._recv_record(max(self.connect_timeout, 1.0))
        except TransportError:
            self.disconnect()
            raise
        if op is None:
            self.disconnect()
            raise TransportError("%s: no answer to the MTU exchange (the card is busy with "
                                 "another central, or hung)" % self.describe())
        if op != OP_MTU or len(payload) != 2:
            self.disconnect()
            raise TransportError("%s: MTU exchange failed" % self.describe())
        self.mtu = max(DEFAULT_ATT_MTU, min(self.requested_mtu, struct.unpack(">H", payload)[0]))

    def disconnect(self):
        if self._sock:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def _send(self, op, payload):
        try:
            self._sock.sendall(op + struct.pack(">H", len(payload)) + payload)
        except OSError as e:
            self.disconnect()
            raise TransportError("%s: write failed (%s)" % (self.describe(), e))

    def _recv_exact(self, n, deadline):
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                if not buf:
                    return None
                # Mid-record: the card is sending, give it the time it needs.
                left = 1.0
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(n - len(buf))
            except socket.timeout:
                if not buf:
                    return None
                self.disconnect()
                raise TransportError("%s: record cut short" % self.describe())
            except OSError as e:
                self.disconnect()
                raise TransportError("%s: read failed (%s)" % (self.describe(), e))
            if not chunk:
                self.disconnect()
                raise TransportError("%s: card disconnected" % self.describe())
            buf += chunk
        return bytes(buf)

    def _recv_record(self, timeout):
        deadline = time.monotonic() + timeout
        hdr = self._recv_exact(3, deadline)
        if hdr is None:
            return None, None
        n = struct.unpack(">H", hdr[1:])[0]
        if n > MAX_RECORD:
            self.disconnect()
            raise TransportError("%s: oversized record from card" % self.describe())
        payload = self._recv_exact(n, time.monotonic() + 1.0) if n else b""
        return hdr[:1], payload

    def write(self, data):
        require_connected(self)
        step = self.mtu - ATT_OVERHEAD
        mv = memoryview(data)
        for i in range(0, len(mv), step):
            self._send(OP_WRITE, bytes(mv[i : i + step]))

    def read(self, n, timeout):
        require_connected(self)
        deadline = time.monotonic() + timeout
        while not self._rx:
            op, payload = self._recv_record(max(0.0, deadline - time.monotonic()))
            if op is None:
                return b""
            if op == OP_NOTIFY:
                if len(payload) > self.mtu - ATT_OVERHEAD:
                    self.disconnect()
                    raise TransportError("%s: notification longer than ATT_MTU - 3" % self.describe())
                self._rx += payload
            # any other record (a late MTU answer) carries no data for us
        out = bytes(self._rx[:n])
        del self._rx[:n]
        return out


def list_sim_cards(directory=None):
    """[(socket path, advertised name or None)] for every ble.sock in the sim directory."""
    d = Path(directory) if directory else Path(sim_dir())
    found = []
    if not d.is_dir():
        return found
    for p in sorted(d.glob("**/ble.sock")):
        if not p.is_socket():
            continue
        name_file = Path(str(p) + ".name")
        name = name_file.read_text().strip() if name_file.is_file() else None
        found.append((p, name))
    return found


def is_listening(path):
    """True if something accepts connections on the Unix socket (a stale file does not)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect(os.fspath(path))
        return True
    except OSError:
        return False
    finally:
        s.close()
