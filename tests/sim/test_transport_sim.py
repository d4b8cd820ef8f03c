"""End to end over the simulated BLE link: the card's own link + dispatcher code running under the
real `micropython` binary (also with the 100 KB heap of an ESP32-WROOM), the host's
SimTransport + CardClient in CPython, talking GATT records over a Unix socket.

Covers MTU 23 and 247 (and a card offering less than the host asks), frames many times larger
than the MTU, replies decoded by cbor2 (an independent CBOR implementation), the secure-channel
hook with the project's real SecureChannel, and hostile centrals: the card must survive garbage,
protocol violations and abrupt disconnects, and serve the next central normally.
"""
import os
import socket
import struct
import subprocess
import time

import cbor2
import pytest

from bioshard.client import CardClient
from bioshard.errors import CardRefusedError, CardTimeoutError, NoCardError, TransportError
from bioshard.transport.sim import SimTransport, is_listening, list_sim_cards
from bioshard_card.proto import frames, rpc
from bioshard_card.proto.secure_channel import session_channel
from conftest import REPO

CARD_SCRIPT = r"""
import sys, gc
sys.path.insert(0, sys.argv[1] + "/firmware")
import asyncio
from bioshard_card.drivers.ble_link import SocketPeripheral
from bioshard_card.proto.rpc import Dispatcher, RpcError, USER_CANCELLED, serve
from bioshard_card.proto.secure_channel import session_channel

link = SocketPeripheral("bioshard-e2e", sys.argv[2], int(sys.argv[3]))
d = Dispatcher()
state = {"stop": False}
K_LINK = bytes(range(32))  # test key: this card is a throwaway simulator


def stats(p):
    gc.collect()
    return {"frame_errors": link.frame_errors, "protocol_errors": link.protocol_errors,
            "mtu": link.mtu, "mem_free": gc.mem_free()}


async def echo(p):
    await asyncio.sleep_ms(1)
    return p["data"]


def refuse(p):
    raise RpcError(USER_CANCELLED, "rejected on card")


def secure(p):
    d.channel = session_channel("card", K_LINK, p["hn"], p["cn"])
    return True


def stop(p):
    state["stop"] = True
    return True


d.register("ping", lambda p: "pong")
d.register("echo", echo)
d.register("stats", stats)
d.register("refuse", refuse)
d.register("secure", secure)
d.register("stop", stop)


async def main():
    while not state["stop"]:
        await link.wait_connected()
        await serve(link, d)
        d.channel = None  # a session ends with its connection
    link.close()


asyncio.run(main())
"""


class Card:
    def __init__(self, proc, path):
        self.proc = proc
        self.path = path

    def alive(self):
        return self.proc.poll() is None


