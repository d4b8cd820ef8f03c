# Pairing: an authenticated key exchange between host and card, checked by the owner with a
# 6-digit short authentication string (SAS) by numeric comparison, then the per-connection
# session hello.
#
# BLE "Just Works" gives no MITM protection and host BLE stacks cannot drive passkey entry, so
# the authentication is ours, on top of the link (docs/protocol-pairing.md has the full flow):
#
#   M1 host -> card  0x01 ver commit            commit = SHA256(tag || host_eph_pub || host_nonce)
#   M2 card -> host  0x02 card_id_pub card_eph_pub card_nonce
#   M3 host -> card  0x03 host_eph_pub host_nonce   (card checks the commitment)
#        both: T = SHA256(tag || M1 || M2 || M3); SAS = 6 digits of SHA256(tag || T)
#        both show the SAS: the card on e-ink, the host on its screen (the CLI prints it)
#   M4 host -> card  0x04 HMAC(k_confirm, "host" || T)   only if the owner did not say "differ"
#        card: the owner confirms on the card that the two codes are the same; a card that
#        is already paired asks again, on its own screen, before the old pairing is replaced
#   M5 card -> host  0x05 HMAC(k_confirm, "card" || T)
# M4 proves only that the peer holds this run's keys: a man in the middle holds them too. What
# stops her is the owner seeing two different codes, which is why the decision is the owner's
# on the card and never follows from a valid M4 alone.
#
# The host commits to its key before it sees the card's, so a man in the middle has to fix both
# of its keys before learning the values that determine either SAS: each SAS is then uniform
# and they agree with probability 1e-6 per attempt (the ZRTP / Bluetooth numeric-comparison
# argument). Keys: IKM = ECDH(host_eph, card_eph) || ECDH(host_eph, card_id), salt = T, so the
# link key also proves the card holds its identity key. ECDH output = SHA256(compressed shared
# point), the libsecp256k1 / coincurve default, so host and card agree byte for byte.
#
# This module is shared: the card runs CardPairing, the host (host/bioshard/pairing.py) imports
# the same transcript, SAS, KDF and message codecs and brings coincurve for the EC operations.
import hashlib
import os

from bioshard_card.crypto.hmac_sha256 import ct_equal, hkdf_expand, hkdf_extract, hmac_sha256
from bioshard_card.proto import secure_channel

VERSION = 1
M1_INIT = 0x01
M2_CARD = 0x02
M3_REVEAL = 0x03
M4_HOST_CONFIRM = 0x04
M5_CARD_CONFIRM = 0x05
S1_HELLO = 0x10
S2_ACCEPT = 0x11
S2_NOT_PAIRED = 0x12

PUB_LEN = 33
NONCE_LEN = 32
PAIRING_ID_LEN = 16
SAS_DIGITS = 6

_TAG = b"bioshard/pair/v1"
_TAG_COMMIT = _TAG + b"/commit"
_TAG_SAS = _TAG + b"/sas"
_INFO_LINK = _TAG + b"/link"
_INFO_CONFIRM = _TAG + b"/confirm"
_READY = b"bioshard/session/ready"

M1_LEN = 2 + 32
M2_LEN = 1 + 2 * PUB_LEN + NONCE_LEN
M3_LEN = 1 + PUB_LEN + NONCE_LEN
M45_LEN = 1 + 32
S1_LEN = 1 + PAIRING_ID_LEN + secure_channel.NONCE_LEN

_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class PairingError(Exception):
    """Pairing failed: malformed message, broken commitment or bad confirmation."""


class PairingStateError(PairingError):
    """A message arrived out of order."""


class NotPairedError(PairingError):
    """The card holds no pairing with the id the host presented."""


# --- EC operations: the card's portable secp256k1 by default, injectable ------------------

def ec_pubkey(seckey):
    from bioshard_card.crypto import secp256k1 as ec

    return ec.cbytes(ec.mul_g(int.from_bytes(seckey, "big")))


