"""`bioshard wallet ...`: the 2-of-2 wallet's descriptor, addresses and PSBTs.

  descriptor [--key A --key B]      tr(musig(A,B))#checksum for Core/Sparrow (watch-only)
  address [--index N] [--change]    a receive (or change) address
  psbt --utxo TXID:VOUT:BTC --to ADDR:BTC [--change BTC]
                                    unsigned PSBT (BIP-371/373 fields) in base64
  review PSBT                       exactly what the card will show for this PSBT
  finalize PSBT                     check the key-path signatures, print the raw transaction
  create, show-address              with the card: see _wallet_setup.py
Without --descriptor/--key the wallet of $BIOSHARD_HOME (wallet.json) is used. The MuSig2
rounds with the card happen in the signing command; this one never sees a secret.
"""
import sys
from pathlib import Path

from bioshard_card.btc.address import address_to_script
from bioshard_card.btc.amounts import format_btc, parse_btc
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.review import Wallet, review

from .. import state
from ..errors import BadInputError
from ..wallet import finalize as fin
from ..wallet import psbt_io
from ..wallet.descriptor import Descriptor, DescriptorError
from ..wallet.psbt_build import Utxo, build

NETWORKS = ("main", "test", "signet", "regtest")


def register(sub):
    p = sub.add_parser("wallet", help="descriptor, addresses and PSBTs of the 2-of-2 wallet")
    ws = p.add_subparsers(dest="wallet_command", metavar="WALLET_COMMAND")
    from ._wallet_setup import add_parsers  # create / show-address talk to the card

    add_parsers(ws)

    d = ws.add_parser("descriptor", help="BIP-390 tr(musig(...)) descriptor with checksum")
    d.add_argument("--key", action="append",
                   help="participant key: 33-byte hex pubkey or xpub[/path] (repeat); "
                        "default: this host's wallet")
    d.add_argument("--path", default="", help="derivation after musig(), e.g. /<0;1>/*")
    d.add_argument("--compat", action="store_true",
                   help="print tr(<aggregate key>) instead, for wallets without musig() support")
    d.set_defaults(func=cmd_descriptor)

    a = ws.add_parser("address", help="an address of the wallet")
    _wallet_args(a)
    a.add_argument("--change", action="store_true")
    a.set_defaults(func=cmd_address)

    c = ws.add_parser("psbt", help="unsigned PSBT spending wallet UTXOs")
    _wallet_args(c)
    c.add_argument("--utxo", action="append", required=True, metavar="TXID:VOUT:BTC")
    c.add_argument("--to", action="append", required=True, metavar="ADDRESS:BTC")
    c.add_argument("--change", metavar="BTC", help="amount back to the wallet (same address)")
    c.add_argument("--out", help="write the PSBT here instead of printing base64")
    c.set_defaults(func=cmd_psbt)

    r = ws.add_parser("review", help="show what the card will show for a PSBT")
    r.add_argument("psbt", help="file with a PSBT (binary, base64 or hex), or - for stdin")
    _wallet_args(r)
    r.set_defaults(func=cmd_review)

    f = ws.add_parser("finalize", help="verify signatures, print the raw transaction hex")
    f.add_argument("psbt")
    f.add_argument("--psbt-out", help="also write the finalized PSBT here")
    f.set_defaults(func=cmd_finalize)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def _wallet_args(p):
    p.add_argument("--descriptor", help="wallet descriptor (default: this host's wallet.json)")
    p.add_argument("--index", type=int, default=0, help="child index for ranged descriptors")
    p.add_argument("--network", choices=NETWORKS, help="default: the wallet's, else main")


def _wallet(args):
    return _wallet_from(args.descriptor, args.network)


def _wallet_from(text, net):
    """(Descriptor, network) from the arguments, else from the host's wallet.json."""
    if not text:
        doc = state.load()
        text = state.need(doc, "descriptor", "create the wallet first, or pass --descriptor")
        net = net or doc.get("network")
    return _descriptor(text), net or "main"


def _descriptor(text):
    try:
        return Descriptor(text)
    except (DescriptorError, ValueError) as e:
        raise BadInputError("bad descriptor: %s" % e) from e


def _read_psbt(arg):
    data = sys.stdin.buffer.read() if arg == "-" else Path(arg).read_bytes()
    try:
        return psbt_io.load(data)
    except PSBTError as e:
        raise BadInputError("bad PSBT: %s" % e.reason) from e


def cmd_descriptor(args):
    if args.key:
        d = _descriptor("tr(musig(%s)%s)" % (",".join(args.key), args.path))
    else:
        d = _wallet_from(None, None)[0]
    try:
        print(d.compat() if args.compat else d)
    except DescriptorError as e:
        raise BadInputError(str(e)) from e


def cmd_address(args):
    d, net = _wallet(args)
    print(d.address(args.index, args.change, net))


def _amount(text, what):
    try:
        return parse_btc(text)
    except PSBTError as e:
        raise BadInputError("bad amount for %s: %r" % (what, text)) from e


def _signable(d):
    # The card's wallet record is one aggregate key (no BIP-32 below it), so only a non-ranged
    # tr(musig(A,B)) is something it can review and sign; ranged descriptors are watch-only.
    if d.ranged() or d.steps or any(k.steps for k in d.keys):
        raise BadInputError("the card signs for the single-key tr(musig(A,B)) wallet only; "
                            "ranged descriptors are for watch-only use")
    return d


def cmd_psbt(args):
    d, net = _wallet(args)
    _signable(d)
    own = d.script(args.index)
    utxos = []
    for u in args.utxo:
        parts = u.split(":")
        if len(parts) != 3 or len(parts[0]) != 64:
            raise BadInputError("--utxo must be TXID:VOUT:BTC, got %r" % u)
        utxos.append(Utxo(parts[0], int(parts[1]), _amount(parts[2], u), own))
    outputs = []
    for t in args.to:
        addr, _, amt = t.rpartition(":")
        try:
            outputs.append((address_to_script(addr, net), _amount(amt, t)))
        except PSBTError as e:
            raise BadInputError("bad address %r: %s" % (addr, e.reason)) from e
    if args.change:
        outputs.append((own, _amount(args.change, "--change")))
    agg = d.aggregate_key(args.index)
    p = build(utxos, outputs, agg, d.participants(args.index), d.output_key(args.index))
    if args.out:
        Path(args.out).write_bytes(p.serialize())
    else:
        print(p.to_base64())


def cmd_review(args):
    d, net = _wallet(args)
    _signable(d)
    wallet = Wallet(d.output_key(args.index), d.aggregate_key(args.index), d.participants(args.index),
                    None, net)
    from bioshard_card.btc import psbt as card_psbt
    try:
        rv = review(card_psbt.parse(_read_psbt(args.psbt)), wallet)
    except PSBTError as e:
        raise BadInputError("the card would refuse this PSBT: %s" % e.reason) from e
    for line in rv.lines():
        print(line)
    print("total sent %s" % format_btc(rv.sent()))


def cmd_finalize(args):
    try:
        p = psbt_io.parse(_read_psbt(args.psbt))
        raw = fin.extract(fin.finalize(p))
    except PSBTError as e:
        raise BadInputError("cannot finalize: %s" % e.reason) from e
    if args.psbt_out:
        Path(args.psbt_out).write_bytes(p.serialize())
    print(raw.hex())
