# What the card remembers about its wallet: public data, and the card factor (never Secret B or
# a share).
#
#   card_key      33-byte plain pubkey of the card's share (from enrollment)
#   participants  the two plain pubkeys in BIP-327 key_sort order (host's and the card's)
#   network       "main" | "test" | "signet" | "regtest"
#   replacing     the card key of a set-up wallet was replaced (enroll, or recover with other
#                 fingers or blob): the next co-signer is a change of wallet, so wallet.set
#                 asks the owner on the card even though this record has no participants yet
#   factor        32-byte card factor mixed into Secret B (bio/card_factor.py), or None for a
#                 wallet enrolled without the backup service (fingers alone). Secret: on real
#                 boards the flash is encrypted; a new card gets it back only through the service
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
    def __init__(self, card_key, participants=None, network="main", replacing=False, factor=None):
        if len(card_key) != 33 or card_key[0] not in (2, 3):
            raise WalletRecordError("card key must be a 33-byte compressed pubkey")
        if network not in NETWORKS:
            raise WalletRecordError("unknown network")
        if factor is not None and (not isinstance(factor, (bytes, bytearray)) or len(factor) != 32):
            raise WalletRecordError("card factor must be 32 bytes")
        self.factor = None if factor is None else bytes(factor)
        self.card_key = bytes(card_key)
        self.participants = None
        self.network = network
        self.replacing = bool(replacing)
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

    def successor(self, card_key, network, factor=None):
        """The record an enroll or recover that derived `card_key` writes over this one.

        The same key keeps the participants and the network: the owner's wallet is unchanged
        (a network the host asks for is ignored here; the reply says which one the card kept).
        Another key cannot keep participants that name the old key, so the record starts empty
        but remembers that it replaced a set-up wallet: the co-signer that follows needs the
        owner's confirmation on the card (the host must not choose it and the network alone)."""
        if self.ready and bytes(card_key) == self.card_key:
            return WalletRecord(card_key, self.participants, self.network, factor=factor)
        return WalletRecord(card_key, None, network, self.ready or self.replacing, factor)

    def with_participants(self, participants):
        """A copy of this record (same key, network and card factor) for another co-signer;
        WalletRecordError when the keys do not make a 2-of-2 wallet with this card."""
        w = WalletRecord(self.card_key, None, self.network, factor=self.factor)
        w.set_participants(participants)
        return w

    def share_seed(self, secret_b):
        """What the card's key share derives from: Secret B mixed with the card factor, if any."""
        if self.factor is None:
            return secret_b
        from .bio.card_factor import mix

        return mix(secret_b, self.factor)

    def tweaks(self):
        """(tweaks, is_xonly) for MuSig2: the BIP-341 key-path tweak of the aggregate key."""
        return [taproot.tap_tweak(self.agg_key[1:])], [True]

    def to_bytes(self):
        d = {"v": VERSION, "card": self.card_key, "keys": self.participants or [], "net": self.network}
        if self.replacing:
            d["rep"] = True
        if self.factor is not None:
            d["cf"] = self.factor
        return cbor.dumps(d)

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
            card, keys, net, rep = d["card"], d["keys"], d["net"], d.get("rep", False)
            if not isinstance(card, (bytes, bytearray)) or type(keys) is not list or type(net) is not str \
                    or type(rep) is not bool:
                raise WalletRecordError("damaged wallet record")
            return cls(card, keys or None, net, rep, d.get("cf"))
        except MemoryError:
            raise
        except WalletRecordError:
            raise
        except Exception:
            raise WalletRecordError("damaged wallet record")
