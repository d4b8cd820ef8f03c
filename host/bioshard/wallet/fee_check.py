"""The host's sanity check of what a spend pays, before anything reaches the card.

Outputs above the inputs can never be valid; a fee above HIGH_FEE_SHARE of the inputs (and above
HIGH_FEE_FLOOR sats, so small spends at ordinary rates pass) is almost always a typo — a missing
change output, an amount in the wrong unit — and is refused unless the owner passes
--allow-high-fee. The card shows the fee as well; this stops the mistake one step earlier.
"""
import struct

from ..errors import BadInputError

HIGH_FEE_SHARE = 0.10
HIGH_FEE_FLOOR = 10_000  # sats


def _btc(sats):
    return "%d.%08d BTC" % divmod(sats, 100_000_000)


def check_amounts(inputs, outputs, allow_high_fee=False):
    """inputs, outputs: sats; returns the fee or raises BadInputError."""
    total_in, total_out = sum(inputs), sum(outputs)
    if total_out > total_in:
        raise BadInputError("the outputs (%s) are more than the inputs (%s)" % (_btc(total_out), _btc(total_in)))
    fee = total_in - total_out
    if fee > HIGH_FEE_FLOOR and fee > HIGH_FEE_SHARE * total_in and not allow_high_fee:
        raise BadInputError("the fee %s is %.0f%% of the inputs: refused (a forgotten change output? "
                            "--allow-high-fee if you mean it)" % (_btc(fee), 100.0 * fee / total_in))
    return fee


def check_psbt(p, allow_high_fee=False):
    """The same check on a parsed PSBT (psbt_io.PsbtMaps). Inputs without a witness UTXO are
    left to the card, which refuses them."""
    amounts = []
    for m in p.inputs:
        utxo = m.get(b"\x01")
        if not utxo or len(utxo) < 8:
            return None
        amounts.append(struct.unpack("<Q", utxo[:8])[0])
    return check_amounts(amounts, [o.amount for o in p.tx.outputs], allow_high_fee)
