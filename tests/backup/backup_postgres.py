"""A throw-away PostgreSQL server for the backup-service tests.

`pgserver` (PyPI, in the `dev` extra) ships the server binaries in its wheel: the server runs on
a fresh data dir under a temp dir, listens on a unix socket only (no TCP), and is stopped and
deleted afterwards (as root, pgserver runs the server as a `pgserver` system user it creates,
since PostgreSQL refuses to run as root). Without pgserver, a system PostgreSQL (initdb/pg_ctl, e.g. Debian's
`postgresql`) is used on 127.0.0.1. Tests skip, naming the reason, only if neither starts.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _pgserver(base):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR not set
        import pgserver

        server = pgserver.get_server(base / "data", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def _pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / name).exists():
            return str(d / name)
    return None


@contextmanager
def _system(base):
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        raise RuntimeError("no pgserver and no PostgreSQL binaries (initdb/pg_ctl)")
    run_as = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        if not shutil.which("runuser"):
            raise RuntimeError("running as root without runuser")
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
    data, port = base / "data", _free_port()
    r = subprocess.run(run_as + [initdb, "-D", str(data), "-A", "trust", "-U", "postgres"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode:
        raise RuntimeError("initdb failed: " + r.stderr[-300:])
    r = subprocess.run(run_as + [pg_ctl, "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                                 f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode:
        raise RuntimeError("PostgreSQL did not start: " + r.stderr[-300:])
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(run_as + [pg_ctl, "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True, timeout=60)


@contextmanager
def postgres_server():
    """Yield a postgresql:// URL of a new, empty server; raise RuntimeError if none starts."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise RuntimeError("psycopg (v3) is not installed") from None
    # Not under pytest's tmp dir: that is 0700 root, and the server runs as another user.
    base = Path(tempfile.mkdtemp(prefix="bioshard-backup-pg-"))
    try:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR not set
                import pgserver  # noqa: F401
            starter = _pgserver
        except ImportError:
            starter = _system
        try:
            cm = starter(base)
            url = cm.__enter__()
        except Exception as e:  # a server that cannot start: the caller skips, naming why
            raise RuntimeError(f"{starter.__name__.strip('_')}: {type(e).__name__}: {e}") from None
        try:
            yield url
        finally:
            cm.__exit__(None, None, None)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_url():
    """A fresh PostgreSQL server for the module's tests (skipped, with the reason, if none starts)."""
    cm = postgres_server()
    try:
        url = cm.__enter__()
    except RuntimeError as e:
        pytest.skip(f"no PostgreSQL server could be started: {e}")
    try:
        yield url
    finally:
        cm.__exit__(None, None, None)


def fresh_database(url):
    """A new empty database on the server at `url`; returns its URL."""
    import secrets
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = "t_" + secrets.token_hex(6)
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(url)._replace(path="/" + name))
