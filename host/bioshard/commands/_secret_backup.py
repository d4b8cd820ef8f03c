"""`bioshard wallet backup-secret` / `restore-secret`: Secret A's own backup (docs/recovery.md).

Secret A is half of every signature; without it the card alone cannot spend. Three ways back:
  backup-secret FILE      an encrypted file: the keystore format (scrypt + AES-256-GCM) sealed
                          under a backup passphrase of its own ($BIOSHARD_BACKUP_PASSPHRASE or
                          asked); an existing file is never overwritten
  backup-secret --words   24 words: BIP-39 encoding of the 32-byte Secret A (wordlist and 8-bit
                          checksum of the `mnemonic` package, Trezor's BIP-39 reference). They
                          are Secret A itself, not a BIP-39 seed for another wallet app
  facepass enroll         the face pass with the backup service (docs/facepass.md)
restore-secret FILE | --words puts it back on a new computer under this computer's keystore
passphrase. The restored key must be the wallet's: its public key is checked against the file's
and against wallet.json's host key, and an existing Secret A is only replaced with --force (kept
as a dated copy).
"""
import getpass
import os
import sys

from .. import keystore, state
from ..errors import BadInputError
from ..signing import individual_pk
from ._common import RESTORE_HINT, passphrase, progress
from ._keep import keep_copy

BACKUP_PASSPHRASE_ENV = "BIOSHARD_BACKUP_PASSPHRASE"


def add_parsers(ws):
    """Called by commands/wallet.py to add these sub-commands to `bioshard wallet`."""
    b = ws.add_parser("backup-secret", help="back up Secret A: an encrypted file, or 24 words to write down")
    g = b.add_mutually_exclusive_group(required=True)
    g.add_argument("file", nargs="?", help="encrypted backup file to create (never overwritten)")
    g.add_argument("--words", action="store_true", help="print Secret A as 24 words (BIP-39 wordlist and checksum)")
    b.set_defaults(func=backup_secret)
    r = ws.add_parser("restore-secret", help="restore Secret A on this computer from its file or its 24 words")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("file", nargs="?", help="file written by `bioshard wallet backup-secret FILE`")
    g.add_argument("--words", action="store_true", help="type the 24 words (read from the terminal or stdin)")
    r.add_argument("--force", action="store_true",
                   help="replace a different Secret A on this computer (kept as a dated copy)")
    r.set_defaults(func=restore_secret)


def _mnemonic():
    from mnemonic import Mnemonic

    return Mnemonic("english")


def to_words(secret: bytes) -> str:
    return _mnemonic().to_mnemonic(secret)


def from_words(text: str) -> bytes:
    m = _mnemonic()
    words = text.lower().split()
    if len(words) != 24:
        raise BadInputError("Secret A is 24 words (got %d)" % len(words))
    unknown = [i + 1 for i, w in enumerate(words) if w not in m.wordlist]
    if unknown:
        raise BadInputError("word(s) #%s are not in the BIP-39 English wordlist" % ", #".join(map(str, unknown)))
    phrase = " ".join(words)
    if not m.check(phrase):
        raise BadInputError("the 24 words fail their checksum: a word is wrong or out of order")
    secret = bytes(m.to_entropy(phrase))
    if not 0 < int.from_bytes(secret, "big") < keystore.SECP256K1_N:
        raise BadInputError("these words are not a Secret A (not a valid key)")
    return secret


def _backup_passphrase(confirm):
    pw = os.environ.get(BACKUP_PASSPHRASE_ENV)
    if pw is None:
        if not sys.stdin.isatty():
            raise BadInputError("no backup passphrase: set %s or run in a terminal" % BACKUP_PASSPHRASE_ENV)
        pw = getpass.getpass("Passphrase for the backup file: ")
        if confirm and getpass.getpass("Repeat it: ") != pw:
            raise BadInputError("the passphrases differ")
    return pw


def _wallet_secret():
    """This computer's Secret A, checked against wallet.json's host key."""
    doc = state.load()
    want = state.need(doc, "host_pubkey", "create the wallet first (`bioshard wallet create`)")
    path = state.secret_path()
    if not path.exists():
        raise BadInputError("no Secret A on this computer (%s): %s" % (path, RESTORE_HINT))
    secret = keystore.load(path, passphrase())
    if individual_pk(secret).hex() != want:
        raise BadInputError("this computer's Secret A is not the wallet's (host key %s...)" % want[:16])
    return secret


def backup_secret(args):
    secret = _wallet_secret()
    pub = individual_pk(secret)
    if args.words:
        progress("Secret A as 24 words: write them on paper, keep them apart from the card, never type them "
                 "into another wallet app. With the card and your fingers they spend the wallet.")
        print(to_words(secret))  # ok-to-print: asked for by the owner, to the terminal only
        return 0
    pw = _backup_passphrase(confirm=True)
    keystore.check_passphrase(pw)
    data = keystore.seal(secret, pw, pub)
    try:
        fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInputError("%s exists: a backup is never overwritten, pick a new name" % args.file) from None
    except OSError as e:
        raise BadInputError("cannot create %s: %s" % (args.file, e.strerror)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        os.unlink(args.file)
        raise BadInputError("cannot write %s: %s" % (args.file, e.strerror)) from None
    print("Secret A backed up to %s (encrypted under the backup passphrase; host key %s)" % (args.file, pub.hex()))
    return 0


def _read_words():
    if sys.stdin.isatty():
        return getpass.getpass("The 24 words (not shown): ")
    return sys.stdin.readline()


def restore_secret(args):
    if args.words:
        secret = from_words(_read_words())
    else:
        try:
            with open(args.file, "rb") as f:
                blob = f.read()
        except FileNotFoundError:
            raise BadInputError("no backup file %s" % args.file) from None
        except OSError as e:
            raise BadInputError("cannot read %s: %s" % (args.file, e.strerror)) from None
        secret = keystore.unseal(blob, _backup_passphrase(confirm=False))
        recorded = keystore._parse(blob)[0]["pubkey"]
        if individual_pk(secret).hex() != recorded:
            raise BadInputError("backup %s is damaged: its key does not match its public key" % args.file)
    pub = individual_pk(secret)
    doc = state.load(required=False)
    if doc.get("host_pubkey") and doc["host_pubkey"] != pub.hex():
        raise BadInputError("this Secret A (host key %s...) is not the key of this computer's wallet (%s...): "
                            "restore the wallet's own backup" % (pub.hex()[:16], doc["host_pubkey"][:16]))
    path = state.secret_path()
    current = keystore.public_key(path)
    if current is not None and current != pub and not args.force:
        raise BadInputError("a different Secret A (host key %s...) is already at %s: --force replaces it "
                            "(a dated copy is kept)" % (current.hex()[:16], path))
    pw = passphrase(confirm=True)
    keystore.check_passphrase(pw)
    kept = keep_copy(path)
    if kept:
        progress("kept the replaced %s as %s" % (path.name, kept))
    keystore.save(path, secret, pw, pub)
    if not doc.get("host_pubkey"):
        doc["host_pubkey"] = pub.hex()
        state.save(doc)
    nxt = ("bioshard backup restore FILE (the helper blob), then sign" if not doc.get("blob") else "bioshard sign")
    print("Secret A restored (host key %s). Next: %s" % (pub.hex(), nxt))
    return 0
