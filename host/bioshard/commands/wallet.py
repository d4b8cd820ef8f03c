"""`bioshard wallet ...`: the 2-of-2 wallet's descriptor, addresses and PSBTs.

  descriptor --key A --key B        tr(musig(A,B))#checksum for Core/Sparrow (watch-only)
  address DESCRIPTOR [--index N]    receive (or --change) address
  create DESCRIPTOR --utxo ... --to ADDR:BTC [--change BTC]
                                    unsigned PSBT (BIP-371/373 fields) in base64
  review PSBT --descriptor D        exactly what the card will show for this PSBT
  finalize PSBT                     check the key-path signatures, print the raw transaction
The MuSig2 rounds with the card happen in the signing command; this one never sees a secret.
"""
import sys
from pathlib import Path

from bioshard_card.btc.address import address_to_script
from bioshard_card.btc.amounts import format_btc, parse_btc
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.review import Wallet, review

from ..errors import BadInputError
from ..wallet import finalize as fin
from ..wallet import psbt_io
from ..wallet.descriptor import Descriptor, DescriptorError
from ..wallet.psbt_build import Utxo, build

NETWORKS = ("main", "test", "signet", "regtest")


def register(sub):
    p = sub.add_parser("wallet", help="descriptor, addresses and PSBTs of the 2-of-2 wallet")
    ws = p.add_subparsers(dest="wallet_command", metavar="WALLET_COMMAND")

    d = ws.add_parser("descriptor", help="BIP-390 tr(musig(...)) descriptor with checksum")
    d.add_argument("--key", action="append", required=True,
                   help="participant key: 33-byte hex pubkey or xpub[/path] (repeat)")
    d.add_argument("--path", default="", help="derivation after musig(), e.g. /<0;1>/*")
    d.set_defaults(func=cmd_descriptor)

    a = ws.add_parser("address", help="an address of the wallet")
    a.add_argument("descriptor")
    a.add_argument("--index", type=int, default=0)
    a.add_argument("--change", action="store_true")
    a.add_argument("--network", choices=NETWORKS, default="main")
    a.set_defaults(func=cmd_address)

    c = ws.add_parser("create", help="unsigned PSBT spending wallet UTXOs")
    c.add_argument("descriptor")
    c.add_argument("--utxo", action="append", required=True, metavar="TXID:VOUT:BTC")
    c.add_argument("--to", action="append", required=True, metavar="ADDRESS:BTC")
    c.add_argument("--change", metavar="BTC", help="amount back to the wallet (same address)")
    c.add_argument("--index", type=int, default=0, help="child index for ranged descriptors")
    c.add_argument("--network", choices=NETWORKS, default="main")
    c.add_argument("--out", help="write the PSBT here instead of printing base64")
    c.set_defaults(func=cmd_create)

    r = ws.add_parser("review", help="show what the card will show for a PSBT")
    r.add_argument("psbt", help="file with a PSBT (binary, base64 or hex), or - for stdin")
    r.add_argument("descriptor")
    r.add_argument("--index", type=int, default=0)
    r.add_argument("--network", choices=NETWORKS, default="main")
    r.set_defaults(func=cmd_review)

    f = ws.add_parser("finalize", help="verify signatures, print the raw transaction hex")
    f.add_argument("psbt")
    f.add_argument("--psbt-out", help="also write the finalized PSBT here")
    f.set_defaults(func=cmd_finalize)
    p.set_defaults(func=lambda args: p.print_help() or 2)


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
    body = "tr(musig(%s)%s)" % (",".join(args.key), args.path)
    print(_descriptor(body))


def cmd_address(args):
    print(_descriptor(args.descriptor).address(args.index, args.change, args.network))


def _amount(text, what):
    try:
        return parse_btc(text)
    except PSBTError as e:
        raise BadInputError("bad amount for %s: %r" % (what, text)) from e


def cmd_create(args):
    d = _descriptor(args.descriptor)
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
            outputs.append((address_to_script(addr, args.network), _amount(amt, t)))
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
    d = _descriptor(args.descriptor)
    wallet = Wallet(d.output_key(args.index), d.aggregate_key(args.index), d.participants(args.index),
                    None, args.network)
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
