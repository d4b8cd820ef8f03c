# Pairing over RPC: the card's pair.* and session.hello methods, what the card app registers on
# its Dispatcher. It runs CardPairing (pairing_card.py) for each attempt, asks the owner on the
# card, and keeps the identity and pairing records (pairing_records.py) in flash.
#
#   pair.init     {"m": M1} -> {"m": M2}
#   pair.reveal   {"m": M3} -> {}          the code is shown on the card, never sent
#   pair.confirm  {"m": M4} -> {"m": M5}   after the owner confirmed on the card that the codes
#                                          match (and, if paired, that the old pairing goes)
#   session.hello {"m": S1} -> {"m": S2}   installs the session's channel on the dispatcher
# Errors: PROTOCOL_ERROR (bad or out-of-order message), USER_CANCELLED (rejected on the card),
# NOT_PAIRED (hello for a pairing the card does not hold).
import os

from bioshard_card.proto.pairing_card import CardPairing
from bioshard_card.proto.pairing_codec import PairingError, PairingStateError
from bioshard_card.proto.pairing_records import CardIdentity, PairingRecord
from bioshard_card.proto.session_hello import card_session_accept

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
