"""`bioshard recover`: a new card + the backed-up helper blob + the same fingers (+ the card
factor from the backup service, after its email check, when the wallet was enrolled with one)."""
from .. import card_factor, state
from ..card import connect
from ..errors import WrongCardError
from . import _service
from ._common import RESTORE_HINT, add_card_option, progress


def register(sub):
    p = sub.add_parser("recover", help="re-derive the card's key share on a new card from the blob and your fingers")
    add_card_option(p)
    p.add_argument("--replace", action="store_true", help="overwrite a wallet already on this card")
    p.add_argument("--service", help="backup service URL, when it moved (default: the one enrolled with)")
    p.set_defaults(func=run)


def run(args):
    doc = state.load()
    blob = bytes.fromhex(state.need(doc, "blob", "run `bioshard backup restore FILE` first"))
    want = bytes.fromhex(state.need(doc, "card_pubkey", "run `bioshard backup restore FILE` first"))
    cf = doc.get("card_factor")
    svc = None
    if cf:
        progress("this wallet's card factor comes back from %s after an email check" % (args.service or cf["service"]))
        svc = _service.login(args.service or cf["service"], cf["email"])
    with connect(args.card) as card:
        progress("present your finger sequence on the new card")
        res = card.call("recover", {"blob": blob, "network": doc.get("network", "main"), "replace": args.replace,
                                    "factor": svc is not None})
        if svc is not None:
            res = card_factor.finish(card, svc, res)
        if res["pubkey"] != want:
            raise WrongCardError("the fingers derived another key share than this wallet's")
        if doc.get("host_pubkey"):
            card.call("wallet.set", {"participants": [bytes.fromhex(doc["host_pubkey"]), want]})
    print("recovered: the new card derives the same public key %s" % want.hex())  # ok-to-print: public
    if doc.get("host_pubkey") and not state.secret_path().exists():
        print("this computer has no Secret A yet: " + RESTORE_HINT)
    return 0
