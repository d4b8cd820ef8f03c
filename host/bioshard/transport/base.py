"""The transport interface every card connection implements (Blockstream Jade's client shape:
JadeSerialImpl / JadeTCPImpl / JadeBleImpl all offer connect, disconnect, write, read).

A transport moves raw bytes of the framed RPC stream (len(u16 BE) + payload, see
docs/protocol.md); it knows nothing about CBOR or ids. `CardClient` sits on top.
"""
from ..errors import TransportError


class Transport:
    """Byte pipe to one card.

    read(n, timeout) waits up to `timeout` seconds for data and returns 1..n bytes, or b"" if
    nothing arrived in time; it raises TransportError once the connection is gone. write(data)
    sends all of data or raises TransportError.
    """

    #: human-readable kind, e.g. "sim", "serial", "ble"
    kind = "?"

    def connect(self):
        raise NotImplementedError

    def disconnect(self):
        raise NotImplementedError

    def write(self, data):
        raise NotImplementedError

    def read(self, n, timeout):
        raise NotImplementedError

    @property
    def connected(self):
        raise NotImplementedError

    def describe(self):
        return self.kind

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc):
        self.disconnect()


def require_connected(transport):
    if not transport.connected:
        raise TransportError("%s: not connected" % transport.describe())
