"""The host's record of its 2-of-2 wallet: public data only (Secret A lives in the keystore).

wallet.json: card pubkey, host pubkey, network, the helper blob (public, but the user's to back
up), and the descriptor. Written atomically; a damaged file is a named error, never a crash.
"""
import json

from . import config
from .errors import BadInputError

WALLET_FILE = "wallet.json"
SECRET_FILE = "secret_a.json"
VERSION = 1


def path(home=None):
    return (home or config.home()) / WALLET_FILE


def secret_path(home=None):
    return (home or config.home()) / SECRET_FILE


def load(home=None, required=True):
    p = path(home)
    if not p.exists():
        if required:
            raise BadInputError("no wallet here yet (%s): run `bioshard enroll` then `bioshard wallet create`" % p)
        return {"version": VERSION}
    try:
        doc = json.loads(p.read_text())
    except ValueError:
        raise BadInputError("%s is damaged: restore it with `bioshard backup restore`" % p) from None
    if doc.get("version") != VERSION:
        raise BadInputError("%s has unsupported version %r" % (p, doc.get("version")))
    return doc


def save(doc, home=None):
    doc = dict(doc, version=VERSION)
    config.atomic_write(path(home), json.dumps(doc, indent=1, sort_keys=True).encode())


def need(doc, key, hint):
    if not doc.get(key):
        raise BadInputError("wallet has no %s yet: %s" % (key.replace("_", " "), hint))
    return doc[key]
