"""Host half of pairing and of the per-connection session hello.

The protocol (message formats, transcript, short code, key derivation, session hello) is
written once, in `bioshard_card.proto` (pairing_codec, pairing_keys, pairing_records,
session_hello), and imported here; the host only brings libsecp256k1 (coincurve)
for its EC operations and keeps its pairing record in the config dir ($BIOSHARD_HOME or
~/.bioshard), 0600, written atomically. See docs/protocol-pairing.md.
"""
import json
import os

from coincurve import PrivateKey, PublicKey

from bioshard_card.crypto.hmac_sha256 import ct_equal
from bioshard_card.proto import pairing_codec as codec
from bioshard_card.proto import pairing_keys as keys
from bioshard_card.proto import secure_channel, session_hello
from bioshard_card.proto.pairing_records import PairingRecord

from . import config
from .errors import BioshardError, WrongCardError

RECORD_FILE = "pairing.json"


class PairingCodeMismatch(WrongCardError):
    """The owner saw (or typed) a code on the card that is not the host's code: a different
    card, or a man in the middle, is at the other end of the link. Nothing is stored."""


class PairingFailed(BioshardError):
    pass


def normalize_code(typed):
    s = "".join(c for c in str(typed) if not c.isspace() and c != "-")
    if len(s) != keys.SAS_DIGITS or any(c not in "0123456789" for c in s):
        raise PairingCodeMismatch("the code has %d digits" % keys.SAS_DIGITS)
    return s


class HostPairing:
    """Drive with: m1 = start(); m3 = on_card(m2); show `code` to the owner (the card shows
    its own); m4 = confirm() when the owner did not say the codes differ, or
    confirm_code(typed) to also check the code the owner read on the card;
    record = on_card_confirm(m5) (the card sends M5 only after the owner confirmed on it)."""

    def __init__(self, rng=os.urandom):
        self._rng = rng
        self._eph = PrivateKey(bytes(keys.new_seckey(rng)))
        self._pub = self._eph.public_key.format(compressed=True)
        self._nonce = rng(codec.NONCE_LEN)
        self._m1 = None
        self._t = None
        self._code = None
        self._confirmed = False

    def start(self):
        self._m1 = codec.encode_m1(keys.commitment(self._pub, self._nonce))
        return self._m1

    def on_card(self, m2):
        if self._m1 is None or self._t is not None:
            raise codec.PairingStateError("card message out of order")
        try:
            card_id_pub, card_eph_pub, _ = codec.decode_m2(m2)
            ee = self._eph.ecdh(PublicKey(card_eph_pub).format())
            es = self._eph.ecdh(PublicKey(card_id_pub).format())
        except ValueError as e:  # coincurve raises ValueError for invalid points
            raise PairingFailed("card sent an invalid key: %s" % e) from None
        m3 = codec.encode_m3(self._pub, self._nonce)
        self._t = keys.transcript_hash(self._m1, bytes(m2), m3)
        self._card_id_pub = card_id_pub
        self._k_link, self._k_confirm = keys.derive_keys(ee, es, self._t)
        self._code = keys.sas_code(self._t)
        self._eph = None
        return m3

    @property
    def code(self):
        """The host's own short code: shown to the owner, who compares it with the card's."""
        return self._code

    def confirm(self):
        """M4, the host's key confirmation. It tells the card only that its peer holds this
        run's keys; the owner's comparison of the two codes, on the card, decides."""
        if self._code is None:
            raise codec.PairingStateError("no code yet")
        self._confirmed = True
        return codec.encode_confirm(codec.M4_HOST_CONFIRM, keys.confirm_mac(self._k_confirm, b"host", self._t))

    def confirm_code(self, typed):
        """The user typed the code shown on the card: M4 if it matches, else raise."""
        if self._code is None:
            raise codec.PairingStateError("no code yet")
        if not ct_equal(normalize_code(typed).encode(), self._code.encode()):
            self._code = None  # one attempt: a mismatch may be an attacker, start over
            raise PairingCodeMismatch(
                "the code on the card does not match: pairing aborted (another card or an "
                "attacker may be in range)")
        return self.confirm()

    def on_card_confirm(self, m5):
        if not self._confirmed:
            raise codec.PairingStateError("the user has not confirmed the code")
        mac = codec.decode_confirm(codec.M5_CARD_CONFIRM, m5)
        if mac is None or not ct_equal(mac, keys.confirm_mac(self._k_confirm, b"card", self._t)):
            raise PairingFailed("the card's confirmation does not verify")
        return PairingRecord(keys.pairing_id(self._t), self._k_link, self._card_id_pub)


