"""Security review of the card app (firmware/bioshard_card/app.py and its RPC handlers,
handlers/*) driven in-process.

The real Card object runs under CPython on a fake board: a panel that swallows SPI bytes, a
sensor that is never asked (the owner's inputs are scripted through a fake FingerInput), a
link that carries already-framed payloads and a temporary flash directory. The secure channel
is the real one (proto/secure_channel), so every request is sealed as the host seals it.
"""
import asyncio
import os

import pytest

from bioshard_card import app
from bioshard_card.crypto import secp256k1 as ec
from bioshard_card.flows.fingers import BUTTON, FINGER, TIMEOUT
from bioshard_card.handlers import key_share, status
from bioshard_card.proto import cbor, frames, rpc
from bioshard_card.proto.secure_channel import session_channel
from bioshard_card.wallet_record import WalletRecord
from bioshard_card.drivers.zfm_link_setup import ZFMNoLink
from pin_fake import Pin


class _Spi:
    def write(self, buf):
        pass


class _Uart:
    def write(self, buf):
        return len(buf)

    def read(self, n=None):
        return None

    def readinto(self, buf):
        return None

    def any(self):
        return 0


class _Link:
    """Frames in, frames out; OSError (as LinkClosed) once the script is exhausted."""

    def __init__(self, requests=()):
        self.requests = list(requests)
        self.written = []
        self.max_frame = frames.MAX_FRAME

    async def wait_connected(self):
        pass

    async def read_frame(self):
        if not self.requests:
            raise OSError("central gone")
        return self.requests.pop(0)

    async def write_frame(self, payload):
        # the real ChunkedLink.write_frame refuses an oversized frame exactly like this
        if not 0 < len(payload) <= self.max_frame:
            raise frames.FrameError("frame payload of %d bytes" % len(payload))
        self.written.append(bytes(payload))

    def disconnect(self):
        pass


class FakeBoard:
    NAME = "fake"
    PANEL_WIDTH = 122
    PANEL_HEIGHT = 250

    def __init__(self, flash):
        self.flash = str(flash)

    def sensor_uart(self):
        return _Uart()

    def panel_bus(self):
        return _Spi(), Pin(1), Pin(), Pin(1), Pin(0)

    def button(self):
        return Pin(1)

    def ble_peripheral(self, name):
        return _Link()

    def data_dir(self):
        return self.flash


