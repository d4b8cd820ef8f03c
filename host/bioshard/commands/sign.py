"""`bioshard sign PSBT`: co-sign with the card.

  (default)        all-in-one: this host (Secret A) and the card sign, the host aggregates,
                   finalizes and prints the raw transaction; --no-finalize prints the PSBT
                   instead, with both participants' BIP-373 nonces and partial signatures and
                   the aggregate PSBT_IN_TAP_KEY_SIG
  --participant    the card is one participant of a BIP-373 session another coordinator runs:
                   the host adds only the card's PSBT_IN_MUSIG2_PUB_NONCE and
                   PSBT_IN_MUSIG2_PARTIAL_SIG and prints the PSBT; aggregation is the other
                   software's (or `bioshard wallet finalize`). The card signs last, so the other
                   participant's nonce must already be in the PSBT.

The card shows every output, the change (with its index) and the fee; nothing is signed until
the owner presents the enrolled finger sequence on it.
"""
import base64

from bioshard_card.btc.errors import PSBTError

from .. import keystore, state
from ..card import connect
from ..cosign import cosign, cosign_participant
from ..errors import BadInputError
from ..wallet import fee_check, psbt_io
from ._common import RESTORE_HINT, add_card_option, passphrase, progress, read_input


def register(sub):
    p = sub.add_parser("sign", help="co-sign a PSBT with the card and print the raw transaction")
    p.add_argument("psbt", help="PSBT file, base64/hex text, or - for stdin")
    add_card_option(p)
    p.add_argument("--out-psbt", help="also write the resulting PSBT (base64) to this file")
    p.add_argument("--allow-high-fee", action="store_true",
                   help="sign even if the fee is above 10%% of the inputs (and above 10,000 sats)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--participant", action="store_true",
                      help="add only the card's BIP-373 nonce and partial signature; print the PSBT")
    mode.add_argument("--no-finalize", action="store_true",
                      help="all-in-one, but print the signed PSBT (BIP-373 fields kept) instead of the transaction")
    p.set_defaults(func=run)


def run(args):
    raw_in = read_input(args.psbt)
    try:
        psbt = psbt_io.load(raw_in)
    except Exception as e:
        raise BadInputError("not a PSBT (%s)" % e) from None
    try:
        fee_check.check_psbt(psbt_io.parse(psbt), args.allow_high_fee)
    except PSBTError as e:
        raise BadInputError("not a PSBT (%s)" % e.reason) from None
    doc = state.load()
    card_pub = bytes.fromhex(state.need(doc, "card_pubkey", "run `bioshard enroll`"))
    blob = bytes.fromhex(state.need(doc, "blob", "run `bioshard enroll` or `bioshard backup restore`"))
    if getattr(args, "participant", False):
        with connect(args.card) as card:
            progress("review the transaction on the card, then present your finger sequence there")
            p = cosign_participant(card, psbt, card_pub, blob)
        return _print_psbt(p, args)
    if not state.secret_path().exists():
        raise BadInputError("no Secret A on this computer (%s): %s" % (state.secret_path(), RESTORE_HINT))
    secret_a = keystore.load(state.secret_path(), passphrase())
    finalize = not getattr(args, "no_finalize", False)
    with connect(args.card) as card:
        progress("review the transaction on the card, then present your finger sequence there")
        p, raw = cosign(card, psbt, secret_a, card_pub, blob, finalize=finalize)
    if not finalize:
        return _print_psbt(p, args)
    if args.out_psbt:
        with open(args.out_psbt, "w") as f:
            f.write(base64.b64encode(p.serialize()).decode() + "\n")
    print(raw.hex())
    return 0


def _print_psbt(p, args):
    text = base64.b64encode(p.serialize()).decode()
    if args.out_psbt:
        with open(args.out_psbt, "w") as f:
            f.write(text + "\n")
    print(text)
    return 0
