# What the card remembers about its wallet: public data only (never Secret B or a share).
#
#   card_key      33-byte plain pubkey of the card's share (from enrollment)
#   participants  the two plain pubkeys in BIP-327 key_sort order (host's and the card's)
#   network       "main" | "test" | "signet" | "regtest"
# From these the card computes the aggregate key and the Taproot output key itself, so a
# host cannot make it call a foreign output "change".
from .crypto import musig2_keyagg as ka
from .crypto import taproot
from .proto import cbor

VERSION = 1
NETWORKS = ("main", "test", "signet", "regtest")


class WalletRecordError(ValueError):
    pass


class WalletRecord:
    def __init__(self, card_key, participants=None, network="main"):
        if len(card_key) != 33 or card_key[0] not in (2, 3):
            raise WalletRecordError("card key must be a 33-byte compressed pubkey")
        if network not in NETWORKS:
            raise WalletRecordError("unknown network")
        self.card_key = bytes(card_key)
        self.participants = None
        self.network = network
        self.agg_key = None
        self.output_key = None
        if participants is not None:
            self.set_participants(participants)

    def set_participants(self, participants):
        # Types and sizes first: bytes(k) of a host-sent integer would allocate k bytes.
        if not isinstance(participants, (list, tuple)) or len(participants) != 2:
            raise WalletRecordError("a 2-of-2 wallet needs this card's key and one other key")
        for k in participants:
            if not isinstance(k, (bytes, bytearray)) or len(k) != 33 or k[0] not in (2, 3):
                raise WalletRecordError("participant keys must be 33-byte compressed pubkeys")
        keys = [bytes(k) for k in participants]
        if self.card_key not in keys or keys[0] == keys[1]:
            raise WalletRecordError("a 2-of-2 wallet needs this card's key and one other key")
        keys = ka.key_sort(keys)
        try:
            ctx = ka.key_agg(keys)  # also validates both points
        except Exception:
            raise WalletRecordError("participant key is not a valid point")
        self.participants = keys
        self.agg_key = ka.get_plain_pk(ctx)
        self.output_key = taproot.output_key(self.agg_key[1:])[0]

    @property
    def ready(self):
        return self.participants is not None

    def tweaks(self):
        """(tweaks, is_xonly) for MuSig2: the BIP-341 key-path tweak of the aggregate key."""
        return [taproot.tap_tweak(self.agg_key[1:])], [True]

    def to_bytes(self):
        return cbor.dumps({"v": VERSION, "card": self.card_key, "keys": self.participants or [],
                           "net": self.network})

    @classmethod
    def from_bytes(cls, b):
        # Whatever the bytes, the answer is a record or WalletRecordError: the app drops a
        # damaged record at boot, but any other exception here would stop every boot.
        try:
            d = cbor.loads(b)
            if type(d) is not dict:
                raise WalletRecordError("damaged wallet record")
            if d.get("v") != VERSION:
                raise WalletRecordError("unsupported wallet record version")
            card, keys, net = d["card"], d["keys"], d["net"]
            if not isinstance(card, (bytes, bytearray)) or type(keys) is not list or type(net) is not str:
                raise WalletRecordError("damaged wallet record")
            return cls(card, keys or None, net)
        except MemoryError:
            raise
        except WalletRecordError:
            raise
        except Exception:
            raise WalletRecordError("damaged wallet record")
