"""`bioshard sign PSBT`: co-sign with the card, finalize, print the raw transaction.

The card shows every output, the change and the fee; nothing is signed until the owner
presents the enrolled finger sequence on it.
"""
import base64

from .. import keystore, state
from ..card import connect
from ..cosign import cosign
from ..errors import BadInputError
from ..wallet import psbt_io
from ._common import add_card_option, passphrase, progress, read_input


def register(sub):
    p = sub.add_parser("sign", help="co-sign a PSBT with the card and print the raw transaction")
    p.add_argument("psbt", help="PSBT file, base64/hex text, or - for stdin")
    add_card_option(p)
    p.add_argument("--out-psbt", help="also write the finalized PSBT (base64) to this file")
    p.set_defaults(func=run)


def run(args):
    raw_in = read_input(args.psbt)
    try:
        psbt = psbt_io.load(raw_in)
    except Exception as e:
        raise BadInputError("not a PSBT (%s)" % e) from None
    doc = state.load()
    card_pub = bytes.fromhex(state.need(doc, "card_pubkey", "run `bioshard enroll`"))
    blob = bytes.fromhex(state.need(doc, "blob", "run `bioshard enroll` or `bioshard backup restore`"))
    secret_a = keystore.load(state.secret_path(), passphrase())
    with connect(args.card) as card:
        progress("review the transaction on the card, then present your finger sequence there")
        p, raw = cosign(card, psbt, secret_a, card_pub, blob)
    if args.out_psbt:
        with open(args.out_psbt, "w") as f:
            f.write(base64.b64encode(p.serialize()).decode() + "\n")
    print(raw.hex())
    return 0
