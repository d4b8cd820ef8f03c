"""`bioshard wallet create` (and `wallet show-address`): the wallet's setup steps that need the card.

create: Secret A from os.urandom, encrypted at rest under the passphrase (keystore), never
printed; the card learns the two participant keys (it computes the aggregate and Taproot keys
itself and must agree with the host); the HD descriptor tr(musig(A,B)/<0;1>/*) is saved and
printed for watch-only use, and receive #0 is compared on the card.
show-address: an HD child (--index, --change; default the last one handed out) or the
single-key wallet's one address, shown on the card with its index.
"""
from .. import keystore, state
from ..card import connect
from ..errors import BadInputError, CardRefusedError, CardTimeoutError, WrongCardError
from ..signing import individual_pk
from ..wallet.descriptor import Descriptor
from ..wallet.keyagg import wallet_keys
from ._common import RESTORE_HINT, add_card_option, passphrase, progress
from ._keep import keep_copy

UNCONFIRMED = ("Secret A and wallet.json are saved, but receive nothing until "
               "`bioshard wallet show-address --index 0` is confirmed on the card")


def add_parsers(ws):
    """Called by commands/wallet.py to add these sub-commands to `bioshard wallet`."""
    c = ws.add_parser("create", help="create Secret A and the 2-of-2 wallet with the enrolled card")
    add_card_option(c)
    c.add_argument("--force", action="store_true", help="replace an existing Secret A (funds on it are lost!)")
    c.set_defaults(func=create)
    s = ws.add_parser("show-address", help="show the receive address on the card to compare")
    add_card_option(s)
    s.add_argument("--index", type=int, help="HD child index (default: the last receive address handed out)")
    s.add_argument("--change", action="store_true", help="a change address instead of a receive one")
    s.set_defaults(func=show_address)


def create(args):
    doc = state.load()
    card_pub = bytes.fromhex(state.need(doc, "card_pubkey", "run `bioshard enroll` first"))
    path = state.secret_path()
    if not args.force:
        if path.exists():
            raise BadInputError("a Secret A already exists at %s (use --force only if it holds no funds)" % path)
        if doc.get("host_pubkey"):
            # wallet.json names this wallet's Secret A: a new one would be another wallet
            raise BadInputError("this computer's wallet.json belongs to a wallet whose Secret A is not here: "
                                "%s (--force makes a new, different wallet)" % RESTORE_HINT)
    pw = passphrase(confirm=True)
    keystore.check_passphrase(pw)
    secret_a = keystore.new_secret()
    host_pub = individual_pk(secret_a)
    parts, agg, out_key = wallet_keys([host_pub, card_pub])
    with connect(args.card) as card:
        if args.force:
            progress("if the card already belongs to a wallet it shows the new address: touch its sensor to replace")
            res = card.call("wallet.set", {"participants": [host_pub, card_pub], "replace": True})
        else:
            res = card.call("wallet.set", {"participants": [host_pub, card_pub], "replace": False}, timeout=30)
        if res["output_key"] != out_key:
            raise WrongCardError("the card computed another wallet key: refusing to create the wallet")
        for old in (path, state.path()):
            kept = keep_copy(old) if args.force and old.exists() else None
            if kept:
                progress("kept the replaced %s as %s" % (old.name, kept))
        keystore.save(path, secret_a, pw, host_pub)
        net = doc.get("network", "main")
        desc = Descriptor.hd_from_keys([host_pub, card_pub], net)
        # receive #0 is shown now: `wallet address` hands out #1 next
        doc.update({"host_pubkey": host_pub.hex(), "descriptor": str(desc), "next_receive": 1,
                    "next_change": 0})
        doc.pop("legacy_descriptor", None)
        state.save(doc)
        addr = desc.address(0, False, net)
        progress("compare the address on the card and touch its sensor")
        try:
            shown = card.call("address.show", {"index": 0, "change": False})
        except CardTimeoutError:
            raise CardTimeoutError("the address was not confirmed on the card (no touch in time): " + UNCONFIRMED
                                   ) from None
    print("descriptor: %s" % desc)
    if shown["address"] != addr:
        raise WrongCardError("the card shows %s, the host computed %s: do not use this wallet"
                             % (shown["address"], addr))
    if not shown["confirmed"]:
        raise CardRefusedError("the address was rejected on the card (button): " + UNCONFIRMED)
    print("address:    %s receive #0 (the card shows the same; confirmed on the card)" % addr)
    return 0


def show_address(args):
    doc = state.load()
    desc = Descriptor(state.need(doc, "descriptor", "run `bioshard wallet create` first"))
    net = doc.get("network", "main")
    if desc.is_hd():
        index = args.index
        if index is None:
            key = "next_change" if args.change else "next_receive"
            index = max(int(doc.get(key, 0)) - 1, 0)  # the last one handed out
        addr = desc.address(index, args.change, net)
        params = {"index": index, "change": bool(args.change)}
        what = "%s #%d" % ("change" if args.change else "receive", index)
    else:
        if args.change or args.index not in (None, 0):
            raise BadInputError("this wallet has one reused address; `bioshard wallet migrate` switches it to HD addresses")
        addr, params, what = desc.address(network=net), {}, "the wallet's one address"
    with connect(args.card) as card:
        progress("compare the address on the card; touch the sensor if it matches, press the button if not")
        shown = card.call("address.show", params)
    if shown["address"] != addr:
        raise WrongCardError("the card shows %s, the host computed %s" % (shown["address"], addr))
    print("%s (%s) %s" % (addr, what, "confirmed on the card" if shown["confirmed"] else "NOT confirmed on the card"))
    return 0 if shown["confirmed"] else 5
