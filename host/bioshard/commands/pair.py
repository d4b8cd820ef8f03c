"""`bioshard pair`: pair this computer with a card (once per card)."""
from .. import pairing
from ..card import connect
from ._common import add_card_option, progress


def register(sub):
    p = sub.add_parser("pair", help="pair with a card: compare the 6-digit code, confirm on the card")
    add_card_option(p)
    p.add_argument("--code", help="the code the card shows (asked interactively if absent)")
    p.set_defaults(func=run)


def run(args):
    with connect(args.card, secure=False) as card:
        info = card.info()
        progress("card %s (firmware %s) — pairing…" % (info["name"], info["version"]))

        def ask_code():
            if args.code:
                return args.code
            return input("Type the 6-digit code shown on the card: ")

        progress("look at the card: it shows a 6-digit code")
        record = pairing.pair_card(card.client, ask_code)
        pairing.save_record(record)
    print("paired with %s. Next: bioshard enroll" % info["name"])
    return 0
