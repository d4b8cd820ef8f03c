"""`bioshard pair`: pair this computer with a card (once per card)."""
from .. import pairing, state
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
    print("paired with %s. Next: %s" % (info["name"], next_step()))
    return 0


def next_step():
    """What the owner does after pairing: a computer that already holds a wallet recovers its
    card share on this card (same fingers, same key); enrolling would make another key and
    strand the funds."""
    if state.path().exists():
        return ("bioshard recover (this computer already has a wallet: recover re-derives its card key "
                "on this card with the same fingers; do not enroll)")
    return "bioshard enroll"