def ec_ecdh(seckey, pub):
    """SHA256(compressed(seckey * pub)); ValueError for an invalid point."""
    from bioshard_card.crypto import secp256k1 as ec

    pt = ec.mul(ec.cpoint(bytes(pub)), int.from_bytes(seckey, "big"))
    if pt is None:
        raise ValueError("ECDH result is infinity")
    return hashlib.sha256(ec.cbytes(pt)).digest()


def new_seckey(rng=os.urandom):
    while True:
        k = rng(32)
        if 0 < int.from_bytes(k, "big") < _N:
            return bytearray(k)


def wipe(buf):
    if isinstance(buf, bytearray):
        for i in range(len(buf)):
            buf[i] = 0


# --- The shared protocol functions -----------------------------------------------------------

def commitment(host_eph_pub, host_nonce):
    return hashlib.sha256(_TAG_COMMIT + bytes(host_eph_pub) + bytes(host_nonce)).digest()


def encode_m1(commit):
    return bytes((M1_INIT, VERSION)) + commit


def decode_m1(m):
    if len(m) != M1_LEN or m[0] != M1_INIT:
        raise PairingError("bad pairing init")
    if m[1] != VERSION:
        raise PairingError("unsupported pairing version %d" % m[1])
    return bytes(m[2:])


def encode_m2(card_id_pub, card_eph_pub, card_nonce):
    return bytes((M2_CARD,)) + card_id_pub + card_eph_pub + card_nonce


def decode_m2(m):
    if len(m) != M2_LEN or m[0] != M2_CARD:
        raise PairingError("bad card message")
    return bytes(m[1:34]), bytes(m[34:67]), bytes(m[67:99])


def encode_m3(host_eph_pub, host_nonce):
    return bytes((M3_REVEAL,)) + host_eph_pub + host_nonce


def decode_m3(m):
    if len(m) != M3_LEN or m[0] != M3_REVEAL:
        raise PairingError("bad reveal message")
    return bytes(m[1:34]), bytes(m[34:66])


def transcript_hash(m1, m2, m3):
    h = hashlib.sha256(_TAG)
    h.update(m1)
    h.update(m2)
    h.update(m3)
    return h.digest()


def sas_code(t):
    """The 6-digit string both sides show. 64 bits mod 10**6: bias below 2**-40."""
    v = int.from_bytes(hashlib.sha256(_TAG_SAS + t).digest()[:8], "big") % 1000000
    s = str(v)
    return "0" * (SAS_DIGITS - len(s)) + s


def derive_keys(ee, es, t):
    """(k_link, k_confirm) from the two ECDH secrets and the transcript hash."""
    ikm = bytearray(ee)
    ikm.extend(es)
    prk = hkdf_extract(t, ikm)
    wipe(ikm)
    return hkdf_expand(prk, _INFO_LINK, 32), hkdf_expand(prk, _INFO_CONFIRM, 32)


def confirm_mac(k_confirm, who, t):
    return hmac_sha256(k_confirm, who + t)


def pairing_id(t):
    """Public name of this pairing (not secret: derived from the public transcript)."""
    return t[:PAIRING_ID_LEN]


class PairingRecord:
    """What each side keeps after pairing. The card never stores Secret B or biometrics here."""

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
        if len(b) != 33 or b[0] != cls.FORMAT or not 0 < int.from_bytes(b[1:], "big") < _N:
            # an invalid key would fail later in ec_pubkey with an error boot does not expect
            raise PairingError("bad identity record")
        return cls(b[1:], pubkey_fn)


# --- Card side ---------------------------------------------------------------------------------

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
        if len(m4) != M45_LEN or m4[0] != M4_HOST_CONFIRM or not ct_equal(
                m4[1:], confirm_mac(self._k_confirm, b"host", self._t)):
            self.abort()
            raise PairingError("host confirmation does not verify")
        self._state = _ST_CONFIRMED

    def finish(self):
        """Call only after the user confirmed on the card. Returns (m5, PairingRecord)."""
        self._expect(_ST_CONFIRMED)
        m5 = bytes((M5_CARD_CONFIRM,)) + confirm_mac(self._k_confirm, b"card", self._t)
        record = PairingRecord(pairing_id(self._t), self._k_link, self._id.pub)
        self._k_link = self._k_confirm = None
        self._state = _ST_DONE
        return m5, record

    def abort(self):
        if self._eph is not None:
            wipe(self._eph)
        self._k_link = self._k_confirm = None
        self._state = _ST_FAILED


