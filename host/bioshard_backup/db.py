"""One small portable SQL layer: SQLite (stdlib) by default, PostgreSQL (psycopg 3) by URL.

SQL is written once with `?` placeholders and mapped to `%s` for PostgreSQL; the schema uses
two tokens, `{serial}` and `{bytes}`, for the only type differences we need. Access is
serialised by one lock per process (simple and correct; SQLite WAL + busy timeout lets the
`tick` command run beside `serve`).

Several service processes may share one PostgreSQL database, so no check may read a value in
one statement and write a decision based on it in another without a database lock: counters
change in one conditional `UPDATE … RETURNING`, and read-count-then-insert sequences (rate
limits) first take `Cursor.lock(name)`, a transaction-scoped lock held until commit.
"""
import hashlib
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS accounts (
        email TEXT PRIMARY KEY, created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS codes (
        email TEXT PRIMARY KEY, code_mac TEXT NOT NULL, expires_at BIGINT NOT NULL,
        tries_left INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS tokens (
        token_hash TEXT PRIMARY KEY, email TEXT NOT NULL, expires_at BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS blobs (
        email TEXT NOT NULL, name TEXT NOT NULL, data {bytes} NOT NULL, version INTEGER NOT NULL,
        updated_at BIGINT NOT NULL, PRIMARY KEY (email, name))""",
    """CREATE TABLE IF NOT EXISTS oprf_keys (
        key_ref TEXT PRIMARY KEY, wrapped {bytes} NOT NULL, public_key TEXT NOT NULL,
        created_at BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS heirs (
        heir_id TEXT PRIMARY KEY, owner_email TEXT NOT NULL, heir_email TEXT NOT NULL,
        inactivity_days INTEGER NOT NULL, created_at BIGINT NOT NULL, blob {bytes},
        blob_version INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS heirs_by_heir ON heirs (heir_email)",
    "CREATE INDEX IF NOT EXISTS heirs_by_owner ON heirs (owner_email)",
    """CREATE TABLE IF NOT EXISTS notices (
        heir_id TEXT NOT NULL, days INTEGER NOT NULL, cycle BIGINT NOT NULL,
        sent_at BIGINT NOT NULL, PRIMARY KEY (heir_id, days, cycle))""",
    """CREATE TABLE IF NOT EXISTS lockouts (
        mailbox TEXT PRIMARY KEY, last_at BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rate_events (
        bucket TEXT NOT NULL, at BIGINT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS rate_events_by_bucket ON rate_events (bucket, at)",
    """CREATE TABLE IF NOT EXISTS audit (
        id {serial}, at BIGINT NOT NULL, email_hash TEXT NOT NULL, action TEXT NOT NULL,
        outcome TEXT NOT NULL, client TEXT NOT NULL)""",
]

# The audit log is append-only at the database level too, not just by convention in code.
APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
           BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
        """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
           BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
    ],
    "postgres": [
        "CREATE OR REPLACE RULE audit_no_update AS ON UPDATE TO audit DO INSTEAD NOTHING",
        "CREATE OR REPLACE RULE audit_no_delete AS ON DELETE TO audit DO INSTEAD NOTHING",
    ],
}

TYPES = {
    "sqlite": {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "bytes": "BLOB"},
    "postgres": {"serial": "BIGSERIAL PRIMARY KEY", "bytes": "BYTEA"},
}


class Cursor:
    """The handle a transaction body uses: execute / one / all with `?` placeholders."""

    def __init__(self, db):
        self._db = db

    def execute(self, sql, params=()):
        if self._db.dialect == "postgres":
            sql = sql.replace("?", "%s")
        cur = self._db.conn.cursor()
        cur.execute(sql, tuple(params))
        return cur

    def lock(self, name):
        """Serialise every transaction that locks `name` until this one ends. PostgreSQL: a
        transaction-scoped advisory lock (64 bits of SHA-256 of the name; a collision only
        serialises two unrelated names). SQLite: nothing to do, every transaction already holds
        the database's write lock from its first statement (BEGIN IMMEDIATE)."""
        if self._db.dialect == "postgres":
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            self.execute("SELECT pg_advisory_xact_lock(?)", (key,))

    def one(self, sql, params=()):
        return self.execute(sql, params).fetchone()

    def all(self, sql, params=()):
        return self.execute(sql, params).fetchall()


class Database:
    def __init__(self, url):
        self.url = url
        self.lock = threading.RLock()
        if url.startswith(("postgresql://", "postgres://")):
            import psycopg  # only needed for PostgreSQL deployments

            self.dialect = "postgres"
            self._connect = lambda: psycopg.connect(url, autocommit=False)
            self.conn = self._connect()
        elif url.startswith("sqlite://"):
            self.dialect = "sqlite"
            path = url[len("sqlite://"):]
            if path.startswith("/"):
                path = path[1:]  # sqlite:///rel/path and sqlite:////abs/path, as SQLAlchemy
            path = path or ":memory:"
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so every tx takes the
            # write lock up front (no upgrade deadlocks between serve and tick).
            self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                        timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
        else:
            raise ValueError("database URL must start with sqlite:// or postgresql://")
        self._migrate()

    def _migrate(self):
        with self.tx() as c:
            c.lock("bioshard-backup/schema")  # several processes may start at once
            for stmt in SCHEMA + APPEND_ONLY[self.dialect]:
                c.execute(stmt.format(**TYPES[self.dialect]))

    @contextmanager
    def tx(self):
        with self.lock:
            if self.dialect == "sqlite":
                self.conn.execute("BEGIN IMMEDIATE")
            elif self.conn.broken or self.conn.closed:
                # A lost connection (server restart) fails the request that saw it; reconnect now.
                self.conn = self._connect()
            try:
                yield Cursor(self)
            except BaseException:
                self.conn.rollback()
                raise
            self.conn.commit()

    def close(self):
        with self.lock:
            self.conn.close()
