# The card's application: one asyncio state machine over the board's peripherals.
#
#   boot ──► splash ──► unpaired: setup screen, pairing open ──► pair.* (code on the panel and
#            on the computer; the owner touches the sensor if they match, and once more on a
#            screen of its own if this replaces an existing pairing) ──► paired
#   paired ──► every connection: session.hello installs the secure channel; only then are
#              enroll / recover / wallet.set / sign / address.show / portfolio.push served
#   idle   ──► portfolio (or a status screen); holding the button 2 s re-opens pairing
#
# No state here outlives a flow except public records on flash (identity, pairing, wallet);
# Secret B, the key share and nonces exist only inside the flow that needs them.
import asyncio
import gc

from . import VERSION
from .compat import sleep_ms, ticks_diff, ticks_ms
from .drivers.zfm import ZFM
from .flows import enroll as enroll_flow
from .flows import errors
from .flows import sign as sign_flow
from .flows.fingers import BUTTON, FINGER, FingerInput
from .proto import rpc
from .proto.pairing_service import PairingService
from .storage import RecordStore, StorageError
from .ui import screens, screens_app
from .ui.display import Display
from .wallet_record import WalletRecord, WalletRecordError

CONFIRM_TIMEOUT_MS = 60000
LONG_PRESS_MS = 2000
PAIRING_WINDOW_MS = 120000  # a paired card re-opened for pairing closes again after this
MAX_TXS = 4


def _extract(image):
    # Imported on first use: the extractor and its tables are the card's largest modules.
    from .bio.extract import extract_minutiae

    return extract_minutiae(image)


