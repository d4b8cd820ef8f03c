# What pairing leaves behind, as the bytes the card keeps in its flash records (storage.py):
# `identity`, the card's long-term key, and `pairing`, the paired host's link key. The host
# keeps the same PairingRecord in its own file (host/bioshard/pairing.py). Neither holds
# Secret B or anything biometric.
import os

from bioshard_card.proto.pairing_codec import PUB_LEN, PairingError
from bioshard_card.proto.pairing_keys import PAIRING_ID_LEN, ec_pubkey, new_seckey, valid_seckey, wipe


class PairingRecord:
    """pairing_id, k_link and card_id_pub: what each side keeps after pairing."""

    FORMAT = 1

    def __init__(self, pid, k_link, card_id_pub):
        self.pairing_id = bytes(pid)
        self.k_link = bytearray(k_link)
        self.card_id_pub = bytes(card_id_pub)

    def to_bytes(self):
        return bytes((self.FORMAT,)) + self.pairing_id + bytes(self.k_link) + self.card_id_pub

    @classmethod
    def from_bytes(cls, b):
        if len(b) != 1 + PAIRING_ID_LEN + 32 + PUB_LEN or b[0] != cls.FORMAT:
            raise PairingError("bad pairing record")
        return cls(b[1:17], b[17:49], b[49:82])

    def wipe(self):
        wipe(self.k_link)


class CardIdentity:
    """The card's long-term identity key: lets a host tell its card from another one."""

    FORMAT = 1

    def __init__(self, seckey, pubkey_fn=ec_pubkey):
        self.seckey = bytearray(seckey)
        self.pub = pubkey_fn(self.seckey)

    @classmethod
    def generate(cls, rng=os.urandom, pubkey_fn=ec_pubkey):
        return cls(new_seckey(rng), pubkey_fn)

    def to_bytes(self):
        return bytes((self.FORMAT,)) + bytes(self.seckey)

    @classmethod
    def from_bytes(cls, b, pubkey_fn=ec_pubkey):
        if len(b) != 33 or b[0] != cls.FORMAT or not valid_seckey(b[1:]):
            # an invalid key would fail later in ec_pubkey with an error boot does not expect
            raise PairingError("bad identity record")
        return cls(b[1:], pubkey_fn)
