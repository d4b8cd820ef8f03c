"""`bioshard-signer` (also `bioshard signer ...`): Bitcoin Core's external-signer protocol
(doc/external-signer.md in Bitcoin Core; HWI's command set), so `bitcoind -signer=bioshard-signer`
can drive the card for the wallet's musig() descriptors.

  enumerate                        [{"fingerprint": ..., "model": "bioshard", ...}]
  --fingerprint F --chain C getdescriptors [--account 0]
                                   {"receive": [tr(musig(A,B)/0/*)], "internal": [tr(musig(A,B)/1/*)]}
  --fingerprint F --chain C displayaddress --desc DESC
                                   {"address": ...}: the card derives and shows that child
  --stdin --fingerprint F --chain C   with `signtx "<base64 PSBT>"` on stdin
                                   {"psbt": ...}: Secret A and the card sign (all-in-one),
                                   the PSBT carries PSBT_IN_TAP_KEY_SIG for Core to finalize
JSON on stdout; a failure is {"error": ..., "code": <exit code>} on stdout, the message on
stderr, and the documented exit code. The fingerprint is the card's: hash160 of its
participant key, i.e. the fingerprint of the depth-0 xpub the descriptors write for it.
--chain: main, test, testnet4, signet, regtest (--testnet: test). Secret A's passphrase comes
from $BIOSHARD_PASSPHRASE (bitcoind runs this without a terminal).
"""
import argparse
import base64
import hashlib
import json
import shlex
import sys

from .. import keystore, state
from ..card import connect
from ..cosign import cosign
from ..errors import BadInputError, BioshardError, WrongCardError
from ..wallet import psbt_io
from ..wallet.descriptor import Descriptor, DescriptorError, participant_xpub
from ._common import passphrase

CHAINS = {"main": "main", "test": "test", "testnet": "test", "testnet4": "test", "signet": "signet",
          "regtest": "regtest"}


def register(sub):
    p = sub.add_parser("signer", help="Bitcoin Core external signer (same as bioshard-signer)")
    p.add_argument("argv", nargs=argparse.REMAINDER, help="enumerate | getdescriptors | displayaddress | signtx")
    p.set_defaults(func=lambda args: run(args.argv))


def fingerprint(pubkey: bytes) -> str:
    return hashlib.new("ripemd160", hashlib.sha256(bytes(pubkey)).digest()).digest()[:4].hex()


def _parser():
    p = argparse.ArgumentParser(prog="bioshard-signer", add_help=False)
    p.add_argument("--fingerprint", "-f")
    p.add_argument("--chain")
    p.add_argument("--testnet", action="store_true")
    p.add_argument("--stdin", action="store_true")
    p.add_argument("--card")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("enumerate")
    g = sub.add_parser("getdescriptors")
    g.add_argument("--account", type=int, default=0)
    g.add_argument("account_pos", nargs="?", type=int)
    d = sub.add_parser("displayaddress")
    d.add_argument("--desc", required=True)
    s = sub.add_parser("signtx")
    s.add_argument("psbt")
    s = sub.add_parser("signtransaction")  # the older name in the same document
    s.add_argument("psbt")
    return p


class _Usage(BadInputError):
    pass


def _parse_args(p, argv):
    try:
        return p.parse_args(argv)
    except SystemExit:  # argparse already printed the usage error on stderr
        raise _Usage("bad arguments: %s" % " ".join(argv)) from None


def _parse(argv):
    p = _parser()
    args = _parse_args(p, argv)
    if args.stdin:
        # HWI's --stdin: the rest of the command line arrives on stdin (Core sends `signtx "<psbt>"`).
        try:
            extra = shlex.split(sys.stdin.read())
        except ValueError as e:
            raise _Usage("bad command on stdin: %s" % e) from None
        args = _parse_args(p, argv + extra)
    if not args.command:
        raise _Usage("no command (enumerate, getdescriptors, displayaddress, signtx)")
    return args


def _wallet():
    doc = state.load()
    card_pub = bytes.fromhex(state.need(doc, "card_pubkey", "run `bioshard enroll`"))
    desc = Descriptor(state.need(doc, "descriptor", "run `bioshard wallet create`"))
    if not desc.is_hd():
        raise BadInputError("the wallet has one reused address: run `bioshard wallet migrate` first")
    return doc, card_pub, desc