class Card:
    def __init__(self, board):
        self.board = board
        self.display = Display.from_board(board)
        self.sensor = ZFM(board.sensor_uart())
        self.fingers = FingerInput(self.sensor, board.button(), _extract)
        self.store = RecordStore(board.data_dir())
        self.store.recover_all()  # finish or discard a write a power cut interrupted
        self.dispatcher = rpc.Dispatcher()
        self.pairing = PairingService(self.dispatcher, self.store, self, setup_mode=True)
        self.name = "bioshard-" + "".join("%02X" % b for b in self.pairing.identity.pub[1:3])
        self.wallet = self._load_wallet()
        self.portfolio = None  # (balance, txs) pushed by the host; RAM only
        self._code = ""
        self._busy = False
        self._pair_window = None  # ticks_ms when the owner re-opened pairing with the button
        self._confirming = False
        d = self.dispatcher
        d.register("get_version_info", self._version_info)
        d.register("enroll", self._secure(self._enroll))
        d.register("recover", self._secure(self._recover))
        d.register("wallet.set", self._secure(self._wallet_set))
        d.register("sign", self._secure(self._sign))
        d.register("address.show", self._secure(self._address_show))
        d.register("portfolio.push", self._secure(self._portfolio_push))
        if self.pairing.record is None:
            self.pairing.open_pairing()  # first boot: the setup screen invites pairing
        self.link = board.ble_peripheral(self.name)

    # ---- records ----------------------------------------------------------------------------
    def _load_wallet(self):
        try:
            b = self.store.read("wallet")
            return None if b is None else WalletRecord.from_bytes(b)
        except (StorageError, WalletRecordError):
            self.store.delete("wallet")  # a damaged public record: re-enroll/recover restores it
            return None

    def _save_wallet(self, w):
        self.store.write("wallet", w.to_bytes())
        self.wallet = w

    # ---- PairingService's user interface ---------------------------------------------------
    async def show_code(self, code):
        self._code = code
        await self.display.show_async(screens.pairing, code)

    async def _owner_confirms(self, screen, *args):
        self._confirming = True  # _expire_pairing leaves the window open while the owner decides
        try:
            await self.display.show_async(screen, *args)
            return (await self.fingers.tap(CONFIRM_TIMEOUT_MS)) == FINGER
        finally:
            self._confirming = False

    async def _after_pairing_answer(self, ok, last):
        # PairingService stores the record right after the last answer: show the state it
        # will be in (a rejection keeps the state the card was in).
        if ok and last:
            await self.display.show_async(screens_app.idle, self.name, True, self.wallet is not None)
        elif not ok:
            await self.show_idle()

    async def confirm_pairing(self):
        """The owner compares the code with the computer's: touch if the same, button if not."""
        ok = await self._owner_confirms(screens_app.pair_confirm, self._code)
        self._code = ""
        await self._after_pairing_answer(ok, self.pairing.record is None)
        return ok

    async def confirm_replace_pairing(self):
        """A pairing exists: replacing it is a decision of its own, on its own screen."""
        ok = await self._owner_confirms(screens_app.pair_replace)
        await self._after_pairing_answer(ok, True)
        return ok

    # ---- screens ----------------------------------------------------------------------------
    async def show_idle(self):
        if self.pairing.record is None:
            await self.display.show_async(screens_app.setup, self.name)
        elif self.portfolio is not None:
            await self.display.show_async(screens.portfolio, self.portfolio[0], self.portfolio[1], self.name)
        else:
            await self.display.show_async(screens_app.idle, self.name, True, self.wallet is not None)

    # ---- RPC handlers -----------------------------------------------------------------------
    def _secure(self, handler):
        def guarded(params):
            if self.dispatcher.channel is None:
                raise errors.not_ready("open a secure session first (session.hello)")
            return handler(params)

        return guarded

    async def _flow(self, coro):
        if self._busy:
            raise rpc.RpcError(rpc.BUSY, "the card is busy with another request")
        self._busy = True
        try:
            return await coro
        finally:
            self._busy = False
            gc.collect()
            await self.show_idle()

    def _version_info(self, params):
        w = self.wallet
        return {"version": VERSION, "board": self.board.NAME, "name": self.name,
                "card_id": self.pairing.identity.pub, "paired": self.pairing.record is not None,
                "pairing_open": self.pairing.pairing_open, "enrolled": w is not None,
                "wallet": bool(w and w.ready), "sensor": self._sensor_link()}

    def _sensor_link(self):
        # What the boot's link bring-up negotiated (drivers/zfm_link_setup), so a host can
        # tell a card stuck on a slow or dead sensor link from a slow finger.
        get = getattr(self.board, "sensor_link", None)
        link = get() if get else None
        if link is None:
            return None
        if isinstance(link, Exception):
            return {"error": str(link)}
        return {"baud": link.baud, "packet_size": link.packet_size}

    @staticmethod
    def _finger_ids(params):
        ids = params["fingers"]
        if not isinstance(ids, list) or not ids or len(ids) > 5:
            raise errors.bad_params("fingers: a list of 1..5 finger positions")
        for f in ids:
            if not isinstance(f, int) or not 0 <= f <= 10:
                raise errors.bad_params("finger positions are ISO 19794-2 codes 0..10")
        return ids

    def _network(self, params):
        net = params.get("network", "main")
        if net not in ("main", "test", "signet", "regtest"):
            raise errors.bad_params("unknown network (main, test, signet or regtest)")
        return net

    async def _enroll(self, params):
        ids = self._finger_ids(params)
        presses = params.get("presses", enroll_flow.PRESSES_DEFAULT)
        net = self._network(params)
        if self.wallet is not None and not params.get("replace"):
            raise errors.not_ready("this card already has a wallet; enrolling again replaces it (replace=true)")
        async def flow():
            blob, pub = await enroll_flow.enroll(self.display, self.fingers, ids, presses)
            self._save_wallet(self._successor(pub, net))
            return {"blob": blob, "pubkey": pub}

        return await self._flow(flow())

    async def _recover(self, params):
        """A new card: the backed-up blob and the same fingers give the same key share."""
        blob = params["blob"]
        net = self._network(params)
        if not isinstance(blob, (bytes, bytearray)):
            raise errors.bad_params("blob must be bytes")
        if self.wallet is not None and not params.get("replace"):
            raise errors.not_ready("this card already has a wallet (replace=true to overwrite)")

        async def flow():
            from .crypto.kdf import card_share_pubkey

            secret_b = await sign_flow.read_secret_b(self.display, self.fingers, blob, False, "Restore")
            pub = card_share_pubkey(secret_b)
            secret_b = None
            w = self._successor(pub, net)
            self._save_wallet(w)
            return {"pubkey": pub, "network": w.network, "wallet": w.ready}

        return await self._flow(flow())

    def _successor(self, pub, net):
        """The wallet record after an enroll or recover derived `pub` (WalletRecord.successor)."""
        w = self.wallet
        return WalletRecord(pub, None, net) if w is None else w.successor(pub, net)

    async def _wallet_set(self, params):
        w = self.wallet
        if w is None:
            raise errors.not_ready("enroll (or recover) first: the card has no key share")
        keys = params["participants"]
        if not isinstance(keys, list):
            raise errors.bad_params("participants: a list of two 33-byte keys")
        nw = WalletRecord(w.card_key, None, w.network)
        try:
            nw.set_participants(keys)
        except WalletRecordError as e:
            raise errors.bad_params(str(e))
        if (w.ready and w.participants != nw.participants) or w.replacing:
            if not params.get("replace"):
                raise errors.not_ready("this card belongs to another wallet (replace=true to overwrite)")
            # Swapping the co-signer, or the first co-signer after a set-up wallet's key was
            # replaced, changes every address the card will confirm as this wallet's: a host
            # alone must not do it, or address.show would vouch for an address the owner's
            # Secret A cannot spend. The owner sees the new address (and so its network).
            await self._flow(self._confirm_replace(nw))
        self._save_wallet(nw)
        return {"aggregate_key": nw.agg_key, "output_key": nw.output_key}

    async def _confirm_replace(self, nw):
        from .btc.address import p2tr_script, script_to_address

        addr = script_to_address(p2tr_script(nw.output_key), nw.network)
        await self.display.show_async(screens.address_verify, addr, "REPLACE wallet? New address", "")
        r = await self.fingers.tap(CONFIRM_TIMEOUT_MS)
        if r == BUTTON:
            raise errors.cancelled("wallet replacement")
        if r != FINGER:
            raise errors.timed_out("wallet replacement")

    async def _sign(self, params):
        psbt, blob, nonces = params["psbt"], params["blob"], params["nonces"]
        if not isinstance(psbt, (bytes, bytearray)) or not isinstance(blob, (bytes, bytearray)):
            raise errors.bad_params("psbt and blob must be bytes")
        return await self._flow(sign_flow.sign(self.display, self.fingers, self.wallet, psbt, blob, nonces))

    async def _address_show(self, params):
        w = self.wallet
        if w is None or not w.ready:
            raise errors.not_ready("no wallet on this card yet")
        from .btc.address import p2tr_script, script_to_address

        # An HD child (BIP-328 <0;1>/index, derived here from the paired aggregate) when the
        # host names an index; the single-key wallet's address otherwise.
        index = params.get("index")
        label, path = "Receive address", "2-of-2"
        if index is None:
            addr = script_to_address(p2tr_script(w.output_key), w.network)
        else:
            from .btc.hd import Children, MAX_INDEX, path_text

            branch = 1 if params.get("change") else 0
            if type(index) is not int or not 0 <= index < MAX_INDEX:
                raise errors.bad_params("index: 0..%d" % (MAX_INDEX - 1))
            addr = script_to_address(Children(w.agg_key).script((branch, index)), w.network)
            label, path = ("Change address" if branch else "Receive address"), path_text((branch, index))

        async def flow():
            await self.display.show_async(screens.address_verify, addr, label, path)
            r = await self.fingers.tap(CONFIRM_TIMEOUT_MS)
            if r != FINGER and r != BUTTON:  # no answer is not a "no": the host must tell them apart
                raise errors.timed_out("the address check")
            return r == FINGER

        ok = await self._flow(flow())
        return {"address": addr, "confirmed": ok}

    async def _portfolio_push(self, params):
        bal = params["balance"]
        txs = params.get("txs", [])
        if not isinstance(bal, int) or bal < 0 or not isinstance(txs, list):
            raise errors.bad_params("balance: satoshis >= 0; txs: [[label, delta], ...]")
        clean = []
        for t in txs[:MAX_TXS]:
            if not (isinstance(t, list) and len(t) == 2 and isinstance(t[0], str) and isinstance(t[1], int)):
                raise errors.bad_params("each tx is [label, delta satoshis]")
            clean.append((t[0][:24], t[1]))
        self.portfolio = (bal, clean)
        if not self._busy:
            await self.show_idle()
        return {}

    # ---- main loop --------------------------------------------------------------------------
    async def _idle_watch(self):
        """Idle only: holding the button LONG_PRESS_MS re-opens pairing on a paired card (a new
        computer). An unpaired card needs nothing: PairingService's setup mode keeps it open."""
        btn = self.fingers.button
        while True:
            await sleep_ms(100)
            if self._expire_pairing() and not self._busy:
                await self.show_idle()
            if self._busy or btn is None or btn.value() != 0:
                continue
            t0 = ticks_ms()
            while btn.value() == 0 and ticks_diff(ticks_ms(), t0) < LONG_PRESS_MS:
                await sleep_ms(50)
            if btn.value() == 0 and not self._busy:
                self.pairing.open_pairing()
                self._pair_window = ticks_ms()
                await self.display.show_async(screens_app.setup, self.name)

    def _expire_pairing(self):
        """Close pairing on a paired card PAIRING_WINDOW_MS after the owner opened it, so an
        open window the owner forgot does not wait for a stranger in radio range. Not while
        the owner is confirming a pairing on the card (that wait has its own timeout).
        True when it closed the window now."""
        t0 = self._pair_window
        if t0 is None or self._confirming:
            return False
        if not self.pairing.pairing_open or self.pairing.record is None:
            self._pair_window = None  # paired meanwhile, or setup mode (stays open by design)
            return False
        if ticks_diff(ticks_ms(), t0) < PAIRING_WINDOW_MS:
            return False
        self._pair_window = None
        self.pairing.close_pairing()
        return True

    async def run(self):
        await self.display.show_async(screens.splash, VERSION, full=True)
        try:
            self.sensor.verify_password()
        except Exception as e:  # a card without a working sensor can still show why
            await self.display.show_async(screens.error, "Fingerprint sensor not answering (%s)" % type(e).__name__)
        await self.show_idle()
        asyncio.create_task(self._idle_watch())
        while True:
            await self.link.wait_connected()
            await self._serve_connection()

    async def _serve_connection(self):
        self._drop_channel()  # every connection starts unauthenticated
        try:
            await rpc.serve(self.link, self.dispatcher)
        finally:
            self._drop_channel()
            self.link.disconnect()
            gc.collect()
        if self.pairing.abandon():
            await self.show_idle()  # not left showing a code nobody will confirm

    def _drop_channel(self):
        # Close, not just forget: close() zeroes the session's MAC keys now instead of leaving
        # them in the heap until the collector reuses the memory.
        ch = self.dispatcher.channel
        self.dispatcher.channel = None
        if ch is not None and hasattr(ch, "close"):
            ch.close()


def main(board):
    asyncio.run(Card(board).run())
