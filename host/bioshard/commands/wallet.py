"""`bioshard wallet ...`: the 2-of-2 wallet's descriptor, addresses and PSBTs.

  descriptor [--key A --key B] [--path /<0;1>/*]
                                    tr(musig(...)/<0;1>/*)#checksum (BIP-390) for watch-only use
  address [--index N] [--change]    the next unused receive (or change) address, or child N
  psbt --utxo TXID:VOUT:BTC[:0/N|1/N|legacy] --to ADDR:BTC [--change BTC]
                                    unsigned PSBT (BIP-371/373 fields) in base64; change goes to
                                    the next unused change address
  migrate                           switch a single-key wallet to HD addresses
  review PSBT                       exactly what the card will show for this PSBT
  finalize PSBT                     check the key-path signatures, print the raw transaction
  create, show-address              with the card: see _wallet_setup.py
  backup-secret, restore-secret     Secret A's file or 24-word backup: see _secret_backup.py
Without --descriptor/--key the wallet of $BIOSHARD_HOME (wallet.json) is used; it records the
next unused receive and change index. The MuSig2 rounds with the card happen in the signing
command; this one never sees a secret.

HD wallets are `tr(musig(A,B)/<0;1>/*)`: receive (0) and change (1) children of the BIP-328
aggregate xpub; the card derives each child itself. Wallets made before are the single-key
`tr(musig(A,B))` (one reused address): they keep working, and `wallet migrate` switches them.
"""
import sys
from pathlib import Path

from bioshard_card.btc.address import address_to_script
from bioshard_card.btc.amounts import format_btc, parse_btc
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.review import Wallet, review

from .. import state
from ..errors import BadInputError
from ..wallet import fee_check
from ..wallet import finalize as fin
from ..wallet import psbt_io
from ..wallet.descriptor import Descriptor, DescriptorError, participant_xpub
from ..wallet.psbt_build import HdUtxo, Utxo, build, build_hd
from ._common import read_file

NETWORKS = ("main", "test", "signet", "regtest")


def register(sub):
    p = sub.add_parser("wallet", help="descriptor, addresses and PSBTs of the 2-of-2 wallet")
    ws = p.add_subparsers(dest="wallet_command", metavar="WALLET_COMMAND")
    from ._secret_backup import add_parsers as secret_parsers  # backup-secret / restore-secret
    from ._wallet_setup import add_parsers  # create / show-address talk to the card

    add_parsers(ws)
    secret_parsers(ws)

    d = ws.add_parser("descriptor", help="BIP-390 tr(musig(...)) descriptor with checksum")
    d.add_argument("--key", action="append",
                   help="participant key: 33-byte hex pubkey or xpub[/path] (repeat); "
                        "default: this host's wallet")
    d.add_argument("--path", default="", help="derivation after musig(), e.g. /<0;1>/* "
                   "(participants are then written as xpubs, as BIP-390 requires)")
    d.add_argument("--network", choices=NETWORKS, help="xpub or tpub participants; default: the wallet's")
    d.add_argument("--compat", action="store_true",
                   help="print tr(<aggregate key>) instead, for wallets without musig() support")
    d.set_defaults(func=cmd_descriptor)

    a = ws.add_parser("address", help="an address of the wallet")
    _wallet_args(a)
    a.add_argument("--change", action="store_true")
    a.set_defaults(func=cmd_address)

    c = ws.add_parser("psbt", help="unsigned PSBT spending wallet UTXOs")
    _wallet_args(c)
    c.add_argument("--utxo", action="append", required=True, metavar="TXID:VOUT:BTC[:PATH]",
                   help="PATH of an HD wallet's coin: 0/N (receive N), 1/N (change N) or legacy "
                        "(the single-key address of a migrated wallet); default 0/--index")
    c.add_argument("--to", action="append", required=True, metavar="ADDRESS:BTC")
    c.add_argument("--change", metavar="BTC", help="amount back to the wallet: the next unused "
                   "change address (HD), or the one address (single-key)")
    c.add_argument("--change-index", type=int, help="HD change index instead of the next unused one")
    c.add_argument("--out", help="write the PSBT here instead of printing base64")
    c.add_argument("--allow-high-fee", action="store_true",
                   help="allow a fee above 10%% of the inputs (and above 10,000 sats)")
    c.set_defaults(func=cmd_psbt)

    r = ws.add_parser("review", help="show what the card will show for a PSBT")
    r.add_argument("psbt", help="file with a PSBT (binary, base64 or hex), or - for stdin")
    _wallet_args(r)
    r.set_defaults(func=cmd_review)

    f = ws.add_parser("finalize", help="aggregate BIP-373 partial signatures, verify, print the raw transaction hex")
    f.add_argument("psbt")
    f.add_argument("--psbt-out", help="also write the finalized PSBT here")
    f.set_defaults(func=cmd_finalize)

    m = ws.add_parser("migrate", help="switch a single-key wallet to HD addresses (BIP-328)")
    m.set_defaults(func=cmd_migrate)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def _wallet_args(p):
    p.add_argument("--descriptor", help="wallet descriptor (default: this host's wallet.json)")
    p.add_argument("--index", type=int, help="child index (HD wallets); default: the next unused one")
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


