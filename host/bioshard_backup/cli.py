"""`bioshard-backup serve|tick`: run the service, or run the scheduler once."""
import argparse
import os
import sys
from pathlib import Path

from . import keys, mail, scheduler
from .clock import SystemClock
from .db import Database


def _default_dir():
    return os.environ.get("BIOSHARD_BACKUP_DIR") or str(Path.home() / ".local/share/bioshard-backup")


def _common(p):
    p.add_argument("--data-dir", default=_default_dir(),
                   help="holds master.key (if not in the environment), the default SQLite DB "
                        "and the default file outbox (env BIOSHARD_BACKUP_DIR)")
    p.add_argument("--db", default=os.environ.get("BIOSHARD_BACKUP_DB"),
                   help="sqlite:///path or postgresql://user@host/db (default: SQLite in --data-dir)")
    p.add_argument("--mail", default=os.environ.get("BIOSHARD_BACKUP_MAIL"),
                   help="smtp://user:pass@host:587?from=addr, smtps://…, file:///path.jsonl or "
                        "console: (default: file outbox in --data-dir — mail is NOT delivered)")


def _open(args):
    data = Path(args.data_dir).expanduser().resolve()
    db_url = args.db or f"sqlite:///{data / 'backup.sqlite3'}"
    mail_url = args.mail or f"file://{data / 'outbox.jsonl'}"
    if not args.mail:
        print(f"bioshard-backup: no --mail given, messages go to {data / 'outbox.jsonl'}",
              file=sys.stderr)
    keyring = keys.Keyring(keys.load_master_key(data))
    return Database(db_url), mail.from_url(mail_url), keyring


def serve(args):
    import uvicorn

    from .app import create_app

    db, outbox, keyring = _open(args)
    clock = SystemClock()
    stop = scheduler.start_thread(db, outbox, clock, args.tick_interval) if args.tick_interval > 0 else None
    try:
        uvicorn.run(create_app(db, outbox, keyring, clock), host=args.host, port=args.port,
                    log_level=args.log_level, proxy_headers=bool(args.forwarded_allow_ips),
                    forwarded_allow_ips=args.forwarded_allow_ips or None)
    finally:
        if stop:
            stop.set()
    return 0


def tick(args):
    db, outbox, _ = _open(args)
    n = scheduler.run_once(db, outbox, SystemClock())
    print(f"bioshard-backup: {n} notice(s) sent")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="bioshard-backup", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the HTTP service")
    _common(s)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8787)
    s.add_argument("--tick-interval", type=int, default=3600,
                   help="seconds between scheduler runs inside serve (0: off, use `tick` from cron)")
    s.add_argument("--log-level", default="info")
    s.add_argument("--forwarded-allow-ips", default="127.0.0.1",
                   help="proxies whose X-Forwarded-For gives the client address used for rate "
                        "limits and the audit log (comma-separated; '' trusts none)")
    s.set_defaults(func=serve)
    t = sub.add_parser("tick", help="send due inactivity notices / releases once, then exit")
    _common(t)
    t.set_defaults(func=tick)
    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except (keys.MasterKeyError, ValueError) as e:
        print(f"bioshard-backup: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
