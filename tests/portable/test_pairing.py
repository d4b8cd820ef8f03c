# heapsize: 2m  (the secp256k1 G table is 16 KB of source to compile; on the card it is a .mpy)
# Card-side pairing protocol under both interpreters. The "host" here is a small stand-in built
# from the same shared functions and the card's portable secp256k1; the real host (coincurve)
# is exercised against the card under micropython in tests/card/test_channel_pairing_interop.py.
import hashlib

from ptest import raises

from bioshard_card.proto import pairing_codec as codec
from bioshard_card.proto import pairing_keys as keys
from bioshard_card.proto import session_hello as hello
from bioshard_card.proto.pairing_card import CardPairing
from bioshard_card.proto.pairing_records import CardIdentity, PairingRecord
from bioshard_card.proto.secure_channel import AuthError


class Rng:
    """Deterministic test randomness (SHA-256 counter stream), never used outside tests."""

    def __init__(self, seed):
        self.seed = seed
        self.i = 0

    def __call__(self, n):
        out = b""
        while len(out) < n:
            self.i += 1
            out += hashlib.sha256(self.seed + self.i.to_bytes(4, "big")).digest()
        return out[:n]


class MiniHost:
    def __init__(self, rng):
        self.eph = keys.new_seckey(rng)
        self.pub = keys.ec_pubkey(self.eph)
        self.nonce = rng(codec.NONCE_LEN)

    def m1(self):
        self._m1 = codec.encode_m1(keys.commitment(self.pub, self.nonce))
        return self._m1

    def m3(self, m2):
        card_id, card_eph, _ = codec.decode_m2(m2)
        m3 = codec.encode_m3(self.pub, self.nonce)
        self.t = keys.transcript_hash(self._m1, m2, m3)
        self.k_link, self.k_confirm = keys.derive_keys(keys.ec_ecdh(self.eph, card_eph), keys.ec_ecdh(self.eph, card_id), self.t)
        self.card_id = card_id
        return m3

    def m4(self):
        return bytes((codec.M4_HOST_CONFIRM,)) + keys.confirm_mac(self.k_confirm, b"host", self.t)


def _identity(seed=b"card"):
    return CardIdentity.generate(Rng(seed + b"/id"))


def _pair(seed=b"s"):
    ident = _identity()
    host = MiniHost(Rng(seed + b"/host"))
    card = CardPairing(ident, Rng(seed + b"/card"))
    m2 = card.handle_init(host.m1())
    code = card.handle_reveal(host.m3(m2))
    return ident, host, card, code


def test_full_pairing_agrees_and_records_match():
    ident, host, card, code = _pair()
    assert len(code) == 6 and code.isdigit()
    assert code == keys.sas_code(host.t)
    card.handle_host_confirm(host.m4())
    m5, rec = card.finish()
    assert m5 == bytes((codec.M5_CARD_CONFIRM,)) + keys.confirm_mac(host.k_confirm, b"card", host.t)
    assert bytes(rec.k_link) == host.k_link
    assert rec.card_id_pub == ident.pub == host.card_id
    assert rec.pairing_id == host.t[:16]
    assert PairingRecord.from_bytes(rec.to_bytes()).to_bytes() == rec.to_bytes()


def test_session_hello_and_sealed_messages():
    ident, host, card, _ = _pair()
    card.handle_host_confirm(host.m4())
    _, rec = card.finish()
    from bioshard_card.proto.secure_channel import session_channel

    hn = bytes(range(16))
    reply, card_ch = hello.card_session_accept(hello.encode_s1(rec.pairing_id, hn), rec, Rng(b"sess"))
    card_id, cn, ready = hello.decode_s2(reply)
    assert card_id == ident.pub
    host_ch = session_channel("host", host.k_link, hn, cn)
    assert host_ch.open(ready) == hello.session_ready_plaintext()
    assert card_ch.open(host_ch.seal(b"get_xpub")) == b"get_xpub"
    assert host_ch.open(card_ch.seal(b"xpub...")) == b"xpub..."
    # A second connection gets different keys: the first session's frames do not open.
    reply2, card_ch2 = hello.card_session_accept(hello.encode_s1(rec.pairing_id, hn), rec, Rng(b"sess2"))
    raises(AuthError, card_ch2.open, host_ch.seal(b"old session"))


