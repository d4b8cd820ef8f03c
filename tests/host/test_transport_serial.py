"""SerialTransport + CardClient through real pyserial on a pseudo-terminal.

The far end of the pty plays the card's USB-serial side: raw length-prefixed frames (no GATT
records) into the card's own FrameDecoder and Dispatcher. The stream is read back in whatever
pieces the tty delivers, so the client's reassembly is exercised as with a real UART.
"""
import asyncio
import os
import threading
import tty

import pytest

from bioshard.client import CardClient
from bioshard.errors import CardRefusedError, CardTimeoutError, NoCardError
from bioshard.transport import open_transport
from bioshard.transport.serial import SerialTransport, list_serial_ports
from bioshard_card.proto import frames, rpc
from bioshard_card.proto.rpc import Dispatcher


class PtyCard:
    def __init__(self):
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.port = os.ttyname(slave)
        self._slave = slave
        self.d = Dispatcher()
        self.d.register("ping", lambda p: "pong")
        self.d.register("echo", lambda p: p["data"])
        self.mute = False
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        dec = frames.FrameDecoder()
        while not self._stop:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            dec.feed(data)
            while (f := dec.pop()) is not None:
                if self.mute:
                    continue
                reply = asyncio.run(self.d.handle(f))
                os.write(self.master, frames.encode(reply))

    def close(self):
        self._stop = True
        os.close(self._slave)
        os.close(self.master)


@pytest.fixture
def pty_card():
    c = PtyCard()
    yield c
    c.close()


def test_ping_echo_over_serial(pty_card):
    with CardClient(SerialTransport(pty_card.port)) as cl:
        assert cl.call("ping") == "pong"
        for size in (1, 255, 4000):
            data = os.urandom(size)
            assert cl.call("echo", {"data": data}, timeout=20) == data
        with pytest.raises(CardRefusedError) as e:
            cl.call("missing")
        assert e.value.code == rpc.METHOD_NOT_FOUND


def test_serial_timeout(pty_card):
    pty_card.mute = True
    with CardClient(SerialTransport(pty_card.port)) as cl:
        with pytest.raises(CardTimeoutError):
            cl.call("ping", timeout=0.3)


def test_missing_port_is_no_card(tmp_path):
    with pytest.raises(NoCardError):
        SerialTransport(str(tmp_path / "ttyNOPE")).connect()


def test_open_transport_specs(tmp_path):
    assert isinstance(open_transport("/dev/ttyUSB0"), SerialTransport)
    assert open_transport("serial:/dev/ttyACM0").port == "/dev/ttyACM0"
    assert str(open_transport("sim:%s" % (tmp_path / "x.sock")).path) == str(tmp_path / "x.sock")
    assert open_transport("ble:AA:BB:CC:DD:EE:FF").target == "AA:BB:CC:DD:EE:FF"


def test_list_serial_ports_shape():
    ports = list_serial_ports()
    assert isinstance(ports, list)
    assert all(isinstance(dev, str) and isinstance(desc, str) for dev, desc in ports)
