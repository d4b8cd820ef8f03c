# address.show: the card derives one of the wallet's addresses itself and asks the owner whether
# it is the one the computer shows.
from ..flows import errors
from ..flows.fingers import BUTTON, CONFIRM_TIMEOUT_MS, FINGER
from ..ui import screens


async def address_show(card, params):
    w = card.wallet
    if w is None or not w.ready:
        raise errors.not_ready("no wallet on this card yet")
    from ..btc.address import p2tr_script, script_to_address

    # An HD child (BIP-328 <0;1>/index, derived here from the paired aggregate) when the
    # host names an index; the single-key wallet's address otherwise.
    index = params.get("index")
    label, path = "Receive address", "2-of-2"
    if index is None:
        addr = script_to_address(p2tr_script(w.output_key), w.network)
    else:
        from ..btc.hd import Children, MAX_INDEX, path_text

        branch = 1 if params.get("change") else 0
        if type(index) is not int or not 0 <= index < MAX_INDEX:
            raise errors.bad_params("index: 0..%d" % (MAX_INDEX - 1))
        addr = script_to_address(Children(w.agg_key).script((branch, index)), w.network)
        label, path = ("Change address" if branch else "Receive address"), path_text((branch, index))

    async def flow():
        await card.display.show_async(screens.address_verify, addr, label, path)
        r = await card.fingers.tap(CONFIRM_TIMEOUT_MS)
        if r != FINGER and r != BUTTON:  # no answer is not a "no": the host must tell them apart
            raise errors.timed_out("the address check")
        return r == FINGER

    ok = await card.run_flow(flow())
    return {"address": addr, "confirmed": ok}
