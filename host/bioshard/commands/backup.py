"""`bioshard backup export|restore`: the helper blob and the public wallet data.

Nothing in the backup can move funds or rebuild a fingerprint: the blob only re-derives the
card's share together with the owner's fingers, and Secret A is not in it.
"""
import json

from .. import state
from ..config import atomic_write
from ..errors import BadInputError

FIELDS = ("card_pubkey", "host_pubkey", "blob", "network", "descriptor")


def register(sub):
    p = sub.add_parser("backup", help="export or restore the helper blob and public wallet data")
    bs = p.add_subparsers(dest="backup_command", metavar="BACKUP_COMMAND")
    e = bs.add_parser("export", help="write the backup file")
    e.add_argument("file")
    e.set_defaults(func=export)
    r = bs.add_parser("restore", help="read a backup file into this computer's wallet")
    r.add_argument("file")
    r.set_defaults(func=restore)
    p.set_defaults(func=lambda a: p.print_help() or 2)


def export(args):
    doc = state.load()
    out = {"bioshard_backup": 1}
    out.update({k: doc[k] for k in FIELDS if k in doc})
    if "blob" not in out:
        raise BadInputError("nothing to back up yet: run `bioshard enroll`")
    atomic_write(args.file, json.dumps(out, indent=1, sort_keys=True).encode())
    print("backup written to %s (public data: helper blob, public keys, descriptor)" % args.file)
    return 0


def restore(args):
    try:
        with open(args.file) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise BadInputError("cannot read backup %s: %s" % (args.file, e)) from None
    if doc.get("bioshard_backup") != 1:
        raise BadInputError("%s is not a bioshard backup (version 1)" % args.file)
    try:
        blob = bytes.fromhex(doc["blob"])
        bytes.fromhex(doc["card_pubkey"])
    except (KeyError, ValueError):
        raise BadInputError("backup %s is damaged (blob/card_pubkey)" % args.file) from None
    from bioshard_card.bio import helperblob

    try:
        helperblob.parse(blob)  # structure only: its MAC needs the fingers
    except Exception as e:
        raise BadInputError("backup blob is malformed: %s" % e) from None
    cur = state.load(required=False)
    cur.update({k: doc[k] for k in FIELDS if k in doc})
    state.save(cur)
    print("restored; on a new card run `bioshard recover` with the same fingers")
    return 0
