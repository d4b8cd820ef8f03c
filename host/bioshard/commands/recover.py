"""`bioshard recover`: a new card + the backed-up helper blob + the same fingers."""
from .. import state
from ..card import connect
from ..errors import WrongCardError
from ._common import RESTORE_HINT, add_card_option, progress


def register(sub):
    p = sub.add_parser("recover", help="re-derive the card's key share on a new card from the blob and your fingers")
    add_card_option(p)
    p.add_argument("--replace", action="store_true", help="overwrite a wallet already on this card")
    p.set_defaults(func=run)


def run(args):
    doc = state.load()
    blob = bytes.fromhex(state.need(doc, "blob", "run `bioshard backup restore FILE` first"))
    want = bytes.fromhex(state.need(doc, "card_pubkey", "run `bioshard backup restore FILE` first"))
    with connect(args.card) as card:
        progress("present your finger sequence on the new card")
        res = card.call("recover", {"blob": blob, "network": doc.get("network", "main"), "replace": args.replace})
        if res["pubkey"] != want:
            raise WrongCardError("the fingers derived another key share than this wallet's")
        if doc.get("host_pubkey"):
            card.call("wallet.set", {"participants": [bytes.fromhex(doc["host_pubkey"]), want]})
    print("recovered: the new card derives the same public key %s" % want.hex())  # ok-to-print: public
    if doc.get("host_pubkey") and not state.secret_path().exists():
        print("this computer has no Secret A yet: " + RESTORE_HINT)
    return 0
