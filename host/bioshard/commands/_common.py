"""Options and helpers shared by the commands that talk to a card or read the wallet."""
import getpass
import os
import sys

from ..errors import BadInputError


# Where Secret A comes back from on a new computer (docs/recovery.md): every message on a path
# that finds wallet data without its Secret A points here, never to `wallet create`.
RESTORE_HINT = ("restore Secret A with `bioshard wallet restore-secret FILE` (the file of "
                "`bioshard wallet backup-secret`), `bioshard wallet restore-secret --words`, "
                "or `bioshard facepass restore`")


def add_card_option(p):
    p.add_argument("--card", default=os.environ.get("BIOSHARD_CARD", "sim"),
                   help="sim[:SOCKET] (default), serial:PORT or ble[:NAME]; env BIOSHARD_CARD")


def passphrase(confirm=False):
    """The Secret A passphrase: $BIOSHARD_PASSPHRASE (scripts, tests) or asked on the terminal."""
    pw = os.environ.get("BIOSHARD_PASSPHRASE")
    if pw is not None:
        return pw
    if not sys.stdin.isatty():
        raise BadInputError("no passphrase: set BIOSHARD_PASSPHRASE or run in a terminal")
    pw = getpass.getpass("Passphrase for Secret A: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != pw:
        raise BadInputError("the passphrases differ")
    return pw


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


def read_file(arg):
    """The bytes of file `arg` ('-': stdin); a missing or unreadable file is bad input."""
    if arg == "-":
        return sys.stdin.buffer.read()
    try:
        with open(arg, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise BadInputError("no such file: %s" % arg) from None
    except OSError as e:
        raise BadInputError("cannot read %s: %s" % (arg, e.strerror or e)) from None


# How a PSBT given as text starts: base64 of b"psbt\xff", or its hex.
PSBT_TEXT_PREFIXES = ("cHNidP", "70736274ff")


def read_input(arg):
    """A file path, '-' for stdin, or the PSBT text itself (base64 or hex). Anything else that
    names no file is a missing file, not "not a PSBT"."""
    if arg == "-" or os.path.exists(arg) or not arg.strip().startswith(PSBT_TEXT_PREFIXES):
        return read_file(arg)
    return arg.encode()
