"""Signing in to bioshard-backup from a command: --service/--email options and the email code."""
import os
import sys

from ..errors import BadInputError, BioshardError
from ._common import progress


def add_service_options(p):
    p.add_argument("--service", default=os.environ.get("BIOSHARD_BACKUP_URL"),
                   help="backup service URL (https://…); env BIOSHARD_BACKUP_URL")
    p.add_argument("--email", default=os.environ.get("BIOSHARD_EMAIL"), help="your email; env BIOSHARD_EMAIL")


def connect_service(url):
    from ..facepass.client import BackupClient

    if not url:
        raise BadInputError("no backup service: pass --service or set BIOSHARD_BACKUP_URL")
    try:
        return BackupClient(url)
    except BioshardError as e:  # a URL it refuses (plain http to another host): the user's input
        raise BadInputError(str(e)) from None


def ask_code(email):
    """The 6-digit code mailed to `email`: one line from the terminal (or stdin in scripts)."""
    progress("a 6-digit code was sent to %s; type it:" % email)
    line = sys.stdin.readline()
    if not line:
        raise BadInputError("no code given")
    return line.strip()


def login(service, email):
    """A signed-in client: $BIOSHARD_BACKUP_TOKEN (scripts, tests) or the emailed code."""
    if not email:
        raise BadInputError("no email: pass --email or set BIOSHARD_EMAIL")
    svc = connect_service(service)
    token = os.environ.get("BIOSHARD_BACKUP_TOKEN")
    if token:
        svc.token = token
        return svc
    svc.start(email)
    svc.verify(email, ask_code(email))
    return svc
