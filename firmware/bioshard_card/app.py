# The card's application: one asyncio state machine over the board's peripherals.
#
#   boot ──► splash ──► unpaired: setup screen, pairing open ──► pair.* (code on the panel and
#            on the computer; the owner touches the sensor if they match, and once more on a
#            screen of its own if this replaces an existing pairing) ──► paired
#   paired ──► every connection: session.hello installs the secure channel; only then are
#              enroll / recover / wallet.set / sign / address.show / portfolio.push served
#              (handlers/: one module per group of methods, each handler(card, params))
#   idle   ──► portfolio (or a status screen); holding the button 2 s re-opens pairing
#
# No state here outlives a flow except public records on flash (identity, pairing, wallet);
# Secret B, the key share and nonces exist only inside the flow that needs them.
import asyncio
import gc

from . import VERSION
from .compat import sleep_ms, ticks_diff, ticks_ms
from .drivers.zfm import ZFM
from .flows import errors
from .flows.fingers import CONFIRM_TIMEOUT_MS, FINGER, FingerInput
from .handlers import address, cosigner, key_share, portfolio, sign, status
from .proto import rpc
from .proto.pairing_service import PairingService
from .storage import RecordStore, StorageError
from .ui import screens, screens_app
from .ui.display import Display
from .wallet_record import WalletRecord, WalletRecordError

LONG_PRESS_MS = 2000
PAIRING_WINDOW_MS = 120000  # a paired card re-opened for pairing closes again after this


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
        self.busy = False  # a flow is running (run_flow): one at a time
        self._pair_window = None  # ticks_ms when the owner re-opened pairing with the button
        self._confirming = False
        self.factor_request = None  # (card_factor.Request, network) waiting for factor.finish
        d = self.dispatcher
        d.register("get_version_info", lambda params: status.version_info(self, params))
        d.register("enroll", self._secure(key_share.enroll))
        d.register("recover", self._secure(key_share.recover))
        d.register("factor.finish", self._secure(key_share.factor_finish))
        d.register("wallet.set", self._secure(cosigner.wallet_set))
        d.register("sign", self._secure(sign.sign))
        d.register("address.show", self._secure(address.address_show))
        d.register("portfolio.push", self._secure(portfolio.portfolio_push))
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

    def save_wallet(self, w):
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

    # ---- RPC handlers (handlers/*) ------------------------------------------------------
    def _secure(self, handler):
        def guarded(params):
            if self.dispatcher.channel is None:
                raise errors.not_ready("open a secure session first (session.hello)")
            if handler is not key_share.factor_finish:
                self._drop_factor_request()  # the answer must follow its request directly
            return handler(self, params)

        return guarded

    async def run_flow(self, coro):
        """Run one user-facing flow; a request meanwhile is refused as busy."""
        if self.busy:
            raise rpc.RpcError(rpc.BUSY, "the card is busy with another request")
        self.busy = True
        try:
            return await coro
        finally:
            self.busy = False
            gc.collect()
            await self.show_idle()

    # ---- main loop --------------------------------------------------------------------------
    async def _idle_watch(self):
        """Idle only: holding the button LONG_PRESS_MS re-opens pairing on a paired card (a new
        computer). An unpaired card needs nothing: PairingService's setup mode keeps it open."""
        btn = self.fingers.button
        while True:
            await sleep_ms(100)
            if self._expire_pairing() and not self.busy:
                await self.show_idle()
            if self.busy or btn is None or btn.value() != 0:
                continue
            t0 = ticks_ms()
            while btn.value() == 0 and ticks_diff(ticks_ms(), t0) < LONG_PRESS_MS:
                await sleep_ms(50)
            if btn.value() == 0 and not self.busy:
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

    def _drop_factor_request(self):
        pending = self.factor_request
        self.factor_request = None
        if pending is not None:
            pending[0].wipe()

    def _drop_channel(self):
        self._drop_factor_request()  # it holds Secret B; a new session starts without it
        # Close, not just forget: close() zeroes the session's MAC keys now instead of leaving
        # them in the heap until the collector reuses the memory.
        ch = self.dispatcher.channel
        self.dispatcher.channel = None
        if ch is not None and hasattr(ch, "close"):
            ch.close()


def main(board):
    asyncio.run(Card(board).run())