MIGRATE_HINT = ("this wallet has one reused address (single-key tr(musig(A,B))); "
                "`bioshard wallet migrate` switches it to HD addresses, and the card keeps signing for both")
NEXT = {False: "next_receive", True: "next_change"}


def _index(args, d, change, advance):
    """The child index to use: --index, else (the host's own HD wallet) the next unused one,
    which is then recorded as used when `advance`."""
    if not d.ranged():
        if args.index not in (None, 0) or change:
            raise BadInputError(MIGRATE_HINT)
        return 0
    if args.index is not None:
        if not 0 <= args.index < 0x80000000:
            raise BadInputError("--index must be 0..2^31-1")
        return args.index
    return _next_unused(args, change, advance)


def _next_unused(args, change, advance):
    """The next unused index of a branch: 0 for a --descriptor, else from wallet.json (and
    recorded as used when `advance`)."""
    if args.descriptor:
        return 0
    doc = state.load()
    n = int(doc.get(NEXT[change], 0))
    if advance:
        doc[NEXT[change]] = n + 1
        state.save(doc)
    return n


def _descriptor(text):
    try:
        return Descriptor(text)
    except (DescriptorError, ValueError) as e:
        raise BadInputError("bad descriptor: %s" % e) from e


def _read_psbt(arg):
    data = read_file(arg)
    try:
        return psbt_io.load(data)
    except PSBTError as e:
        raise BadInputError("bad PSBT: %s" % e.reason) from e


def _path(text):
    text = text.strip()
    return text if not text or text.startswith("/") else "/" + text


def cmd_descriptor(args):
    path = _path(args.path)
    if args.key:
        keys = args.key
        if path:
            # BIP-390: participants of a ranged musig() are xpubs; a bare key becomes the
            # depth-0 xpub the wallet itself writes (participant_xpub).
            net = args.network or "main"
            keys = [participant_xpub(bytes.fromhex(k), net) if _is_hex_key(k) else k for k in keys]
        d = _descriptor("tr(musig(%s)%s)" % (",".join(keys), path))
    else:
        d, net = _wallet_from(None, args.network)
        if path:
            keys = ",".join(participant_xpub(k.pubkey, net) for k in d.keys)
            d = _descriptor("tr(musig(%s)%s)" % (keys, path))
    try:
        print(d.compat() if args.compat else d)
    except DescriptorError as e:
        raise BadInputError(str(e)) from e
    if not d.ranged() and not args.compat:
        print("note: " + MIGRATE_HINT, file=sys.stderr)


def _is_hex_key(k):
    try:
        return len(bytes.fromhex(k)) == 33
    except ValueError:
        return False


def cmd_address(args):
    d, net = _wallet(args)
    index = _index(args, d, args.change, advance=True)
    try:
        addr = d.address(index, args.change, net)
    except DescriptorError as e:
        raise BadInputError(str(e)) from e
    print(addr)
    if d.ranged():
        print("%s #%d" % ("change" if args.change else "receive", index), file=sys.stderr)
    else:
        print("note: " + MIGRATE_HINT, file=sys.stderr)


def cmd_migrate(args):
    doc = state.load()
    d = _descriptor(state.need(doc, "descriptor", "create the wallet first"))
    if d.ranged():
        raise BadInputError("this wallet already uses HD addresses")
    net = doc.get("network", "main")
    hd = Descriptor.hd_from_keys([k.pubkey for k in d.keys], net)
    doc.update({"descriptor": str(hd), "legacy_descriptor": str(d), "next_receive": 0, "next_change": 0})
    state.save(doc)
    print("descriptor: %s" % hd)
    print("the old address %s stays spendable: pass its coins as --utxo TXID:VOUT:BTC:legacy"
          % d.address(network=net))
    return 0


def _amount(text, what):
    try:
        return parse_btc(text)
    except PSBTError as e:
        raise BadInputError("bad amount for %s: %r" % (what, text)) from e


def _signable(d):
    # The card signs for its aggregate key (single-key wallet) and for the <0;1>/index children
    # of it (HD wallet); any other descriptor is for watch-only use.
    if d.steps and not d.is_hd() or any(k.steps for k in d.keys):
        raise BadInputError("the card signs for tr(musig(A,B)) and tr(musig(A,B)/<0;1>/*) wallets only; "
                            "other descriptors are for watch-only use")
    return d


