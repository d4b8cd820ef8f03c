# Security review: the card's stored records must never break boot, and wallet.set's
# participants are checked for type and size before anything is allocated from them.
from ptest import raises

from bioshard_card.crypto import secp256k1 as ec
from bioshard_card.proto import cbor
from bioshard_card.proto.pairing_codec import PairingError
from bioshard_card.proto.pairing_records import CardIdentity
from bioshard_card.wallet_record import WalletRecord, WalletRecordError

CARD = ec.cbytes(ec.mul_g(7))
HOST = ec.cbytes(ec.mul_g(11))


def test_a_wallet_record_that_is_not_a_map_is_a_damaged_record():
    # Not an AttributeError ('list' has no .get), which app._load_wallet does not catch: such
    # a record on flash would stop the card at every boot.
    for payload in ([1], 5, "wallet", None, b"\x00", [CARD, [HOST, CARD], "main"]):
        raises(WalletRecordError, WalletRecord.from_bytes, cbor.dumps(payload))


def test_a_wallet_record_with_wrong_field_types_is_a_damaged_record():
    good = {"v": 1, "card": CARD, "keys": [HOST, CARD], "net": "regtest"}
    assert WalletRecord.from_bytes(cbor.dumps(good)).participants is not None
    for k, bad in (("card", 5), ("card", "x" * 33), ("keys", "ab"), ("keys", [1, 2]),
                   ("keys", {1: 2}), ("net", ["main"]), ("net", 1), ("v", "1")):
        d = dict(good)
        d[k] = bad
        raises(WalletRecordError, WalletRecord.from_bytes, cbor.dumps(d))
    raises(WalletRecordError, WalletRecord.from_bytes, b"\xff\x00")  # not CBOR at all


def test_participants_are_type_checked_before_any_allocation():
    # bytes(n) of a host-sent integer would allocate n bytes: on the card a MemoryError (and a
    # fragmented heap) instead of a refusal naming the problem.
    w = WalletRecord(CARD)
    for bad in ([1 << 30, CARD], [CARD, 1 << 30], [CARD, -1], [CARD, "02" * 33], [CARD, [2] * 33],
                [CARD, None], [CARD], [CARD, HOST, HOST], [CARD, HOST[:32]]):
        raises(WalletRecordError, w.set_participants, bad)
    assert w.participants is None
    w.set_participants([HOST, bytearray(CARD)])
    assert w.participants is not None


def test_an_identity_record_with_an_invalid_key_is_refused_as_a_record():
    # A zero (or >= n) identity key made ec_pubkey fail with TypeError, which PairingService
    # does not catch at boot; it must be a PairingError (record dropped, a new one made).
    n = ec.N
    for sk in (bytes(32), n.to_bytes(32, "big"), (n + 1).to_bytes(32, "big"), b"\xff" * 32):
        raises(PairingError, CardIdentity.from_bytes, b"\x01" + sk)
    assert CardIdentity.from_bytes(b"\x01" + (5).to_bytes(32, "big")).pub == ec.cbytes(ec.mul_g(5))


def test_the_successor_of_a_set_up_wallet_keeps_it_or_is_marked_as_replacing():
    OTHER = ec.cbytes(ec.mul_g(13))
    w = WalletRecord(CARD, [HOST, CARD], "regtest")
    same = w.successor(CARD, "main")  # same key: the owner's wallet, whatever the host asks
    assert same.participants == w.participants and same.network == "regtest" and not same.replacing
    new = w.successor(OTHER, "main")
    assert new.participants is None and new.network == "main" and new.replacing
    back = WalletRecord.from_bytes(new.to_bytes())
    assert back.replacing and back.card_key == OTHER
    assert new.successor(CARD, "test").replacing  # still no confirmed co-signer: still replacing
    fresh = WalletRecord(CARD, None, "test").successor(OTHER, "main")
    assert not fresh.replacing and not WalletRecord.from_bytes(fresh.to_bytes()).replacing
    d = {"v": 1, "card": CARD, "keys": [], "net": "main", "rep": 1}
    raises(WalletRecordError, WalletRecord.from_bytes, cbor.dumps(d))
