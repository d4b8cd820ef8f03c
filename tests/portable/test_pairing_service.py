# heapsize: 2m  (the secp256k1 G table is 16 KB of source to compile; on the card it is a .mpy)
# PairingService on the card's own Dispatcher and CBOR codec, under both interpreters: pairing
# is closed by default, the code is shown and never sent, the user's on-card decision gates the
# stored record, and the session hello installs a working channel.
import asyncio

from ptest import raises

from bioshard_card.proto import cbor, rpc
from bioshard_card.proto import pairing_keys as keys
from bioshard_card.proto import session_hello as hello
from bioshard_card.proto.pairing_service import PairingService
from bioshard_card.proto.secure_channel import session_channel
from bioshard_card.storage import RecordStore
from test_pairing import MiniHost, Rng
from test_storage import in_tmpdir


class Ui:
    def __init__(self, confirm=True, replace=True):
        self.codes = []
        self.confirm = confirm
        self.replace = replace
        self.asked = []

    def show_code(self, code):
        self.codes.append(code)

    async def confirm_pairing(self):
        self.asked.append("code")
        return self.confirm

    async def confirm_replace_pairing(self):
        self.asked.append("replace")
        return self.replace


class Card:
    def __init__(self, d, ui, seed=b"card"):
        self.d = rpc.Dispatcher()
        self.svc = PairingService(self.d, RecordStore(d), ui, Rng(seed + d.encode()))

    def call(self, method, params):
        """(result, error_code) for one request, through the dispatcher's real byte path."""
        payload = cbor.dumps({"id": "1", "method": method, "params": params})
        if self.d.channel is not None and method != "session.hello":
            raise AssertionError("use call_sealed")
        reply = cbor.loads(asyncio.run(self.d.handle(payload)))
        if "error" in reply:
            return None, reply["error"]["code"]
        return reply["result"], None


def _opened(d, ui):
    """A card on the flash directory d with its pairing window open."""
    card = Card(d, ui)
    card.svc.open_pairing()
    return card


def _pair(card, ui, host):
    r, e = card.call("pair.init", {"m": host.m1()})
    assert e is None
    r, e = card.call("pair.reveal", {"m": host.m3(r["m"])})
    assert e is None and r == {}
    assert ui.codes[-1] == keys.sas_code(host.t)
    return card.call("pair.confirm", {"m": host.m4()})


@in_tmpdir
def test_closed_by_default_then_pairs_and_stores(d):
    ui = Ui()
    card = Card(d, ui)
    host = MiniHost(Rng(b"h1"))
    assert card.call("pair.init", {"m": host.m1()})[1] == rpc.PROTOCOL_ERROR
    card.svc.open_pairing()
    r, e = _pair(card, ui, host)
    assert e is None and r["m"][1:] == keys.confirm_mac(host.k_confirm, b"card", host.t)
    assert not card.svc.pairing_open  # one pairing per opening
    assert card.call("pair.init", {"m": host.m1()})[1] == rpc.PROTOCOL_ERROR
    # A rebooted card loads the same identity and pairing from flash.
    again = Card(d, Ui())
    assert again.svc.identity.pub == card.svc.identity.pub
    assert bytes(again.svc.record.k_link) == host.k_link


@in_tmpdir
def test_user_rejection_stores_nothing(d):
    ui = Ui(confirm=False)
    card = _opened(d, ui)
    r, e = _pair(card, ui, MiniHost(Rng(b"h2")))
    assert e == rpc.USER_CANCELLED
    assert card.svc.record is None and RecordStore(d).read("pairing") is None


@in_tmpdir
def test_bad_messages_are_protocol_errors(d):
    ui = Ui()
    card = _opened(d, ui)
    assert card.call("pair.reveal", {"m": bytes(66)})[1] == rpc.PROTOCOL_ERROR  # no init
    assert card.call("pair.init", {"m": b"\x01"})[1] == rpc.PROTOCOL_ERROR
    assert card.call("pair.init", {"m": "text"})[1] == rpc.INVALID_PARAMS
    assert card.call("pair.init", {})[1] == rpc.INVALID_PARAMS
    host = MiniHost(Rng(b"h3"))
    r, _ = card.call("pair.init", {"m": host.m1()})
    card.call("pair.reveal", {"m": host.m3(r["m"])})
    m4 = bytearray(host.m4())
    m4[-1] ^= 1
    assert card.call("pair.confirm", {"m": bytes(m4)})[1] == rpc.PROTOCOL_ERROR
    assert card.svc.record is None


