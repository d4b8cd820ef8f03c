"""`bioshard enroll`: enroll the owner's ordered finger sequence on the card.

The card guides each press on its screen; the host receives only the public helper blob and
the card's public key share, and keeps them in wallet.json (back them up with
`bioshard backup export`). A computer that already has a wallet refuses: a new enrollment is a
new card key, and the old wallet's coins need the old key (a lost card is replaced with
`bioshard recover`). `--force` replaces it, keeping the old wallet.json as a dated copy.

With a backup service (--service/--email or their environment variables) the card mixes a card
factor into its key share, obtained through the service after its email check: then Secret A,
the helper blob and fingers found by an offline search are not enough without the card or the
owner's mailbox (docs/threat-model.md). Without one, `--no-service` says so explicitly.
"""
from .. import card_factor, state
from ..card import connect
from ..errors import BadInputError
from . import _service
from ._common import add_card_option, progress
from ._keep import keep_copy

NO_SERVICE_WARNING = ("no backup service: Secret B rests on your fingers alone, so a stolen computer "
                      "(Secret A + helper blob) can search for it offline (docs/threat-model.md)")

FINGERS = {"r-thumb": 1, "r-index": 2, "r-middle": 3, "r-ring": 4, "r-little": 5,
           "l-thumb": 6, "l-index": 7, "l-middle": 8, "l-ring": 9, "l-little": 10}


def register(sub):
    p = sub.add_parser("enroll", help="enroll an ordered sequence of 1-5 fingers on the card")
    add_card_option(p)
    p.add_argument("--fingers", default="r-index,l-index",
                   help="comma-separated, in order: " + ",".join(FINGERS))
    p.add_argument("--presses", type=int, default=8, help="guided presses per finger (4-12, default 8)")
    p.add_argument("--network", default="main", choices=state.NETWORKS)
    p.add_argument("--replace", action="store_true", help="replace the card's existing wallet")
    p.add_argument("--force", action="store_true",
                   help="replace this computer's wallet (its wallet.json is kept as a dated copy)")
    _service.add_service_options(p)
    p.add_argument("--no-service", action="store_true",
                   help="enroll without the card factor (fingers alone; weaker against a stolen computer)")
    p.set_defaults(func=run)


def parse_fingers(text):
    names = [f.strip() for f in text.split(",") if f.strip()]
    bad = [n for n in names if n not in FINGERS]
    if bad or not 1 <= len(names) <= 5:
        raise BadInputError("fingers: 1 to 5 of %s (got %r)" % (", ".join(FINGERS), text))
    return [FINGERS[n] for n in names]


def refuse_to_replace(doc, what):
    """The wallet.json of an existing wallet is the only copy of its blob and card key here."""
    if doc.get("blob") or doc.get("card_pubkey"):
        raise BadInputError(
            "this computer already has a wallet (card key %s...): %s would replace its helper blob and card key, "
            "and its coins need them. Lost the card? Pair the new one and run `bioshard recover`. "
            "Replace it anyway with --force (wallet.json is kept as a dated copy)"
            % (str(doc.get("card_pubkey", ""))[:16], what))


def run(args):
    ids = parse_fingers(args.fingers)
    if not 4 <= args.presses <= 12:
        raise BadInputError("--presses: 4 to 12")
    doc = state.load(required=False)
    if not args.force:
        refuse_to_replace(doc, "enrolling")
    svc = None
    if args.no_service:
        progress(NO_SERVICE_WARNING)
    elif not args.service:
        raise BadInputError("enrolling needs the backup service for the card factor: pass --service URL and "
                            "--email (or BIOSHARD_BACKUP_URL, BIOSHARD_EMAIL), or --no-service to rely on "
                            "the fingers alone")
    else:
        svc = _service.login(args.service, args.email)  # before the presses: the answer is needed right after
        svc.card_key()
    with connect(args.card) as card:
        progress("follow the card's screen: %d finger(s), %d presses each" % (len(ids), args.presses))
        res = card.call("enroll", {"fingers": ids, "presses": args.presses, "network": args.network,
                                   "replace": args.replace, "factor": svc is not None})
        blob = res["blob"]
        if svc is not None:
            res = card_factor.finish(card, svc, res)
    kept = keep_copy(state.path())
    if kept:
        progress("kept the replaced wallet.json as %s" % kept)
    doc.update({"card_pubkey": res["pubkey"].hex(), "blob": blob.hex(), "network": args.network})
    doc.pop("descriptor", None)
    doc.pop("card_factor", None)
    if svc is not None:
        doc["card_factor"] = {"service": args.service, "email": args.email}
    state.save(doc)
    print("enrolled; card public key %s. Next: bioshard wallet create" % res["pubkey"].hex())  # ok-to-print: public
    return 0