def _check(args, doc, card_pub):
    if args.fingerprint and args.fingerprint.lower() != fingerprint(card_pub):
        raise WrongCardError("fingerprint %s is not this card's (%s)" % (args.fingerprint, fingerprint(card_pub)))
    chain = "test" if args.testnet else args.chain
    net = doc.get("network", "main")
    if chain is not None:
        if chain not in CHAINS:
            raise BadInputError("unknown chain %r" % chain)
        if CHAINS[chain] != net:
            raise BadInputError("the wallet is on %s, bitcoind asked for %s" % (net, chain))
    return net


def enumerate_(args):
    doc = state.load(required=False)
    if not doc.get("card_pubkey") or not doc.get("descriptor"):
        return []
    return [{"type": "bioshard", "model": "bioshard", "label": "bioshard 2-of-2 MuSig2 card",
             "path": args.card or "", "fingerprint": fingerprint(bytes.fromhex(doc["card_pubkey"])),
             "needs_pin_sent": False, "needs_passphrase_sent": False}]


def getdescriptors(args):
    doc, card_pub, desc = _wallet()
    net = _check(args, doc, card_pub)
    account = args.account_pos if args.account_pos is not None else args.account
    if account != 0:
        raise BadInputError("the card has one wallet: account 0 only")
    keys = ",".join(participant_xpub(k.pubkey, net) for k in desc.keys)
    return {"receive": [str(Descriptor("tr(musig(%s)/0/*)" % keys))],
            "internal": [str(Descriptor("tr(musig(%s)/1/*)" % keys))]}


def displayaddress(args):
    doc, card_pub, desc = _wallet()
    net = _check(args, doc, card_pub)
    try:
        shown = Descriptor(args.desc)
    except (DescriptorError, ValueError) as e:
        raise BadInputError("bad descriptor: %s" % e) from None
    mine = sorted(k.pubkey for k in desc.keys)
    if shown.kind != "tr" or sorted(k.pubkey for k in shown.keys) != mine or any(k.steps for k in shown.keys):
        raise WrongCardError("the descriptor is not this wallet's tr(musig(...)) of these two keys")
    for k in shown.keys:
        if k.chaincode is not None and str(k).split("]")[-1] != participant_xpub(k.pubkey, net):
            raise WrongCardError("an xpub in the descriptor is not the one this wallet knows")
        if k.origin and k.origin[1:9].lower() != fingerprint(k.pubkey):
            raise WrongCardError("a key origin fingerprint does not match the wallet's key")
    if len(shown.steps) != 2 or shown.steps[0] not in (0, 1) or not isinstance(shown.steps[1], int):
        raise BadInputError("displayaddress needs one child: tr(musig(A,B)/0/N) or /1/N")
    change, index = bool(shown.steps[0]), shown.steps[1]
    addr = desc.address(index, change, net)
    with connect(args.card or _default_card()) as card:
        res = card.call("address.show", {"index": index, "change": change})
    if res.get("address") != addr:
        raise WrongCardError("the card derived %s, the host %s" % (res.get("address"), addr))
    if not res.get("confirmed"):
        from ..errors import CardRefusedError

        raise CardRefusedError("the address was not confirmed on the card")
    return {"address": addr}


def signtx(args):
    doc, card_pub, _ = _wallet()
    _check(args, doc, card_pub)
    try:
        psbt = psbt_io.load(args.psbt)
    except Exception as e:
        raise BadInputError("not a PSBT (%s)" % e) from None
    blob = bytes.fromhex(state.need(doc, "blob", "run `bioshard enroll` or `bioshard backup restore`"))
    secret_a = keystore.load(state.secret_path(), passphrase())
    with connect(args.card or _default_card()) as card:
        p, _ = cosign(card, psbt, secret_a, card_pub, blob, finalize=False)
    return {"psbt": base64.b64encode(p.serialize()).decode()}


def _default_card():
    import os

    return os.environ.get("BIOSHARD_CARD", "sim")


COMMANDS = {"enumerate": enumerate_, "getdescriptors": getdescriptors, "displayaddress": displayaddress,
            "signtx": signtx, "signtransaction": signtx}


def run(argv):
    try:
        args = _parse(list(argv))
        out = COMMANDS[args.command](args)
        code = 0
    except BioshardError as e:
        out, code = {"error": str(e), "code": e.exit_code}, e.exit_code
        print("bioshard-signer: error: %s" % e, file=sys.stderr)
    print(json.dumps(out))
    return code


def main(argv=None):
    sys.exit(run(sys.argv[1:] if argv is None else argv))
