"""Email addresses: exactly one plain mailbox, and the inbox it is delivered to.

`parse` accepts only a bare `local@domain` (what an account is keyed by and where its codes
go): ASCII, at most 254 characters (local part at most 64), a dot-atom local part without the
routing characters `%` and `!`, a DNS host name of two or more labels with an alphabetic (or
punycode) top-level label. Anything a mail library or relay could read as more than one
recipient or as extra header text is refused: commas, semicolons, display names and angle
brackets, quotes, comments, whitespace and control characters (CR/LF header injection),
IP literals. The result is lower-cased. Python's own header parser (email.utils) must read it
back as the same single address, as a second opinion.

`mailbox` is the key for per-inbox limits: sub-addresses (`name+tag@`) land in the same inbox
at most providers, and Gmail also ignores dots in the local part, so they share one budget.
"""
import re
from email.utils import getaddresses

from .errors import BadInput

MAX_LEN, MAX_LOCAL = 254, 64
_ATOM = r"[a-z0-9#$&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ADDRESS = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@((?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}}))")
_LIST_OR_NAME = re.compile(r"[,;<>\"()\[\]\\:]")
_GMAIL = ("gmail.com", "googlemail.com")


def parse(text, what="email"):
    """The canonical (lower-case) form of one plain address, or BadInput saying what is wrong."""
    if not isinstance(text, str):
        raise BadInput(f"{what} must be a string")
    e = text.strip(" \t").lower()
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in e):
        raise BadInput(f"{what} must be one address without spaces or line breaks")
    if len(e) > MAX_LEN:
        raise BadInput(f"{what} is too long (at most {MAX_LEN} characters)")
    if e.count("@") != 1 or _LIST_OR_NAME.search(e):
        raise BadInput(f"{what} must be exactly one plain address like name@example.org "
                       "(no list, no display name, no quotes)")
    if not e.isascii():
        raise BadInput(f"{what} must be ASCII (write an international domain in its xn-- form)")
    if len(e.split("@")[0]) > MAX_LOCAL:
        raise BadInput(f"{what}: the part before @ is too long (at most {MAX_LOCAL} characters)")
    if not _ADDRESS.fullmatch(e):
        raise BadInput(f"{what} is not a valid address: use the plain form name@example.org")
    if getaddresses([e]) != [("", e)]:  # the stdlib header parser must agree: one address
        raise BadInput(f"{what} must be exactly one plain address like name@example.org")
    return e


def mailbox(address):
    """The inbox a parsed address is delivered to, for per-inbox limits (not an account key)."""
    local, domain = address.rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), _GMAIL[0]
    return f"{local}@{domain}"