class ScriptedFingers:
    """The owner: each wait/tap pops the next scripted answer (FINGER, BUTTON or TIMEOUT)."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.button = None
        self.asked = 0

    async def _next(self):
        self.asked += 1
        return self.answers.pop(0) if self.answers else TIMEOUT

    async def tap(self, timeout_ms):
        return await self._next()

    async def wait_finger(self, timeout_ms):
        return await self._next()

    async def wait_lift(self, timeout_ms):
        return FINGER

    def read_minutiae(self):
        raise AssertionError("no fingerprint capture expected in this test")


def _pub(k):
    return ec.cbytes(ec.mul_g(k))


CARD_KEY = _pub(7)
HOST_KEY = _pub(11)
OTHER_KEY = _pub(13)


class Session:
    """A Card on a fake board with an installed secure channel; call() seals like the host."""

    def __init__(self, flash, wallet=None):
        self.card = app.Card(FakeBoard(flash))
        self.card.fingers = ScriptedFingers()
        if wallet is not None:
            self.card.save_wallet(wallet)
        hn, cn = os.urandom(16), os.urandom(16)
        k = os.urandom(32)
        self.host = session_channel("host", k, hn, cn)
        self.card.dispatcher.channel = session_channel("card", k, hn, cn)
        self._n = 0

    def raw(self, method, params):
        self._n += 1
        return self.host.seal(rpc.request(str(self._n), method, params))

    def call(self, method, params, answers=()):
        self.card.fingers.answers = list(answers)
        reply = asyncio.run(self.card.dispatcher.handle(self.raw(method, params)))
        return cbor.loads(self.host.open(reply))


@pytest.fixture
def session(tmp_path):
    return Session(tmp_path / "flash", WalletRecord(CARD_KEY, [HOST_KEY, CARD_KEY], "regtest"))


# ---- hostile input must not take the card down ---------------------------------------------

def test_an_error_echoing_a_long_param_still_fits_one_frame(session):
    # A refusal quoting the whole 4000-character "network" back would be larger than a frame,
    # and write_frame's FrameError escaping rpc.serve would kill the app (main.py then resets
    # the board): anyone paired could reboot the card at will.
    r = session.call("enroll", {"fingers": [1], "network": "x" * 4000})
    assert r["error"]["code"] == rpc.INVALID_PARAMS
    assert len(r["error"]["message"]) <= 200  # rpc caps every refusal text


def test_serve_survives_a_request_whose_error_is_huge(session):
    # repr() turns each control character into 4, so a 1.5 KB request asked for a 6 KB reply
    link = _Link([session.raw("enroll", {"fingers": [1], "network": "\x01" * 1500}),
                  session.raw("get_version_info", {})])
    asyncio.run(rpc.serve(link, session.card.dispatcher))  # returns on OSError, never raises
    assert len(link.written) == 2
    assert "error" in cbor.loads(session.host.open(link.written[0]))
    assert cbor.loads(session.host.open(link.written[1]))["result"]["board"] == "fake"


def test_serve_drops_the_central_instead_of_dying_on_an_unframeable_reply():
    d = rpc.Dispatcher()
    d.register("ping", lambda params: "pong")
    link = _Link([rpc.request("1", "ping"), rpc.request("2", "ping")])
    link.max_frame = 8  # every reply is now too large for the link
    asyncio.run(rpc.serve(link, d))  # no FrameError out of serve (the app would end)
    assert link.written == [] and link.requests == [rpc.request("2", "ping")]


# ---- the host cannot silently re-bind the card to another co-signer -------------------------

def _participants(card):
    return sorted(card.wallet.participants)


def test_replacing_the_wallet_needs_the_owner_on_the_card(session):
    # A host (malware) that swaps the co-signer key makes address.show confirm, as "2-of-2",
    # an address the owner's Secret A cannot spend (funds then need the attacker's key too).
    before = _participants(session.card)
    r = session.call("wallet.set", {"participants": [OTHER_KEY, CARD_KEY], "replace": True},
                     answers=[BUTTON])
    assert r["error"]["code"] == rpc.USER_CANCELLED
    assert _participants(session.card) == before
    r = session.call("wallet.set", {"participants": [OTHER_KEY, CARD_KEY], "replace": True},
                     answers=[TIMEOUT])
    assert r["error"]["code"] == rpc.USER_TIMEOUT
    assert _participants(session.card) == before
    # the record on flash is the old one too
    assert sorted(session.card._load_wallet().participants) == before
    r = session.call("wallet.set", {"participants": [OTHER_KEY, CARD_KEY], "replace": True},
                     answers=[FINGER])
    assert set(r["result"]) == {"aggregate_key", "output_key"}
    assert _participants(session.card) == sorted([OTHER_KEY, CARD_KEY])
    assert session.card.fingers.asked == 3


def test_setting_the_same_or_a_first_wallet_needs_no_touch(tmp_path, session):
    r = session.call("wallet.set", {"participants": [CARD_KEY, HOST_KEY]})
    assert "result" in r and session.card.fingers.asked == 0
    fresh = Session(tmp_path / "fresh", WalletRecord(CARD_KEY, None, "regtest"))
    r = fresh.call("wallet.set", {"participants": [HOST_KEY, CARD_KEY]})
    assert "result" in r and fresh.card.fingers.asked == 0
    r = session.call("wallet.set", {"participants": [OTHER_KEY, CARD_KEY]})
    assert r["error"]["code"] == rpc.PROTOCOL_ERROR  # replace=true is still required


# ---- stored records never brick the card ---------------------------------------------------

def test_the_card_boots_past_a_damaged_but_checksummed_wallet_record(tmp_path):
    from bioshard_card.storage import RecordStore

    flash = tmp_path / "flash"
    RecordStore(str(flash)).write("wallet", cbor.dumps([1, 2, 3]))  # valid record, wrong shape
    card = app.Card(FakeBoard(flash))  # not an AttributeError at every boot
    assert card.wallet is None
    assert RecordStore(str(flash)).read("wallet") is None  # dropped; enroll/recover restores it


def test_the_card_boots_past_an_identity_record_holding_key_zero(tmp_path):
    from bioshard_card.storage import RecordStore

    flash = tmp_path / "flash"
    RecordStore(str(flash)).write("identity", b"\x01" + bytes(32))
    card = app.Card(FakeBoard(flash))  # not a TypeError at every boot
    assert card.pairing.identity.seckey != bytearray(32)


# ---- signing: refuse what cannot be signed before asking the owner anything ----------------

def _wallet_psbt():
    from bioshard.wallet import psbt_io
    from bioshard.wallet.keyagg import wallet_keys
    from bioshard.wallet.psbt_build import Utxo, build
    from bioshard_card.btc.address import p2tr_script

    parts, agg, out_key = wallet_keys([HOST_KEY, CARD_KEY])
    own = p2tr_script(out_key)
    friend = bytes.fromhex("0014") + bytes(20)
    p = build([Utxo("11" * 32, 0, 100_000, own)], [(friend, 50_000), (own, 49_000)], agg, parts, out_key)
    return psbt_io.for_card(p)


def _pubnonce():
    return _pub(3) + _pub(5)


def _blob():
    """A structurally valid one-finger helper blob (synthetic minutiae: no real finger)."""
    from bioshard_card.bio import sequence
    from test_fuzzy_synth import finger, impression

    e = sequence.Enrollment()
    e.add(1, [impression(finger(60), i) for i in (1, 2, 3)])
    return e.finish()[1]


def test_a_host_nonce_that_is_not_two_points_is_refused_before_the_review(session):
    # Checked first: otherwise the card would page through the review and read the whole finger
    # sequence, and only then fail inside MuSig2 with an "internal error": the owner's
    # approval spent on a request that can never be signed.
    psbt = _wallet_psbt()
    not_x = b"\x02" + (5).to_bytes(32, "big")  # x = 5 is not on secp256k1
    assert not_x[1:] != _pub(5)[1:]
    for bad in (not_x + _pub(5), _pub(3) + not_x, b"\x05" + _pubnonce()[1:], bytes(66)):
        r = session.call("sign", {"psbt": psbt, "blob": b"\x00", "nonces": [bad]}, answers=[FINGER] * 5)
        assert r["error"]["code"] == rpc.INVALID_PARAMS, r
        assert session.card.fingers.asked == 0
    # control: a good nonce reaches the owner (who rejects on the first page)
    r = session.call("sign", {"psbt": psbt, "blob": _blob(), "nonces": [_pubnonce()]}, answers=[BUTTON])
    assert r["error"]["code"] == rpc.USER_CANCELLED
    assert session.card.fingers.asked == 1



# ---- a pairing window the owner opened does not stay open forever ---------------------------

def test_a_reopened_pairing_window_closes_by_itself(tmp_path, monkeypatch):
    from bioshard_card.proto.pairing_records import PairingRecord
    from bioshard_card.storage import RecordStore

    flash = tmp_path / "flash"
    RecordStore(str(flash)).write("pairing", PairingRecord(bytes(16), bytes(32), CARD_KEY).to_bytes())
    monkeypatch.setattr(app, "LONG_PRESS_MS", 0)
    monkeypatch.setattr(app, "PAIRING_WINDOW_MS", 300, raising=False)
    card = app.Card(FakeBoard(flash))
    assert card.pairing.record is not None and not card.pairing.pairing_open
    btn = card.fingers.button

    async def owner():
        watch = asyncio.ensure_future(card._idle_watch())
        btn.level = 0  # the owner holds the button: pairing opens for a new computer
        for _ in range(50):
            await asyncio.sleep(0.02)
            if card.pairing.pairing_open:
                break
        opened = card.pairing.pairing_open
        btn.level = 1
        await asyncio.sleep(0.8)  # nobody pairs; it must not stay open indefinitely
        watch.cancel()
        return opened, card.pairing.pairing_open

    opened, still_open = asyncio.run(owner())
    assert opened and not still_open
    r = asyncio.run(card.dispatcher.handle(rpc.request("1", "pair.init", {"m": b"\x01\x01" + bytes(32)})))
    assert "not enabled" in cbor.loads(r)["error"]["message"]



# ---- session keys do not outlive the connection --------------------------------------------

class _LazyLink(_Link):
    """Requests are functions of the replies so far (a host reacting to the card)."""

    async def read_frame(self):
        if not self.requests:
            raise OSError("central gone")
        return self.requests.pop(0)(self.written)


def test_the_session_channel_is_closed_and_its_mac_keys_zeroed_when_the_central_leaves(tmp_path):
    from bioshard_card.proto import session_hello
    from bioshard_card.proto.pairing_records import PairingRecord
    from bioshard_card.storage import RecordStore

    flash = tmp_path / "flash"
    pid, k_link = bytes(range(16)), os.urandom(32)
    RecordStore(str(flash)).write("pairing", PairingRecord(pid, k_link, CARD_KEY).to_bytes())
    card = app.Card(FakeBoard(flash))
    hn = os.urandom(16)
    host = {}
    seen = {}

    def hello(written):
        return rpc.request("1", "session.hello", {"m": session_hello.encode_s1(pid, hn)})

    def info(written):
        _, cn, ready = session_hello.decode_s2(cbor.loads(written[0])["result"]["m"])
        host["ch"] = session_channel("host", k_link, hn, cn)
        assert host["ch"].open(ready) == session_hello.session_ready_plaintext()
        ch = card.dispatcher.channel
        seen["macs"] = (ch._mac_send, ch._mac_recv)
        return host["ch"].seal(rpc.request("2", "get_version_info", {}))

    card.link = _LazyLink([hello, info])
    asyncio.run(card._serve_connection())  # hello, one sealed request, then the central leaves
    assert cbor.loads(host["ch"].open(card.link.written[1]))["result"]["paired"] is True
    assert card.dispatcher.channel is None
    macs = seen["macs"]
    assert len(macs[0]) == 32 and not any(macs[0]) and not any(macs[1])  # before: left in the heap


# ---- any params, any method: a bounded reply and a card that still answers ------------------

def test_hostile_params_for_every_method_get_a_framed_reply(tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    s = Session(tmp_path / "flash", WalletRecord(CARD_KEY, [HOST_KEY, CARD_KEY], "regtest"))
    leaf = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(1 << 64) + 1, max_value=(1 << 64) - 1),
                     st.binary(max_size=70), st.text(max_size=40), st.sampled_from([CARD_KEY, HOST_KEY, OTHER_KEY]))
    value = st.recursive(leaf, lambda v: st.lists(v, max_size=6) | st.dictionaries(st.text(max_size=8), v, max_size=4),
                         max_leaves=12)
    keys = st.sampled_from(["fingers", "presses", "network", "replace", "blob", "participants", "psbt",
                            "nonces", "balance", "txs", "m"])
    methods = st.sampled_from(["enroll", "recover", "wallet.set", "sign", "address.show", "portfolio.push",
                               "session.hello", "pair.init", "pair.reveal", "pair.confirm", "get_version_info"])

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(methods, st.dictionaries(keys, value, max_size=5))
    def check(method, params):
        s.card.fingers.answers = []  # the owner never acts: every wait times out at once
        reply = asyncio.run(s.card.dispatcher.handle(s.raw(method, params)))
        assert len(reply) <= frames.MAX_FRAME
        msg = cbor.loads(s.host.open(reply))
        if "error" in msg:
            assert msg["error"]["code"] != rpc.INTERNAL_ERROR, (method, params, msg)
        if method == "session.hello" and "result" in msg:
            return  # (unreachable: the card holds no pairing here)

    check()
    assert s.call("get_version_info", {})["result"]["board"] == "fake"


def test_a_malformed_helper_blob_is_refused_before_the_review(session):
    # The blob is parsed before the owner pages through the review, not after.
    for blob in (b"", b"\x00", b"\xff" * 300):
        r = session.call("sign", {"psbt": _wallet_psbt(), "blob": blob, "nonces": [_pubnonce()]},
                         answers=[FINGER] * 6)
        assert r["error"]["code"] == rpc.INVALID_PARAMS
        assert "blob" in r["error"]["message"]
        assert session.card.fingers.asked == 0
    r = session.call("sign", {"psbt": _wallet_psbt(), "blob": _blob(), "nonces": [_pubnonce()]},
                     answers=[BUTTON])
    assert r["error"]["code"] == rpc.USER_CANCELLED  # control: a good blob reaches the owner


def test_version_info_reports_the_sensor_link_or_why_there_is_none(tmp_path):
    # No bring-up on this board: null. A dead sensor: its named error, not a crash.
    s = Session(tmp_path / "a")
    assert s.call("get_version_info", {})["result"]["sensor"] is None

    class Dead(FakeBoard):
        def sensor_link(self):
            return ZFMNoLink("sensor answers at no baud rate (24 probes)")

    card = app.Card(Dead(str(tmp_path / "b")))
    assert status.version_info(card, {})["sensor"] == {"error": "sensor answers at no baud rate (24 probes)"}


# ---- enroll and recover keep the owner's wallet, or make its successor need the owner -------

def _card_key(secret_b):
    from bioshard_card.crypto.kdf import card_share_pubkey

    return card_share_pubkey(secret_b)


SECRET_B = b"\x11" * 32
OTHER_SECRET_B = b"\x22" * 32


def _fake_bio(monkeypatch, enroll_secret=None, recover_secret=None):
    """Enroll and recover without the fingerprint pipeline: what they derive is scripted."""
    async def enroll(*args, **kw):
        return b"blob", enroll_secret

    async def read_secret_b(*args, **kw):
        return recover_secret

    monkeypatch.setattr(key_share.enroll_flow, "enroll", enroll)
    monkeypatch.setattr(key_share.sign_flow, "read_secret_b", read_secret_b)


def _set_up(tmp_path, name="flash"):
    key = _card_key(SECRET_B)
    return Session(tmp_path / name, WalletRecord(key, [HOST_KEY, key], "regtest")), key


def test_recover_deriving_the_same_key_keeps_the_co_signer_and_network(tmp_path, monkeypatch):
    # Were recover to write the record with no participants, the host's next wallet.set
    # would install any co-signer (and the recover's network) without the owner.
    s, key = _set_up(tmp_path)
    _fake_bio(monkeypatch, recover_secret=SECRET_B)
    r = s.call("recover", {"blob": b"blob", "network": "main", "replace": True})["result"]
    assert r == {"pubkey": key, "network": "regtest", "wallet": True, "factor": False}
    for card in (s.card, app.Card(FakeBoard(tmp_path / "flash"))):  # also after a reboot
        assert card.wallet.participants == sorted([HOST_KEY, key]) and card.wallet.network == "regtest"
    r = s.call("wallet.set", {"participants": [OTHER_KEY, key]})
    assert r["error"]["code"] == rpc.PROTOCOL_ERROR  # another co-signer: replace + the owner
    r = s.call("wallet.set", {"participants": [OTHER_KEY, key], "replace": True}, answers=[BUTTON])
    assert r["error"]["code"] == rpc.USER_CANCELLED
    assert s.card.wallet.participants == sorted([HOST_KEY, key])
    r = s.call("wallet.set", {"participants": [key, HOST_KEY]})  # the same wallet: no touch
    assert "result" in r and s.card.fingers.asked == 1  # only the rejected REPLACE asked


def _replaced_key_needs_the_owner(s, flash, new_key):
    assert not s.card.wallet.ready and s.card.wallet.card_key == new_key
    assert app.Card(FakeBoard(flash)).wallet.replacing  # kept on flash across a reboot
    r = s.call("wallet.set", {"participants": [OTHER_KEY, new_key]})
    assert r["error"]["code"] == rpc.PROTOCOL_ERROR and s.card.fingers.asked == 0
    for answer, code in ((BUTTON, rpc.USER_CANCELLED), (TIMEOUT, rpc.USER_TIMEOUT)):
        r = s.call("wallet.set", {"participants": [OTHER_KEY, new_key], "replace": True}, answers=[answer])
        assert r["error"]["code"] == code
        assert not s.card.wallet.ready and s.card._load_wallet().replacing
    r = s.call("wallet.set", {"participants": [OTHER_KEY, new_key], "replace": True}, answers=[FINGER])
    assert set(r["result"]) == {"aggregate_key", "output_key"}
    assert s.card.wallet.participants == sorted([OTHER_KEY, new_key])
    assert not s.card._load_wallet().replacing  # the owner confirmed: an ordinary wallet again
    r = s.call("wallet.set", {"participants": [new_key, OTHER_KEY]})
    assert "result" in r and s.card.fingers.asked == 3


def test_recover_with_other_fingers_makes_the_next_co_signer_need_the_owner(tmp_path, monkeypatch):
    s, key = _set_up(tmp_path)
    new_key = _card_key(OTHER_SECRET_B)
    _fake_bio(monkeypatch, recover_secret=OTHER_SECRET_B)
    r = s.call("recover", {"blob": b"blob", "network": "main", "replace": True})["result"]
    assert r == {"pubkey": new_key, "network": "main", "wallet": False, "factor": False}
    _replaced_key_needs_the_owner(s, tmp_path / "flash", new_key)


def test_enroll_over_a_set_up_wallet_makes_the_next_co_signer_need_the_owner(tmp_path, monkeypatch):
    s, key = _set_up(tmp_path)
    new_key = _card_key(OTHER_SECRET_B)
    _fake_bio(monkeypatch, enroll_secret=OTHER_SECRET_B)
    r = s.call("enroll", {"fingers": [1], "network": "main", "replace": True})["result"]
    assert r["pubkey"] == new_key
    _replaced_key_needs_the_owner(s, tmp_path / "flash", new_key)


def test_a_first_wallet_after_enroll_or_recover_on_a_new_card_needs_no_touch(tmp_path, monkeypatch):
    # Nothing to protect yet: the owner checks the new wallet's address with address.show.
    key = _card_key(SECRET_B)
    _fake_bio(monkeypatch, enroll_secret=SECRET_B, recover_secret=SECRET_B)
    for method, params in (("enroll", {"fingers": [1], "network": "test"}), ("recover", {"blob": b"b", "network": "test"})):
        s = Session(tmp_path / method)
        assert s.call(method, params)["result"]["pubkey"] == key
        assert not s.card.wallet.replacing and s.card.wallet.network == "test"
        assert "result" in s.call("wallet.set", {"participants": [HOST_KEY, key]})
        assert s.card.fingers.asked == 0


# ---- the card factor: one OPRF round trip through the host, nothing written before it ----------

def _service_key():
    from bioshard_backup import oprf as service

    return service.generate_key()


def test_card_factor_enroll_then_sign_key_needs_the_factor(tmp_path, monkeypatch):
    from bioshard_backup import oprf as service
    from bioshard_card.bio.card_factor import mix

    k = _service_key()
    _fake_bio(monkeypatch, enroll_secret=SECRET_B, recover_secret=SECRET_B)
    s = Session(tmp_path / "flash")
    r = s.call("enroll", {"fingers": [1], "network": "regtest", "factor": True})["result"]
    assert set(r) == {"blob", "blinded"} and s.card.wallet is None  # nothing written yet
    done = s.call("factor.finish", {"evaluated": service.evaluate(k, r["blinded"])})["result"]
    assert done["factor"] is True
    key = done["pubkey"]
    assert key != _card_key(SECRET_B)                     # the fingers alone give another key
    factor = app.Card(FakeBoard(tmp_path / "flash")).wallet.factor  # kept on flash
    assert key == _card_key(mix(SECRET_B, factor))
    # wallet.set keeps the factor (and a new card gets the same one from the service)
    assert "result" in s.call("wallet.set", {"participants": [HOST_KEY, key]})
    assert s.card.wallet.factor == factor
    s2 = Session(tmp_path / "new-card")
    r = s2.call("recover", {"blob": b"blob", "network": "regtest", "factor": True})["result"]
    done = s2.call("factor.finish", {"evaluated": service.evaluate(k, r["blinded"])})["result"]
    assert done["pubkey"] == key and s2.card.wallet.factor == factor
    # another service key (a forged answer) derives another key share, which the host rejects
    s3 = Session(tmp_path / "forged")
    r = s3.call("recover", {"blob": b"blob", "network": "regtest", "factor": True})["result"]
    forged = s3.call("factor.finish", {"evaluated": service.evaluate(_service_key(), r["blinded"])})["result"]
    assert forged["pubkey"] != key


def test_card_factor_answer_must_follow_its_request(tmp_path, monkeypatch):
    from bioshard_backup import oprf as service

    k = _service_key()
    _fake_bio(monkeypatch, recover_secret=SECRET_B)
    s = Session(tmp_path / "flash")
    r = s.call("factor.finish", {"evaluated": b"\x02" * 33})
    assert r["error"]["code"] == rpc.PROTOCOL_ERROR and "no card factor request" in r["error"]["message"]
    r = s.call("recover", {"blob": b"blob", "network": "regtest", "factor": True})["result"]
    s.call("address.show", {"index": 0})  # any other request discards the pending one
    r2 = s.call("factor.finish", {"evaluated": service.evaluate(k, r["blinded"])})
    assert "no card factor request" in r2["error"]["message"] and s.card.wallet is None
    r = s.call("recover", {"blob": b"blob", "network": "regtest", "factor": True})["result"]
    bad = s.call("factor.finish", {"evaluated": b"\x02" + b"\xff" * 32})
    assert bad["error"]["code"] == rpc.INVALID_PARAMS and "not a secp256k1 point" in bad["error"]["message"]
    assert s.card.wallet is None and s.card.factor_request is None


# ---- pairing is a numeric comparison the owner makes on the card ----------------------------

class _PairingHost:
    """A host speaking pair.* to the Card's dispatcher (unsealed, as before any session)."""

    def __init__(self, card):
        self.card = card
        self.n = 0

    def call(self, method, params, answers=None):
        if answers is not None:
            self.card.fingers.answers = list(answers)
        self.n += 1
        reply = cbor.loads(asyncio.run(self.card.dispatcher.handle(rpc.request(str(self.n), method, params))))
        return reply