@pytest.fixture(scope="module", params=["2m", "100k"])
def card(request, micropython, tmp_path_factory):
    d = tmp_path_factory.mktemp("sim")
    script = d / "card_e2e.py"
    script.write_text(CARD_SCRIPT)
    path = d / "ble.sock"
    proc = subprocess.Popen(
        [micropython, "-X", "heapsize=" + request.param, str(script), str(REPO), str(path), "247"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    c = Card(proc, path)
    c.heap = request.param
    # The card is ready when it listens; tests that only look (list_sim_cards) must not race
    # its boot on a loaded machine.
    deadline = time.monotonic() + 60
    while not is_listening(path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    yield c
    if proc.poll() is None:
        try:
            with CardClient(SimTransport(path, connect_timeout=2)) as cl:
                cl.call("stop", timeout=5)
            proc.wait(5)
        except Exception:
            proc.kill()
            proc.wait(5)
    out = proc.stdout.read()
    assert proc.returncode == 0, out


class RecordingSim(SimTransport):
    """Records the size of every GATT record in both directions."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sent, self.received = [], []

    def _send(self, op, payload):
        self.sent.append((op, len(payload)))
        super()._send(op, payload)

    def _recv_record(self, timeout):
        op, payload = super()._recv_record(timeout)
        if op is not None:
            self.received.append((op, len(payload)))
        return op, payload


@pytest.mark.parametrize("mtu", [23, 247])
def test_ping_and_large_echo(card, mtu):
    t = RecordingSim(card.path, mtu=mtu)
    with CardClient(t) as cl:
        assert t.mtu == mtu
        assert cl.call("ping") == "pong"
        for size in (1, 20, 21, 243, 1000, 3900):
            data = os.urandom(size)
            assert cl.call("echo", {"data": data}) == data
    writes = [n for op, n in t.sent if op == b"W"]
    notes = [n for op, n in t.received if op == b"N"]
    # Every chunk on "air" respects ATT_MTU - 3, and long frames really were split.
    assert max(writes) == mtu - 3 and max(notes) == mtu - 3
    assert len(notes) > 3900 // (mtu - 3)
    assert card.alive()


def test_card_offers_less_than_host_asks(micropython, tmp_path):
    path = tmp_path / "ble.sock"
    script = tmp_path / "card.py"
    script.write_text(CARD_SCRIPT)
    proc = subprocess.Popen([micropython, str(script), str(REPO), str(path), "64"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        t = RecordingSim(path, mtu=247)
        with CardClient(t) as cl:
            assert t.mtu == 64  # min(247, 64)
            assert cl.call("stats")["mtu"] == 64
            data = bytes(range(256)) * 4
            assert cl.call("echo", {"data": data}) == data
            cl.call("stop")
        assert max(n for op, n in t.received if op == b"N") == 61
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stdout.read()


def test_errors_and_ids(card):
    with CardClient(SimTransport(card.path)) as cl:
        with pytest.raises(CardRefusedError) as e:
            cl.call("refuse")
        assert e.value.code == rpc.USER_CANCELLED and "rejected on card" in str(e.value)
        with pytest.raises(CardRefusedError) as e:
            cl.call("no_such_method")
        assert e.value.code == rpc.METHOD_NOT_FOUND
        with pytest.raises(CardRefusedError) as e:
            cl.call("echo", {})  # missing "data" -> KeyError in the handler
        assert e.value.code == rpc.INVALID_PARAMS
        assert cl.call("ping") == "pong"


def _raw_frame_reply(t, payload, timeout=10):
    t.write(frames.encode(payload))
    dec = frames.FrameDecoder()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dec.feed(t.read(4096, 1.0))
        f = dec.pop()
        if f is not None:
            return cbor2.loads(f)
    raise AssertionError("no reply")


def test_invalid_cbor_gets_parse_error_with_null_id(card):
    with SimTransport(card.path) as t:
        r = _raw_frame_reply(t, b"\xff\x00garbage")
        assert r["id"] is None and r["error"]["code"] == rpc.PARSE_ERROR
        r = _raw_frame_reply(t, cbor2.dumps({"id": 1, "method": "ping"}))
        assert r["error"]["code"] == rpc.INVALID_REQUEST


def _raw(path):
    for _ in range(100):  # the card accepts every 20 ms; its listen queue may be full
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(str(path))
            return s
        except BlockingIOError:
            s.close()
            time.sleep(0.05)
    raise AssertionError("card not accepting")


def _rec(op, payload):
    return op + struct.pack(">H", len(payload)) + payload


def _stats(path):
    with CardClient(SimTransport(path)) as cl:
        assert cl.call("ping") == "pong"
        return cl.call("stats")


def test_hostile_centrals_do_not_kill_the_card(card):
    before = _stats(card.path)
    # 1. random bytes that are not records at all (unknown ops / oversized records)
    s = _raw(card.path)
    s.sendall(os.urandom(2000))
    s.close()
    # 2. a write longer than the default ATT_MTU - 3 without an MTU exchange
    s = _raw(card.path)
    s.sendall(_rec(b"W", bytes(40)))
    s.close()
    # 3. well-formed records carrying garbage frames: bad length headers, then a cut frame
    s = _raw(card.path)
    s.sendall(_rec(b"W", b"\xff\xff" + bytes(18)) + _rec(b"W", b"\x00\x00abc"))
    s.sendall(_rec(b"W", b"\x0f\x00" + bytes(18)))  # announces 3840 bytes, sends 18, leaves
    s.close()
    # 4. a truncated record header, then vanish
    s = _raw(card.path)
    s.sendall(b"W\x00")
    s.close()
    after = _stats(card.path)
    assert after["frame_errors"] >= before["frame_errors"] + 2
    assert after["protocol_errors"] >= before["protocol_errors"] + 2
    assert card.alive()


def test_flood_of_garbage_frames_then_normal_service(card):
    with SimTransport(card.path, mtu=247) as t:
        for i in range(50):
            t.write(bytes([0xF0 | (i & 0xF), i]) + os.urandom(200))  # oversize headers
        cl = CardClient(t)
        assert cl.call("echo", {"data": b"still here"}) == b"still here"
    assert card.alive()


def test_secure_channel_hook_end_to_end(card):
    hn, cn = os.urandom(16), os.urandom(16)
    with CardClient(SimTransport(card.path, mtu=23)) as cl:
        assert cl.call("secure", {"hn": hn, "cn": cn}) is True  # answered in the clear
        cl.channel = session_channel("host", bytes(range(32)), hn, cn)
        # 2 KB sealed fits the 100 KB heap with margin; the limit itself is probed in
        # test_out_of_memory_is_an_answer_not_a_crash.
        for size in (5, 500, 2000 if card.heap == "100k" else 4000):
            data = os.urandom(size)
            assert cl.call("echo", {"data": data}) == data
        # A request the card cannot open is answered with an unsealed CHANNEL_ERROR.
        wrong = session_channel("host", bytes(32), hn, cn)
        good, cl.channel = cl.channel, wrong
        with pytest.raises(TransportError, match="secure channel"):
            cl.call("ping")
        cl.channel = good
        assert cl.call("ping") == "pong"


def test_timeout_and_stale_reply_skipped(card):
    with CardClient(SimTransport(card.path)) as cl:
        big = os.urandom(3900)
        with pytest.raises(CardTimeoutError):
            cl.call("echo", {"data": big}, timeout=0.0001)
        # The late reply to the timed-out call is skipped by id; this call gets its own.
        assert cl.call("echo", {"data": b"mine"}) == b"mine"


def test_no_card_is_a_clean_error(tmp_path):
    with pytest.raises(NoCardError):
        SimTransport(tmp_path / "ble.sock", connect_timeout=0.2).connect()


def test_sim_card_is_listed(card):
    found = list_sim_cards(card.path.parent)
    assert (card.path, "bioshard-e2e") in found
    assert is_listening(card.path)


def test_heap_stays_bounded(card):
    with CardClient(SimTransport(card.path)) as cl:
        for _ in range(5):
            cl.call("echo", {"data": os.urandom(3900)})
        s = cl.call("stats")
    if card.heap == "100k":
        assert s["mem_free"] > 20_000, s  # room left for the app in the WROOM's heap


def test_out_of_memory_is_an_answer_not_a_crash(card):
    # Sealed echoes up to the frame limit: on the 100 KB heap the largest ones run out of
    # memory. The card must answer (result, or an "out of memory" INTERNAL_ERROR) and live on.
    hn, cn = os.urandom(16), os.urandom(16)
    outcomes = []
    for size in range(2500, 4001, 500):
        with CardClient(SimTransport(card.path)) as cl:
            cl.call("secure", {"hn": hn, "cn": cn})
            cl.channel = session_channel("host", bytes(range(32)), hn, cn)
            data = os.urandom(size)
            try:
                assert cl.call("echo", {"data": data}) == data
                outcomes.append("ok")
            except CardRefusedError as e:
                # An OOM anywhere, sealing included, is an in-order sealed error reply: the
                # channel counts a frame only once it is built.
                assert e.code == rpc.INTERNAL_ERROR and "memory" in str(e)
                outcomes.append("oom")
        assert card.alive(), outcomes
    if card.heap == "2m":
        assert outcomes == ["ok"] * 4
    assert _stats(card.path)["frame_errors"] >= 0 and card.alive()
