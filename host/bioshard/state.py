"""The host's record of its 2-of-2 wallet: public data only (Secret A lives in the keystore).

wallet.json: card pubkey, host pubkey, network, the helper blob (public, but the user's to back
up), the descriptor, and where the card factor comes back from (`card_factor`: the backup
service's URL and the owner's email; the factor itself is on the card only). Written atomically; a damaged file is a named error, never a crash.
"""
import json

from . import config
from .errors import BadInputError

WALLET_FILE = "wallet.json"
SECRET_FILE = "secret_a.json"
VERSION = 1
# The shape every reader relies on: a wrong type is a damaged file, never a traceback later.
HEX_FIELDS = ("card_pubkey", "host_pubkey", "blob")
TEXT_FIELDS = ("network", "descriptor", "legacy_descriptor")
INDEX_FIELDS = ("next_receive", "next_change")
NETWORKS = ("main", "test", "signet", "regtest")


def _is_hex(v, size=None):
    if not isinstance(v, str):
        return False
    try:
        raw = bytes.fromhex(v)
    except ValueError:
        return False
    return size is None or len(raw) == size


def bad_field(k, v):
    """True if wallet/backup field `k` has a value no reader can use."""
    if k in ("card_pubkey", "host_pubkey"):
        return not _is_hex(v, 33)
    if k in HEX_FIELDS:
        return not _is_hex(v)
    if k == "network":
        return v not in NETWORKS
    if k in TEXT_FIELDS:
        return not isinstance(v, str)
    if k in INDEX_FIELDS:
        return not (type(v) is int and 0 <= v < 0x80000000)
    if k == "card_factor":
        return not (isinstance(v, dict) and set(v) == {"service", "email"}
                    and all(isinstance(x, str) and x for x in v.values()))
    return False


def path(home=None):
    return (home or config.home()) / WALLET_FILE


def secret_path(home=None):
    return (home or config.home()) / SECRET_FILE


def load(home=None, required=True):
    p = path(home)
    if not p.exists():
        if required:
            raise BadInputError("no wallet here yet (%s): on a new computer restore it with `bioshard backup restore "
                                "FILE` and `bioshard wallet restore-secret`; for a new wallet run `bioshard enroll` "
                                "then `bioshard wallet create`" % p)
        return {"version": VERSION}
    try:
        doc = json.loads(p.read_bytes())
    except (ValueError, RecursionError):
        raise BadInputError("%s is damaged: restore it with `bioshard backup restore`" % p) from None
    except OSError as e:
        raise BadInputError("cannot read %s: %s" % (p, e.strerror)) from None
    if not isinstance(doc, dict):
        raise BadInputError("%s is damaged (not a JSON object): restore it with `bioshard backup restore`" % p)
    for k, v in doc.items():
        if bad_field(k, v):
            raise BadInputError("%s is damaged (field %s): restore it with `bioshard backup restore`" % (p, k))
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
