"""The `bioshard` command.

Sub-commands live one per module in `bioshard.commands` (names starting with `_` are shared
helpers); each command module defines
`register(subparsers)` and sets `func` on its parser. Discovery keeps this file free of
edits as commands are added.
"""
import argparse
import importlib
import pkgutil
import sys

from . import __version__, commands
from .errors import BadInputError, BioshardError


def build_parser():
    parser = argparse.ArgumentParser(prog="bioshard", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version="bioshard " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # shared helpers, not commands
            continue
        module = importlib.import_module(commands.__name__ + "." + info.name)
        module.register(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except BioshardError as exc:
        print("bioshard: error: %s" % exc, file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a file named on the command line cannot be read or written
        where = " (%s)" % exc.filename if getattr(exc, "filename", None) else ""
        print("bioshard: error: %s%s" % (exc.strerror or exc, where), file=sys.stderr)
        return BadInputError.exit_code
    except KeyboardInterrupt:
        print("bioshard: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