def _screens_of(card):
    shown = []
    orig = card.display.show_async

    async def record(fn, *args, **kw):
        shown.append((fn.__name__, args))
        return await orig(fn, *args, **kw)

    card.display.show_async = record
    return shown


def _run_pairing(card, answers):
    """The real host half (host/bioshard/pairing.py) against the card: (host code, reply)."""
    from bioshard.pairing import HostPairing

    h = _PairingHost(card)
    hp = HostPairing()
    m2 = h.call("pair.init", {"m": hp.start()})["result"]["m"]
    assert "result" in h.call("pair.reveal", {"m": hp.on_card(m2)})
    return hp, h.call("pair.confirm", {"m": hp.confirm()}, answers)


def test_the_card_and_the_host_show_the_same_code_and_the_owner_decides(tmp_path):
    card = app.Card(FakeBoard(tmp_path / "flash"))
    card.fingers = ScriptedFingers()
    shown = _screens_of(card)
    hp, r = _run_pairing(card, [FINGER])
    assert "result" in r and card.pairing.record is not None
    # Both screens carry the host's own code: the owner compares two displays.
    assert ("pairing", (hp.code,)) in shown and ("pair_confirm", (hp.code,)) in shown
    assert "pair_replace" not in [n for n, _ in shown]  # nothing to replace on a new card


