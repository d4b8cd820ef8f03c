"""`bioshard portfolio push`: balance and recent transactions for the card's idle screen."""
from ..card import connect
from ..errors import BadInputError
from ._common import add_card_option

from bioshard_card.btc.amounts import parse_btc


def register(sub):
    p = sub.add_parser("portfolio", help="show balance and recent transactions on the card")
    ps = p.add_subparsers(dest="portfolio_command", metavar="PORTFOLIO_COMMAND")
    push = ps.add_parser("push", help="push balance and transactions to the card")
    add_card_option(push)
    push.add_argument("--balance", required=True, help="BTC, e.g. 0.015")
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


def run(args):
    try:
        bal = parse_btc(args.balance)
    except ValueError as e:
        raise BadInputError("--balance: %s" % e) from None
    txs = [_tx(t) for t in args.tx]
    with connect(args.card) as card:
        card.call("portfolio.push", {"balance": bal, "txs": txs}, timeout=30)
    print("portfolio shown on the card")
    return 0
