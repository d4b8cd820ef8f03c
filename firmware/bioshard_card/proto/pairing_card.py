# The card's half of pairing: a state machine over the messages M1..M5 (pairing_codec.py).
#
# BLE "Just Works" gives no MITM protection and host BLE stacks cannot drive passkey entry, so
# the authentication is ours, on top of the link (docs/protocol-pairing.md has the full flow):
# both sides show the 6-digit SAS (pairing_keys.py) after M3, the card on e-ink and the host on
# its screen, and the owner confirms on the card that the two codes are the same. M4 proves
# only that the peer holds this run's keys: a man in the middle holds them too. What stops her
# is the owner seeing two different codes, which is why the decision is the owner's on the card
# (pairing_service.py asks) and never follows from a valid M4 alone.
import os

from bioshard_card.crypto.hmac_sha256 import ct_equal
from bioshard_card.proto.pairing_codec import (
    M4_HOST_CONFIRM, M5_CARD_CONFIRM, NONCE_LEN, PairingError, PairingStateError,
    decode_confirm, decode_m1, decode_m3, encode_confirm, encode_m2)
from bioshard_card.proto.pairing_keys import (
    commitment, confirm_mac, derive_keys, ec_ecdh, ec_pubkey, new_seckey, pairing_id, sas_code,
    transcript_hash, wipe)
from bioshard_card.proto.pairing_records import PairingRecord

_ST_INIT, _ST_SENT_M2, _ST_SAS, _ST_CONFIRMED, _ST_DONE, _ST_FAILED = 0, 1, 2, 3, 4, 5


class CardPairing:
    """Card half of pairing. The app drives it:

        m2 = p.handle_init(m1)
        sas = p.handle_reveal(m3)          -> show sas on the e-ink panel
        p.handle_host_confirm(m4)          -> the peer holds this run's keys (not: "is the owner's")
        (ask the owner to compare the codes on the card; abort() if they reject)
        m5, record = p.finish()            -> store record, send m5

    Any error leaves the object failed and wiped; start a new CardPairing to retry."""

    def __init__(self, identity, rng=os.urandom, ecdh=ec_ecdh, pubkey_fn=ec_pubkey):
        self._id = identity
        self._rng = rng
        self._ecdh = ecdh
        self._pubkey = pubkey_fn
        self._state = _ST_INIT
        self._eph = None
        self._t = None
        self._k_link = None
        self._k_confirm = None

    def _expect(self, st):
        if self._state != st:
            self.abort()
            raise PairingStateError("pairing message out of order")

    def handle_init(self, m1):
        self._expect(_ST_INIT)
        try:
            self._commit = decode_m1(m1)
        except PairingError:
            self.abort()
            raise
        self._m1 = bytes(m1)
        self._eph = new_seckey(self._rng)
        self._nonce = self._rng(NONCE_LEN)
        self._m2 = encode_m2(self._id.pub, self._pubkey(self._eph), self._nonce)
        self._state = _ST_SENT_M2
        return self._m2

    def handle_reveal(self, m3):
        self._expect(_ST_SENT_M2)
        try:
            host_pub, host_nonce = decode_m3(m3)
            if not ct_equal(commitment(host_pub, host_nonce), self._commit):
                raise PairingError("host key does not match its commitment")
            ee = self._ecdh(self._eph, host_pub)
            es = self._ecdh(self._id.seckey, host_pub)
        except ValueError:
            self.abort()
            raise PairingError("invalid host key")
        except PairingError:
            self.abort()
            raise
        wipe(self._eph)
        self._t = transcript_hash(self._m1, self._m2, m3)
        self._k_link, self._k_confirm = derive_keys(ee, es, self._t)
        self._state = _ST_SAS
        return sas_code(self._t)

    def handle_host_confirm(self, m4):
        self._expect(_ST_SAS)
        mac = decode_confirm(M4_HOST_CONFIRM, m4)
        if mac is None or not ct_equal(mac, confirm_mac(self._k_confirm, b"host", self._t)):
            self.abort()
            raise PairingError("host confirmation does not verify")
        self._state = _ST_CONFIRMED

    def finish(self):
        """Call only after the user confirmed on the card. Returns (m5, PairingRecord)."""
        self._expect(_ST_CONFIRMED)
        m5 = encode_confirm(M5_CARD_CONFIRM, confirm_mac(self._k_confirm, b"card", self._t))
        record = PairingRecord(pairing_id(self._t), self._k_link, self._id.pub)
        self._k_link = self._k_confirm = None
        self._state = _ST_DONE
        return m5, record

    def abort(self):
        if self._eph is not None:
            wipe(self._eph)
        self._k_link = self._k_confirm = None
        self._state = _ST_FAILED
