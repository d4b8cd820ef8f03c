"""`bioshard backup export|restore`: the helper blob and the public wallet data.

Nothing in the backup can move funds or rebuild a fingerprint: the blob only re-derives the
card's share together with the owner's fingers, and Secret A is not in it (Secret A has its
own backup: `bioshard wallet backup-secret`, words, or the face pass; docs/recovery.md).

restore refuses to replace another wallet's data (unless --force, which keeps the old
wallet.json as a dated copy) and refuses a backup whose host key is not this computer's
Secret A (keystore) at all: that pair could never sign.
"""
import json

from .. import keystore, state
from ..config import atomic_write
from ..errors import BadInputError
from ._common import RESTORE_HINT
from ._keep import keep_copy

FIELDS = ("card_pubkey", "host_pubkey", "blob", "network", "descriptor", "card_factor")


def register(sub):
    p = sub.add_parser("backup", help="export or restore the helper blob and public wallet data")
    bs = p.add_subparsers(dest="backup_command", metavar="BACKUP_COMMAND")
    e = bs.add_parser("export", help="write the backup file")
    e.add_argument("file")
    e.add_argument("--force", action="store_true",
                   help="replace a different backup in FILE (the old one is kept as a dated copy)")
    e.set_defaults(func=export)
    r = bs.add_parser("restore", help="read a backup file into this computer's wallet")
    r.add_argument("file")
    r.add_argument("--force", action="store_true",
                   help="replace this computer's other wallet data (its wallet.json is kept as a dated copy)")
    r.set_defaults(func=restore)
    p.set_defaults(func=lambda a: p.print_help() or 2)


def export(args):
    doc = state.load()
    out = {"bioshard_backup": 1}
    out.update({k: doc[k] for k in FIELDS if k in doc})
    if "blob" not in out:
        raise BadInputError("nothing to back up yet: run `bioshard enroll`")
    data = json.dumps(out, indent=1, sort_keys=True).encode()
    try:
        with open(args.file, "rb") as f:
            old = f.read()
    except FileNotFoundError:
        old = None
    except OSError as e:
        raise BadInputError("cannot read %s: %s" % (args.file, e.strerror)) from None
    if old is not None and old != data:
        # It may be the only backup of another wallet (an earlier card key): never lost silently.
        if not args.force:
            raise BadInputError("%s holds another backup: pick a new file name, or --force to replace it "
                                "(the old one is kept as a dated copy)" % args.file)
        print("kept the replaced backup as %s" % keep_copy(args.file))
    try:
        atomic_write(args.file, data)
    except OSError as e:
        raise BadInputError("cannot write %s: %s" % (args.file, e.strerror)) from None
    print("backup written to %s (public data: helper blob, public keys, descriptor)" % args.file)
    return 0


def read_backup(file):
    """The backup's fields, checked for shape; any damage is a BadInputError."""
    try:
        with open(file, "rb") as f:
            doc = json.loads(f.read())
    except FileNotFoundError:
        raise BadInputError("no backup file %s" % file) from None
    except OSError as e:
        raise BadInputError("cannot read backup %s: %s" % (file, e.strerror)) from None
    except (ValueError, RecursionError):
        raise BadInputError("backup %s is not JSON" % file) from None
    if not isinstance(doc, dict) or doc.get("bioshard_backup") != 1:
        raise BadInputError("%s is not a bioshard backup (version 1)" % file)
    for k in ("blob", "card_pubkey"):
        if k not in doc:
            raise BadInputError("backup %s is damaged (no %s)" % (file, k))
    for k in FIELDS:
        if k in doc and state.bad_field(k, doc[k]):
            raise BadInputError("backup %s is damaged (%s)" % (file, k))
    from bioshard_card.bio import helperblob

    try:
        helperblob.parse(bytes.fromhex(doc["blob"]))  # structure only: its MAC needs the fingers
    except Exception as e:
        raise BadInputError("backup blob is malformed: %s" % e.__class__.__name__) from None
    return {k: doc[k] for k in FIELDS if k in doc}


def restore(args):
    new = read_backup(args.file)
    host_key = keystore.public_key(state.secret_path())
    if host_key is not None and new.get("host_pubkey") and new["host_pubkey"] != host_key.hex():
        raise BadInputError(
            "backup %s belongs to another wallet: its host key %s... is not this computer's Secret A (%s...). "
            "Restore the matching backup, or restore this backup's Secret A elsewhere (%s)"
            % (args.file, new["host_pubkey"][:16], host_key.hex()[:16], RESTORE_HINT))
    cur = state.load(required=False)
    same = all(cur.get(k) == new[k] for k in new)
    if not same and (cur.get("blob") or cur.get("card_pubkey")) and not args.force:
        raise BadInputError("this computer already has other wallet data (card key %s...): restoring %s would "
                            "replace its helper blob and card key. Use --force to replace it "
                            "(wallet.json is kept as a dated copy)" % (str(cur.get("card_pubkey", ""))[:16], args.file))
    if not same:
        kept = keep_copy(state.path())
        if kept:
            print("kept the replaced wallet.json as %s" % kept)
        if cur.get("descriptor") != new.get("descriptor"):
            for k in ("next_receive", "next_change", "legacy_descriptor"):
                cur.pop(k, None)  # they describe the replaced wallet's addresses
        cur.update(new)
        state.save(cur)
    hint = "" if host_key is not None or not new.get("host_pubkey") else (
        "; this computer has no Secret A yet: " + RESTORE_HINT)
    print("restored; on a new card run `bioshard recover` with the same fingers%s" % hint)
    return 0
