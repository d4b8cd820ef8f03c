# wallet.set: the host names the 2-of-2's participants (its own key and the card's). Setting
# the first co-signer is the host's call; changing it is the owner's, on the card.
from ..flows import errors
from ..flows.fingers import BUTTON, CONFIRM_TIMEOUT_MS, FINGER
from ..ui import screens
from ..wallet_record import WalletRecordError


async def wallet_set(card, params):
    w = card.wallet
    if w is None:
        raise errors.not_ready("enroll (or recover) first: the card has no key share")
    keys = params["participants"]
    if not isinstance(keys, list):
        raise errors.bad_params("participants: a list of two 33-byte keys")
    try:
        nw = w.with_participants(keys)  # same key, network and card factor
    except WalletRecordError as e:
        raise errors.bad_params(str(e))
    if (w.ready and w.participants != nw.participants) or w.replacing:
        if not params.get("replace"):
            raise errors.not_ready("this card belongs to another wallet (replace=true to overwrite)")
        # Swapping the co-signer, or the first co-signer after a set-up wallet's key was
        # replaced, changes every address the card will confirm as this wallet's: a host
        # alone must not do it, or address.show would vouch for an address the owner's
        # Secret A cannot spend. The owner sees the new address (and so its network).
        await card.run_flow(_confirm_replace(card, nw))
    card.save_wallet(nw)
    return {"aggregate_key": nw.agg_key, "output_key": nw.output_key}


async def _confirm_replace(card, nw):
    from ..btc.address import p2tr_script, script_to_address

    addr = script_to_address(p2tr_script(nw.output_key), nw.network)
    await card.display.show_async(screens.address_verify, addr, "REPLACE wallet? New address", "")
    r = await card.fingers.tap(CONFIRM_TIMEOUT_MS)
    if r == BUTTON:
        raise errors.cancelled("wallet replacement")
    if r != FINGER:
        raise errors.timed_out("wallet replacement")