def test_unknown_pairing_is_refused():
    _, host, card, _ = _pair()
    card.handle_host_confirm(host.m4())
    _, rec = card.finish()
    reply, ch = hello.card_session_accept(hello.encode_s1(bytes(16), bytes(16)), rec)
    assert ch is None
    raises(hello.NotPairedError, hello.decode_s2, reply)
    reply, ch = hello.card_session_accept(hello.encode_s1(bytes(16), bytes(16)), None)
    assert ch is None


def test_code_is_deterministic_in_transcript_and_sensitive_to_it():
    t = hashlib.sha256(b"x").digest()
    assert keys.sas_code(t) == keys.sas_code(t)
    codes = set()
    for i in range(50):
        codes.add(keys.sas_code(hashlib.sha256(bytes((i,))).digest()))
    assert len(codes) >= 48
    for c in codes:
        assert len(c) == 6 and c.isdigit()


def test_broken_commitment_rejected():
    ident = _identity()
    host = MiniHost(Rng(b"h"))
    card = CardPairing(ident, Rng(b"c"))
    m2 = card.handle_init(host.m1())
    other = MiniHost(Rng(b"other"))
    other._m1 = host._m1
    raises(codec.PairingError, card.handle_reveal, other.m3(m2))
    # and the pairing is dead afterwards
    raises(codec.PairingStateError, card.handle_reveal, host.m3(m2))


def test_invalid_host_point_rejected():
    ident = _identity()
    bad_pub = b"\x02" + b"\xff" * 32  # x >= p: not a point
    nonce = bytes(32)
    m1 = codec.encode_m1(keys.commitment(bad_pub, nonce))
    card = CardPairing(ident, Rng(b"c"))
    card.handle_init(m1)
    raises(codec.PairingError, card.handle_reveal, codec.encode_m3(bad_pub, nonce))


def test_bad_host_confirmation_rejected():
    _, host, card, _ = _pair()
    m4 = bytearray(host.m4())
    m4[5] ^= 1
    raises(codec.PairingError, card.handle_host_confirm, bytes(m4))
    raises(codec.PairingStateError, card.finish)


def test_messages_out_of_order_and_malformed():
    ident = _identity()
    host = MiniHost(Rng(b"h"))
    card = CardPairing(ident, Rng(b"c"))
    raises(codec.PairingStateError, card.finish)
    card = CardPairing(ident, Rng(b"c"))
    raises(codec.PairingError, card.handle_init, b"\x01\x02" + bytes(32))  # wrong version
    card = CardPairing(ident, Rng(b"c"))
    raises(codec.PairingError, card.handle_init, host.m1()[:-1])
    card = CardPairing(ident, Rng(b"c"))
    m2 = card.handle_init(host.m1())
    raises(codec.PairingStateError, card.handle_init, host.m1())


def test_mitm_substituting_keys_sees_different_codes():
    # The attacker runs its own host towards the card and its own card towards the host.
    # It must commit towards the card (as host) before it sees the card's key, and answer the
    # host (as card) before the host reveals: the two codes are independent.
    ident = _identity()
    mallory_card_id = _identity(b"mallory")
    for trial in range(3):
        s = bytes((trial,))
        host = MiniHost(Rng(b"host" + s))
        card = CardPairing(ident, Rng(b"card" + s))
        m_host = MiniHost(Rng(b"mh" + s))            # Mallory's host-side
        m_card = CardPairing(mallory_card_id, Rng(b"mc" + s))  # Mallory's card-side
        m1 = host.m1()
        m2_fake = m_card.handle_init(m1)             # answers the real host
        m2 = card.handle_init(m_host.m1())           # talks to the real card
        m3 = host.m3(m2_fake)
        code_host = m_card.handle_reveal(m3)
        code_card = card.handle_reveal(m_host.m3(m2))
        assert code_host == keys.sas_code(host.t)
        assert code_host != code_card
        assert host.k_link != m_host.k_link


def test_identity_roundtrip():
    ident = _identity()
    again = CardIdentity.from_bytes(ident.to_bytes())
    assert again.pub == ident.pub and len(ident.pub) == 33
    raises(codec.PairingError, CardIdentity.from_bytes, b"\x02" + bytes(32))
