"""Where the host keeps its files: $BIOSHARD_HOME, else ~/.bioshard.

Every file written here goes through `atomic_write`: a crash or a pulled plug leaves the old
file or the new one, never half of each, and secrets are created 0600 before any byte lands.
"""
import os
import tempfile
from pathlib import Path


def home() -> Path:
    d = Path(os.environ.get("BIOSHARD_HOME") or (Path.home() / ".bioshard"))
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def atomic_write(path, data: bytes, mode=0o600):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".new", dir=str(path.parent))
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        dfd = os.open(str(path.parent), os.O_RDONLY)
        try:
            os.fsync(dfd)  # make the rename itself durable
        finally:
            os.close(dfd)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
