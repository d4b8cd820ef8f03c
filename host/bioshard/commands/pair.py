"""`bioshard pair`: pair this computer with a card (once per card)."""
from .. import pairing
from ..card import connect
from ._common import add_card_option, progress


def register(sub):
    p = sub.add_parser("pair", help="pair with a card: compare the 6-digit code, confirm on the card")
    add_card_option(p)
    p.add_argument("--code", help="the code the card shows (if absent: asked whether both codes are the same)")
    p.set_defaults(func=run)


def run(args):
    with connect(args.card, secure=False) as card:
        info = card.info()
        progress("card %s (firmware %s) — pairing…" % (info["name"], info["version"]))

        def show_code(code):
            progress("this computer's code: %s %s (the card shows a code too)" % (code[:3], code[3:]))

        def ask_code():
            if args.code:
                return args.code
            try:
                same = input("Does the card show the same code? [y/N] ").strip().lower() in ("y", "yes")
            except EOFError:
                same = False
            if same:
                progress("now confirm on the card: touch its sensor")
            return same

        record = pairing.pair_card(card.client, ask_code, show_code=show_code)
        pairing.save_record(record)
    print("paired with %s. Next: bioshard enroll" % info["name"])
    return 0