@in_tmpdir
def test_session_hello_installs_channel(d):
    ui = Ui()
    card = _opened(d, ui)
    host = MiniHost(Rng(b"h4"))
    _pair(card, ui, host)
    pid = host.t[:16]
    assert card.call("session.hello", {"m": hello.encode_s1(bytes(16), bytes(16))})[1] == rpc.NOT_PAIRED
    assert card.d.channel is None
    hn = bytes(range(16))
    r, e = card.call("session.hello", {"m": hello.encode_s1(pid, hn)})
    assert e is None
    _, cn, ready = hello.decode_s2(r["m"])
    ch = session_channel("host", host.k_link, hn, cn)
    assert ch.open(ready) == hello.session_ready_plaintext()
    card.d.register("ping", lambda p: "pong")
    req = ch.seal(cbor.dumps({"id": "2", "method": "ping", "params": {}}))
    reply = cbor.loads(ch.open(asyncio.run(card.d.handle(req))))
    assert reply["result"] == "pong"


@in_tmpdir
def test_damaged_records_are_dropped_not_fatal(d):
    ui = Ui()
    card = _opened(d, ui)
    _pair(card, ui, MiniHost(Rng(b"h5")))
    old_pub = card.svc.identity.pub
    for name in ("identity", "pairing"):
        # Flip bits rather than write a constant: a random record may already hold it.
        with open(d + "/" + name, "r+b") as f:
            f.seek(20)
            b = f.read(1)[0]
            f.seek(20)
            f.write(bytes([b ^ 0xA5]))
    again = Card(d, Ui(), b"rebooted")
    assert again.svc.record is None
    assert again.svc.identity.pub != old_pub  # a new identity: hosts will see "wrong card"
    assert RecordStore(d).read("pairing") is None


class UiWithoutReplace:
    def __init__(self):
        self.codes = []

    def show_code(self, code):
        self.codes.append(code)

    def confirm_pairing(self):
        return True


@in_tmpdir
def test_replacing_a_pairing_needs_its_own_confirmation_on_the_card(d):
    # If the one touch that accepts the code also replaced the owner's pairing, a host pairing
    # while the window is open would take the card with nothing but that touch.
    ui = Ui()
    card = _opened(d, ui)
    owner = MiniHost(Rng(b"owner"))
    _pair(card, ui, owner)
    assert ui.asked == ["code"]  # a first pairing replaces nothing: one question
    stored = RecordStore(d).read("pairing")
    for answer in (False, None):
        ui.asked = []
        ui.replace = answer
        card.svc.open_pairing()
        r, e = _pair(card, ui, MiniHost(Rng(b"rogue")))
        assert e == rpc.USER_CANCELLED and ui.asked == ["code", "replace"]
        assert bytes(card.svc.record.k_link) == owner.k_link and RecordStore(d).read("pairing") == stored
        assert not card.svc.pairing_open
    ui.asked = []
    ui.confirm = False  # codes differ: the replace question is never reached
    card.svc.open_pairing()
    assert _pair(card, ui, MiniHost(Rng(b"rogue2")))[1] == rpc.USER_CANCELLED and ui.asked == ["code"]
    ui.asked, ui.confirm, ui.replace = [], True, True
    card.svc.open_pairing()
    new = MiniHost(Rng(b"new computer"))
    r, e = _pair(card, ui, new)
    assert e is None and ui.asked == ["code", "replace"]
    assert bytes(card.svc.record.k_link) == new.k_link


@in_tmpdir
def test_a_ui_that_cannot_ask_never_replaces_a_pairing(d):
    ui = UiWithoutReplace()
    card = _opened(d, ui)
    owner = MiniHost(Rng(b"owner2"))
    assert _pair(card, ui, owner)[1] is None  # first pairing: nothing to replace
    card.svc.open_pairing()
    assert _pair(card, ui, MiniHost(Rng(b"rogue3")))[1] == rpc.USER_CANCELLED
    assert bytes(card.svc.record.k_link) == owner.k_link


@in_tmpdir
def test_an_abandoned_run_is_dropped_and_cannot_be_confirmed_later(d):
    ui = Ui()
    card = _opened(d, ui)
    host = MiniHost(Rng(b"h6"))
    r, _ = card.call("pair.init", {"m": host.m1()})
    card.call("pair.reveal", {"m": host.m3(r["m"])})
    assert card.svc.abandon() and not card.svc.abandon()
    assert card.call("pair.confirm", {"m": host.m4()})[1] == rpc.PROTOCOL_ERROR
    assert ui.asked == [] and card.svc.record is None and card.svc.pairing_open
