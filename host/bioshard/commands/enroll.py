"""`bioshard enroll`: enroll the owner's ordered finger sequence on the card.

The card guides each press on its screen; the host receives only the public helper blob and
the card's public key share, and keeps them in wallet.json (back them up with
`bioshard backup export`).
"""
from .. import state
from ..card import connect
from ..errors import BadInputError
from ._common import add_card_option, progress

FINGERS = {"r-thumb": 1, "r-index": 2, "r-middle": 3, "r-ring": 4, "r-little": 5,
           "l-thumb": 6, "l-index": 7, "l-middle": 8, "l-ring": 9, "l-little": 10}


def register(sub):
    p = sub.add_parser("enroll", help="enroll an ordered sequence of 1-5 fingers on the card")
    add_card_option(p)
    p.add_argument("--fingers", default="r-index,l-index",
                   help="comma-separated, in order: " + ",".join(FINGERS))
    p.add_argument("--presses", type=int, default=8, help="guided presses per finger (4-12, default 8)")
    p.add_argument("--network", default="main", choices=("main", "test", "signet", "regtest"))
    p.add_argument("--replace", action="store_true", help="replace the card's existing wallet")
    p.set_defaults(func=run)


def parse_fingers(text):
    names = [f.strip() for f in text.split(",") if f.strip()]
    bad = [n for n in names if n not in FINGERS]
    if bad or not 1 <= len(names) <= 5:
        raise BadInputError("fingers: 1 to 5 of %s (got %r)" % (", ".join(FINGERS), text))
    return [FINGERS[n] for n in names]


def run(args):
    ids = parse_fingers(args.fingers)
    doc = state.load(required=False)
    with connect(args.card) as card:
        progress("follow the card's screen: %d finger(s), %d presses each" % (len(ids), args.presses))
        res = card.call("enroll", {"fingers": ids, "presses": args.presses, "network": args.network,
                                   "replace": args.replace})
    doc.update({"card_pubkey": res["pubkey"].hex(), "blob": res["blob"].hex(), "network": args.network})
    doc.pop("descriptor", None)
    state.save(doc)
    print("enrolled; card public key %s. Next: bioshard wallet create" % res["pubkey"].hex())  # ok-to-print: public
    return 0