# --- Session hello (every connection after pairing) ------------------------------------------
#
#   S1 host -> card  0x10 pairing_id(16) host_nonce(16)
#   S2 card -> host  0x11 card_id_pub(33) card_nonce(16) seal("bioshard/session/ready")
#                    or 0x12 when the card holds no such pairing
# Both sides then use secure_channel.session_channel(role, k_link, host_nonce, card_nonce); the
# sealed "ready" is the card's key confirmation (counter 0 of the card-to-host direction).

def encode_s1(pid, host_nonce):
    return bytes((S1_HELLO,)) + pid + host_nonce


def card_session_accept(s1, record, rng=os.urandom):
    """Card: answer a session hello. Returns (reply, channel); channel is None if not paired."""
    if len(s1) != S1_LEN or s1[0] != S1_HELLO:
        raise PairingError("bad session hello")
    pid = bytes(s1[1:1 + PAIRING_ID_LEN])
    if record is None or not ct_equal(pid, record.pairing_id):
        return bytes((S2_NOT_PAIRED,)), None
    host_nonce = bytes(s1[1 + PAIRING_ID_LEN:])
    card_nonce = rng(secure_channel.NONCE_LEN)
    ch = secure_channel.session_channel("card", record.k_link, host_nonce, card_nonce)
    reply = bytes((S2_ACCEPT,)) + record.card_id_pub + card_nonce + ch.seal(_READY)
    return reply, ch


def decode_s2(s2):
    """Host: (card_id_pub, card_nonce, sealed_ready); NotPairedError if the card refused."""
    if len(s2) == 1 and s2[0] == S2_NOT_PAIRED:
        raise NotPairedError("the card is not paired with this host")
    n = 1 + PUB_LEN + secure_channel.NONCE_LEN
    if len(s2) < n or s2[0] != S2_ACCEPT:
        raise PairingError("bad session accept")
    return bytes(s2[1:1 + PUB_LEN]), bytes(s2[1 + PUB_LEN:n]), bytes(s2[n:])


def session_ready_plaintext():
    return _READY


# --- RPC service: what the card app registers on its Dispatcher -----------------------------
#
#   pair.init     {"m": M1} -> {"m": M2}
#   pair.reveal   {"m": M3} -> {}          the code is shown on the card, never sent
#   pair.confirm  {"m": M4} -> {"m": M5}   after the owner confirmed on the card that the codes
#                                          match (and, if paired, that the old pairing goes)
#   session.hello {"m": S1} -> {"m": S2}   installs the session's channel on the dispatcher
# Errors: PROTOCOL_ERROR (bad or out-of-order message), USER_CANCELLED (rejected on the card),
# NOT_PAIRED (hello for a pairing the card does not hold).

def _awaitable(r):
    return hasattr(r, "send") and hasattr(r, "throw")


