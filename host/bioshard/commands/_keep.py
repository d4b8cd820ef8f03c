"""Dated copies of the host's files before a command replaces them.

wallet.json holds the only copy of the helper blob and the card key on this computer, and
secret_a.json the only copy of Secret A: a command that replaces either first keeps the old
file as `<name>.replaced-<UTC time>.json` beside it. A copy is never overwritten (O_EXCL; a
second replacement in the same second gets a `-2`, `-3` ... suffix).
"""
import os
import time
from pathlib import Path


def keep_copy(path):
    """Copy `path` to a new dated file beside it; return the copy's path (None if no file)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    for n in range(1, 1000):
        name = "%s.replaced-%s%s%s" % (stem, stamp, "" if n == 1 else "-%d" % n, path.suffix)
        target = path.with_name(name)
        try:
            fd = os.open(str(target), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            os.unlink(str(target))
            raise
        return target
    raise OSError("too many dated copies of %s this second" % path)