def _utxo(text, d, args):
    parts = text.split(":")
    if len(parts) not in (3, 4) or len(parts[0]) != 64:
        raise BadInputError("--utxo must be TXID:VOUT:BTC[:PATH], got %r" % text)
    try:
        bytes.fromhex(parts[0])
        vout = int(parts[1])
    except ValueError:
        raise BadInputError("--utxo must be TXID:VOUT:BTC[:PATH], got %r" % text) from None
    if not 0 <= vout <= 0xFFFFFFFF:
        raise BadInputError("--utxo %r: VOUT must be 0..4294967295" % text)
    amount = _amount(parts[2], text)
    if not d.is_hd():
        if len(parts) == 4:
            raise BadInputError(MIGRATE_HINT)
        return Utxo(parts[0], vout, amount, d.script())
    if len(parts) == 4 and parts[3] == "legacy":
        return HdUtxo(parts[0], vout, amount, d, 0, legacy=True)
    if len(parts) == 4:
        branch, _, idx = parts[3].partition("/")
        if branch not in ("0", "1") or not idx.isdigit() or int(idx) >= 0x80000000:
            raise BadInputError("utxo path must be 0/N, 1/N or legacy, got %r" % parts[3])
        return HdUtxo(parts[0], vout, amount, d, int(idx), branch == "1")
    return HdUtxo(parts[0], vout, amount, d, args.index or 0)


def cmd_psbt(args):
    d, net = _wallet(args)
    _signable(d)
    utxos = [_utxo(u, d, args) for u in args.utxo]
    outputs = []
    for t in args.to:
        addr, _, amt = t.rpartition(":")
        try:
            outputs.append((address_to_script(addr, net), _amount(amt, t)))
        except PSBTError as e:
            raise BadInputError("bad address %r: %s" % (addr, e.reason)) from e
    if not d.is_hd():
        own = d.script()
        if args.change:
            outputs.append((own, _amount(args.change, "--change")))
        p = build(utxos, outputs, d.aggregate_key(), d.participants(), d.output_key())
    else:
        change = None
        if args.change:
            amount = _amount(args.change, "--change")
            idx = args.change_index
            if idx is None:
                idx = _next_unused(args, True, advance=False)  # recorded once the PSBT is out
            elif not 0 <= idx < 0x80000000:
                raise BadInputError("--change-index must be 0..2^31-1")
            change = (amount, idx)
        p = build_hd(d, utxos, outputs, change)
    fee_check.check_psbt(p, args.allow_high_fee)
    if args.out:
        Path(args.out).write_bytes(p.serialize())
    else:
        print(p.to_base64())
    if d.is_hd() and args.change and args.change_index is None and not args.descriptor:
        doc = state.load()
        doc["next_change"] = change[1] + 1  # that change address is used now
        state.save(doc)
        print("change to change #%d" % change[1], file=sys.stderr)


def cmd_review(args):
    d, net = _wallet(args)
    _signable(d)
    base = d.single_key() if d.is_hd() else d
    # What the card knows: the aggregate of its two participants (it derives HD children itself).
    wallet = Wallet(base.output_key(), base.aggregate_key(), base.participants(), None, net)
    from bioshard_card.btc import psbt as card_psbt
    try:
        rv = review(card_psbt.parse(psbt_io.for_card(psbt_io.parse(_read_psbt(args.psbt)))), wallet)
    except PSBTError as e:
        raise BadInputError("the card would refuse this PSBT: %s" % e.reason) from e
    for line in rv.lines():
        print(line)
    for i, path in enumerate(rv.paths):
        if path is not None:
            print("input #%d from %s #%d" % (i, "change" if path[0] else "receive", path[1]))
    print("total sent %s" % format_btc(rv.sent()))


def cmd_finalize(args):
    from ..wallet import musig_psbt

    try:
        p = psbt_io.parse(_read_psbt(args.psbt))
        # BIP-373 aggregator: inputs whose participants all left a partial signature (and no
        # aggregate signature yet) get it here, every partial signature verified first.
        for i, m in enumerate(p.inputs):
            if fin.TAP_KEY_SIG not in m and fin.FINAL_WITNESS not in m and any(k[:1] == b"\x1c" for k in m):
                musig_psbt.aggregate(p, i)
        raw = fin.extract(fin.finalize(p))
    except PSBTError as e:
        raise BadInputError("cannot finalize: %s" % e.reason) from e
    if args.psbt_out:
        Path(args.psbt_out).write_bytes(p.serialize())
    print(raw.hex())