class PairingService:
    """Card side of pairing over RPC. `ui.show_code(code)` puts the 6 digits on the panel;
    `ui.confirm_pairing()` returns True once the owner confirmed on the card that the computer
    shows the same code; `ui.confirm_replace_pairing()` returns True once the owner confirmed,
    on a screen of its own, that an existing pairing is replaced (asked only when the card
    holds one; a ui without it never replaces a pairing). Both may be async.
    `store` is a storage.RecordStore; the identity key is made on first use.

    Pairing is closed by default: anyone in radio range can send pair.init, so the app calls
    open_pairing() only when the user asked for it on the card, and it closes again after one
    pairing (successful or not)."""

    def __init__(self, dispatcher, store, ui, rng=os.urandom, setup_mode=False):
        # setup_mode: an unpaired card stays open for pairing after a failed or rejected
        # attempt (each attempt still needs the owner's confirmation on the card).
        self.setup_mode = setup_mode
        self._d = dispatcher
        self._store = store
        self._ui = ui
        self._rng = rng
        self._pairing = None
        self.pairing_open = False
        self.identity = self._load("identity", CardIdentity.from_bytes)
        if self.identity is None:
            self.identity = CardIdentity.generate(rng)
            store.write("identity", self.identity.to_bytes())
        self.record = self._load("pairing", PairingRecord.from_bytes)
        dispatcher.register("pair.init", self._init)
        dispatcher.register("pair.reveal", self._reveal)
        dispatcher.register("pair.confirm", self._confirm)
        dispatcher.register("session.hello", self._hello)

    def _load(self, name, parse):
        # A damaged record (flash bit rot; torn writes cannot happen, see storage.py) is
        # dropped rather than bricking the card: the host then sees "wrong card" / "not paired"
        # and the user pairs again.
        from bioshard_card.storage import StorageError

        try:
            b = self._store.read(name)
            return None if b is None else parse(b)
        except (StorageError, PairingError):
            self._store.delete(name)
            return None

    @staticmethod
    def _msg(params):
        m = params["m"]
        if not isinstance(m, (bytes, bytearray)):
            raise TypeError("m must be bytes")
        return m

    @staticmethod
    def _refuse(e):
        from bioshard_card.proto.rpc import PROTOCOL_ERROR, RpcError

        return RpcError(PROTOCOL_ERROR, "pairing failed: " + type(e).__name__)

    def open_pairing(self):
        self.pairing_open = True

    def close_pairing(self):
        self.pairing_open = self.setup_mode and self.record is None
        if self._pairing is not None:
            self._pairing.abort()
            self._pairing = None

    def abandon(self):
        """The peer left in the middle of a pairing (e.g. its owner saw another code and said
        so on the computer): drop that run, leave the window as it is. True if there was one."""
        if self._pairing is None:
            return False
        self._pairing.abort()
        self._pairing = None
        return True

    def _init(self, params):
        from bioshard_card.proto.rpc import PROTOCOL_ERROR, RpcError

        m1 = self._msg(params)
        if not self.pairing_open:
            raise RpcError(PROTOCOL_ERROR, "pairing is not enabled on the card")
        if self._pairing is not None:
            self._pairing.abort()
        self._pairing = CardPairing(self.identity, self._rng)
        try:
            return {"m": self._pairing.handle_init(m1)}
        except PairingError as e:
            self._pairing = None
            raise self._refuse(e)

    def _current(self):
        if self._pairing is None:
            raise self._refuse(PairingStateError())
        return self._pairing

    async def _reveal(self, params):
        m3 = self._msg(params)
        p = self._current()
        try:
            code = p.handle_reveal(m3)
        except PairingError as e:
            self.close_pairing()
            raise self._refuse(e)
        r = self._ui.show_code(code)
        if _awaitable(r):
            await r
        return {}

    async def _confirm(self, params):
        from bioshard_card.proto.rpc import USER_CANCELLED, RpcError

        m4 = self._msg(params)
        p = self._current()
        try:
            p.handle_host_confirm(m4)
        except PairingError as e:
            self.close_pairing()
            raise self._refuse(e)
        if not await self._ask("confirm_pairing"):
            self.close_pairing()
            raise RpcError(USER_CANCELLED, "pairing rejected on the card")
        if self.record is not None and not await self._ask("confirm_replace_pairing"):
            self.close_pairing()
            raise RpcError(USER_CANCELLED, "pairing rejected on the card: it keeps its current pairing")
        m5, record = p.finish()
        self._pairing = None
        self.pairing_open = False
        self._store.write("pairing", record.to_bytes())
        if self.record is not None:
            self.record.wipe()
        self.record = record
        return {"m": m5}

    async def _ask(self, name):
        fn = getattr(self._ui, name, None)
        if fn is None:
            return False
        ok = fn()
        if _awaitable(ok):
            ok = await ok
        return ok is True

    def _hello(self, params):
        from bioshard_card.proto.rpc import NOT_PAIRED, RpcError

        s1 = self._msg(params)
        try:
            reply, ch = card_session_accept(s1, self.record, self._rng)
        except PairingError as e:
            raise self._refuse(e)
        if ch is None:
            raise RpcError(NOT_PAIRED)
        # The dispatcher already holds the old channel (or None) for this request's reply; the
        # new one applies from the next request on.
        self._d.channel = ch
        return {"m": reply}
