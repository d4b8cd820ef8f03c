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


def read_input(arg):
    """A file path, '-' for stdin, or the literal text itself."""
    if arg == "-":
        return sys.stdin.buffer.read()
    if os.path.exists(arg):
        with open(arg, "rb") as f:
            return f.read()
    return arg.encode()
