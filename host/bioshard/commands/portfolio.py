"""`bioshard portfolio push`: balance and recent transactions for the card's idle screen.

Either given by hand (--balance, --tx) or taken from the chain (--esplora URL): the balance
and the newest transactions of the wallet's own addresses, from an Esplora HTTP API
(wallet/esplora.py), with the next unused receive/change index recorded in wallet.json
advanced past any address the chain shows as used. "*" marks an unconfirmed transaction.
"""
from ..card import connect
from ..errors import BadInputError
from ._common import add_card_option

from bioshard_card.btc.amounts import format_btc, parse_btc


def register(sub):
    p = sub.add_parser("portfolio", help="show balance and recent transactions on the card")
    ps = p.add_subparsers(dest="portfolio_command", metavar="PORTFOLIO_COMMAND")
    push = ps.add_parser("push", help="push balance and transactions to the card")
    add_card_option(push)
    src = push.add_mutually_exclusive_group(required=True)
    src.add_argument("--balance", help="BTC, e.g. 0.015")
    src.add_argument("--esplora", metavar="URL",
                     help="take balance and transactions of the wallet's addresses from this Esplora API, "
                          "e.g. https://blockstream.info/api")
    push.add_argument("--tx", action="append", default=[], help="LABEL:+/-BTC, newest first (repeat)")
    push.set_defaults(func=run)
    p.set_defaults(func=lambda a: p.print_help() or 2)


def _tx(text):
    label, sep, amount = text.rpartition(":")
    if not sep or not label:
        raise BadInputError("--tx wants LABEL:AMOUNT, got %r" % text)
    neg = amount.startswith("-")
    try:
        sats = parse_btc(amount.lstrip("+-"))
    except ValueError as e:
        raise BadInputError("--tx %r: %s" % (text, e)) from None
    return [label, -sats if neg else sats]


MAX_TXS = 4  # what the card's idle screen keeps (handlers/portfolio.MAX_TXS)


def _from_chain(url):
    from .. import state
    from ..wallet.descriptor import Descriptor, DescriptorError
    from ..wallet.esplora import Esplora, scan

    doc = state.load()
    try:
        desc = Descriptor(state.need(doc, "descriptor", "run `bioshard wallet create` first"))
        legacy = Descriptor(doc["legacy_descriptor"]) if doc.get("legacy_descriptor") else None
    except DescriptorError as e:
        raise BadInputError("wallet.json has a bad descriptor: %s" % e) from None
    net = doc.get("network", "main")
    bal, txs, nxt = scan(Esplora(url), desc, net, int(doc.get("next_receive", 0)),
                         int(doc.get("next_change", 0)), legacy)
    if desc.ranged() and (nxt[0] > int(doc.get("next_receive", 0)) or nxt[1] > int(doc.get("next_change", 0))):
        doc.update({"next_receive": nxt[0], "next_change": nxt[1]})
        state.save(doc)
    return bal, [[label, delta] for label, delta in txs[:MAX_TXS]]


def run(args):
    if args.esplora:
        if args.tx:
            raise BadInputError("--tx goes with --balance; --esplora takes the transactions from the chain")
        bal, txs = _from_chain(args.esplora)
    else:
        try:
            bal = parse_btc(args.balance)
        except ValueError as e:
            raise BadInputError("--balance: %s" % e) from None
        txs = [_tx(t) for t in args.tx]
    with connect(args.card) as card:
        card.call("portfolio.push", {"balance": bal, "txs": txs}, timeout=30)
    print("portfolio shown on the card: %s" % format_btc(bal))
    for label, delta in txs:
        print("  %s %s%s" % (label, "+" if delta >= 0 else "-", format_btc(abs(delta))))
    return 0