def test_a_rogue_host_cannot_replace_the_pairing_with_the_final_touch_alone(tmp_path):
    from bioshard_card.proto.pairing_records import PairingRecord
    from bioshard_card.storage import RecordStore

    flash = tmp_path / "flash"
    owners = PairingRecord(bytes(range(16)), os.urandom(32), CARD_KEY)
    RecordStore(str(flash)).write("pairing", owners.to_bytes())
    card = app.Card(FakeBoard(flash))
    card.fingers = ScriptedFingers()
    shown = _screens_of(card)
    for answers in ([FINGER], [FINGER, BUTTON], [FINGER, TIMEOUT]):
        card.pairing.open_pairing()  # the owner opened the window, e.g. for a new computer
        del shown[:]
        _, r = _run_pairing(card, answers)
        assert r["error"]["code"] == rpc.USER_CANCELLED, r
        assert "keeps its current pairing" in r["error"]["message"]
        assert [n for n, _ in shown if n.startswith("pair")][-2:] == ["pair_confirm", "pair_replace"]
        assert card.pairing.record.pairing_id == owners.pairing_id
        assert PairingRecord.from_bytes(RecordStore(str(flash)).read("pairing")).k_link == owners.k_link
    card.pairing.open_pairing()
    hp, r = _run_pairing(card, [FINGER, FINGER])  # the owner confirms both: a new computer
    assert "result" in r and card.pairing.record.pairing_id != owners.pairing_id