# --- Record on disk -----------------------------------------------------------------------------

def record_path(home=None):
    return (home or config.home()) / RECORD_FILE


def save_record(record, home=None):
    doc = {
        "format": 1,
        "pairing_id": record.pairing_id.hex(),
        "card_id_pub": record.card_id_pub.hex(),
        "k_link": bytes(record.k_link).hex(),
    }
    config.atomic_write(record_path(home), json.dumps(doc, indent=1).encode(), mode=0o600)


def load_record(home=None):
    path = record_path(home)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text())
        if doc.get("format") != 1:
            raise ValueError("unknown format")
        return PairingRecord(bytes.fromhex(doc["pairing_id"]), bytes.fromhex(doc["k_link"]),
                               bytes.fromhex(doc["card_id_pub"]))
    except (ValueError, KeyError, TypeError) as e:
        raise PairingFailed("pairing record %s is damaged (%s): pair again" % (path, e)) from None


# --- Session hello --------------------------------------------------------------------------

class HostSession:
    """s1 = hello(); channel = finish(s2). WrongCardError if another card answers."""

    def __init__(self, record, rng=os.urandom):
        self._record = record
        self._nonce = rng(secure_channel.NONCE_LEN)

    def hello(self):
        return session_hello.encode_s1(self._record.pairing_id, self._nonce)

    def finish(self, s2):
        try:
            card_id_pub, card_nonce, ready = session_hello.decode_s2(s2)
        except session_hello.NotPairedError:
            raise WrongCardError("this card is not paired with this host: pair again") from None
        if not ct_equal(card_id_pub, self._record.card_id_pub):
            raise WrongCardError("a different card answered (card id %s...)" % card_id_pub[1:5].hex())
        ch = secure_channel.session_channel("host", self._record.k_link, self._nonce, card_nonce)
        try:
            ok = ch.open(ready) == session_hello.session_ready_plaintext()
        except secure_channel.ChannelError:
            ok = False
        if not ok:
            ch.close()
            raise WrongCardError("the card could not prove the pairing key (cloned id or reset card)")
        return ch


# --- Over RPC (bioshard.client.CardClient) ------------------------------------------------------

PAIR_CONFIRM_TIMEOUT = 180.0  # the owner confirms on the card: the code, then (if paired) the replacement, 60 s each


def pair_card(client, ask_code=None, rng=os.urandom, show_code=None):
    """Pair with the card behind `client` (pairing mode must be on at the card) by numeric
    comparison: `show_code(code)` shows the host's 6 digits to the owner before the card shows
    its own; the owner confirms on the card that they are the same. `ask_code()`, if given, is
    the owner's answer on this computer too: the digits read on the card (compared here), or
    True / False for "same" / "different"; False or a different code aborts before the card
    is asked. Returns the PairingRecord (not yet saved: call save_record)."""
    hp = HostPairing(rng)
    m2 = client.call("pair.init", {"m": hp.start()})["m"]
    m3 = hp.on_card(m2)
    if show_code is not None:
        show_code(hp.code)
    client.call("pair.reveal", {"m": m3})
    answer = True if ask_code is None else ask_code()
    if answer is True:
        m4 = hp.confirm()
    elif answer is False or answer is None:
        raise PairingCodeMismatch("the codes differ: pairing aborted (another card or an attacker may be in range)")
    else:
        m4 = hp.confirm_code(answer)
    m5 = client.call("pair.confirm", {"m": m4}, timeout=PAIR_CONFIRM_TIMEOUT)["m"]
    return hp.on_card_confirm(m5)


def open_session(client, record, rng=os.urandom):
    """Run the session hello and install the secure channel on `client`."""
    from bioshard_card.proto import rpc

    from .errors import CardRefusedError

    client.channel = None
    hs = HostSession(record, rng)
    try:
        s2 = client.call("session.hello", {"m": hs.hello()})["m"]
    except CardRefusedError as e:
        if getattr(e, "code", None) == rpc.NOT_PAIRED:
            raise WrongCardError("this card is not paired with this host: pair again") from None
        raise
    client.channel = hs.finish(s2)
    return client.channel
