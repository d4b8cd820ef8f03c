"""Pairing and the secure channel through the real stack: the card's PairingService on the
card's Dispatcher and simulated BLE link, under the `micropython` binary (2 MB heap: run from
source, module compilation needs more heap than the .mpy files on a card), talking to the
host's CardClient + SimTransport. The test plays the user: it reads the code from the card's
"panel" (its stdout) and types it into the host."""
import queue
import subprocess
import threading

import pytest

from bioshard import pairing as HP
from bioshard.client import CardClient
from bioshard.errors import CardRefusedError, TransportError, WrongCardError
from bioshard.transport.sim import SimTransport
from conftest import REPO

CARD = r'''
import sys
sys.path.insert(0, sys.argv[1] + "/firmware")
import asyncio
from bioshard_card.drivers.ble_link import SocketPeripheral
from bioshard_card.proto.rpc import Dispatcher, RpcError, NOT_PAIRED, serve
from bioshard_card.proto.pairing_service import PairingService
from bioshard_card.storage import RecordStore

link = SocketPeripheral("bioshard-pair", sys.argv[2], 247)
d = Dispatcher()
state = {"stop": False, "confirm": True, "replace": True}


class Ui:
    def show_code(self, code):
        print("CODE", code)  # the e-ink panel

    async def confirm_pairing(self):
        await asyncio.sleep_ms(1)
        return state["confirm"]

    async def confirm_replace_pairing(self):
        print("REPLACE?")  # the card's own "a pairing exists and will be replaced" screen
        return state["replace"]


svc = PairingService(d, RecordStore(sys.argv[3]), Ui())


def secured(p):
    if d.channel is None:
        raise RpcError(NOT_PAIRED, "open a session first")
    return b"card got " + p["data"]


def ctl(p):
    if p.get("open"):
        svc.open_pairing()
    if "confirm" in p:
        state["confirm"] = p["confirm"]
    if "replace" in p:
        state["replace"] = p["replace"]
    if p.get("stop"):
        state["stop"] = True
    return True


d.register("secured", secured)
d.register("ctl", ctl)  # test control, stands in for the card's buttons


async def main():
    while not state["stop"]:
        await link.wait_connected()
        await serve(link, d)
        d.channel = None
    link.close()


asyncio.run(main())
'''


@pytest.fixture
def card(micropython, tmp_path):
    script = tmp_path / "card.py"
    script.write_text(CARD)
    sock = tmp_path / "ble.sock"
    proc = subprocess.Popen([micropython, "-X", "heapsize=2m", str(script), str(REPO), str(sock),
                             str(tmp_path / "flash")], stdout=subprocess.PIPE, text=True)
    proc.sock = sock
    proc.panel = queue.Queue()  # lines the card "shows", read without blocking the test forever
    threading.Thread(target=lambda: [proc.panel.put(l) for l in proc.stdout], daemon=True).start()
    yield proc
    if proc.poll() is None:
        try:
            with CardClient(SimTransport(sock, connect_timeout=2)) as c:
                c.call("ctl", {"stop": True}, timeout=5)
            proc.wait(10)
        except Exception:
            proc.kill()
            proc.wait()


def read_panel(proc):
    line = proc.panel.get(timeout=30).split()
    assert line[0] == "CODE", line
    return line[1]


def test_pair_then_sealed_rpc_then_reconnect(card, tmp_path):
    home = tmp_path / "home"
    with CardClient(SimTransport(card.sock)) as c:
        with pytest.raises(CardRefusedError, match="not enabled"):
            HP.pair_card(c, lambda: "000000")
        c.call("ctl", {"open": True})
        record = HP.pair_card(c, lambda: read_panel(card))
        HP.save_record(record, home)
        with pytest.raises(CardRefusedError):
            c.call("secured", {"data": b"x"})  # no channel yet
        HP.open_session(c, record)
        assert c.call("secured", {"data": b"hello"}) == b"card got hello"
        assert c.call("secured", {"data": b"again"}) == b"card got again"
    # New connection: new session keys from the stored record on both sides.
    with CardClient(SimTransport(card.sock)) as c:
        HP.open_session(c, HP.load_record(home))
        assert c.call("secured", {"data": b"next"}) == b"card got next"
        # A frame the card cannot open gets an unsealed CHANNEL_ERROR, never plaintext.
        c.channel._send_ctr += 5
        with pytest.raises(TransportError, match="out of step"):
            c.call("secured", {"data": b"skipped"})


def test_user_rejects_on_card_and_wrong_code(card):
    with CardClient(SimTransport(card.sock)) as c:
        c.call("ctl", {"open": True, "confirm": False})
        with pytest.raises(CardRefusedError, match="rejected on the card"):
            HP.pair_card(c, lambda: read_panel(card))
        c.call("ctl", {"open": True, "confirm": True})
        with pytest.raises(HP.PairingCodeMismatch):
            HP.pair_card(c, lambda: "%06d" % ((int(read_panel(card)) + 1) % 1000000))
        # Nothing was stored: a hello for a made-up pairing is refused as "not paired".
        fake = HP.PairingRecord(bytes(16), bytes(32), b"\x02" + bytes(32))
        with pytest.raises(WrongCardError, match="not paired"):
            HP.open_session(c, fake)


def test_numeric_comparison_and_an_existing_pairing_is_replaced_only_if_the_owner_says_so(card):
    with CardClient(SimTransport(card.sock)) as c:
        c.call("ctl", {"open": True})
        host_codes = []
        owner = HP.pair_card(c, show_code=host_codes.append)  # the owner compares on the card
        assert host_codes == [read_panel(card)]  # both sides showed the same 6 digits
        HP.open_session(c, owner)
    with CardClient(SimTransport(card.sock)) as c:
        c.call("ctl", {"open": True, "replace": False})
        with pytest.raises(CardRefusedError, match="keeps its current pairing"):
            HP.pair_card(c, lambda: read_panel(card))  # the codes match; replacing is refused
        assert card.panel.get(timeout=30).strip() == "REPLACE?"
        HP.open_session(c, owner)  # the owner's computer still reaches the card
        # The owner says "different" on the computer: the card is never asked to confirm.
        c.call("ctl", {"open": True, "replace": True})
        with pytest.raises(HP.PairingCodeMismatch):
            HP.pair_card(c, lambda: False)
        read_panel(card)
    with CardClient(SimTransport(card.sock)) as c:
        c.call("ctl", {"open": True})
        new = HP.pair_card(c, lambda: True)
        read_panel(card)
        assert card.panel.get(timeout=30).strip() == "REPLACE?"
        with pytest.raises(WrongCardError, match="not paired"):
            HP.open_session(c, owner)
        HP.open_session(c, new)