def test_a_host_in_the_middle_shows_another_code_than_the_card(tmp_path):
    # Mallory relays between the owner's computer and the card, with her own keys each way.
    # Each side's code then depends on values the other side fixed after her commitment: the
    # computer prints one code, the card shows another, and the owner rejects on the card.
    from bioshard.pairing import HostPairing
    from bioshard_card.proto.pairing_card import CardPairing
    from bioshard_card.proto.pairing_records import CardIdentity

    card = app.Card(FakeBoard(tmp_path / "flash"))
    card.fingers = ScriptedFingers()
    shown = _screens_of(card)
    h = _PairingHost(card)
    owner = HostPairing()
    to_card = HostPairing()
    to_owner = CardPairing(CardIdentity.generate())
    fake_m2 = to_owner.handle_init(owner.start())
    m2 = h.call("pair.init", {"m": to_card.start()})["result"]["m"]
    to_owner.handle_reveal(owner.on_card(fake_m2))
    h.call("pair.reveal", {"m": to_card.on_card(m2)})
    card_code = [a[0] for n, a in shown if n == "pairing"][-1]
    assert owner.code != card_code  # what the owner compares
    r = h.call("pair.confirm", {"m": to_card.confirm()}, [BUTTON])  # different: the owner rejects
    assert r["error"]["code"] == rpc.USER_CANCELLED and card.pairing.record is None


def test_a_pairing_the_computer_walked_away_from_is_dropped_and_the_code_leaves_the_screen(tmp_path):
    # The owner saw two different codes and said so on the computer, which then disconnects
    # without M4: the card must not keep the run and the code on its panel.
    from bioshard.pairing import HostPairing

    card = app.Card(FakeBoard(tmp_path / "flash"))
    card.fingers = ScriptedFingers()
    shown = _screens_of(card)
    hp = HostPairing()

    def init(written):
        return rpc.request("1", "pair.init", {"m": hp.start()})

    def reveal(written):
        return rpc.request("2", "pair.reveal", {"m": hp.on_card(cbor.loads(written[0])["result"]["m"])})

    card.link = _LazyLink([init, reveal])
    asyncio.run(card._serve_connection())
    assert shown[-2] == ("pairing", (hp.code,)) and shown[-1][0] == "setup"
    assert card.pairing._pairing is None and card.pairing.pairing_open  # a new card stays open
    assert card.pairing.record is None
