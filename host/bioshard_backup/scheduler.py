"""The periodic job: inactivity notices and releases, plus pruning of expired rows.
Run by `bioshard-backup tick` (e.g. from cron) or by a thread inside `serve`."""
import sys
import threading

from . import heirs, ratelimit


def run_once(db, outbox, clock):
    now = clock.now()
    with db.tx() as c:
        sent = heirs.tick(c, outbox, now)
        ratelimit.prune(c, now)
        c.execute("DELETE FROM tokens WHERE expires_at <= ?", (now,))
        c.execute("DELETE FROM codes WHERE expires_at <= ?", (now,))
    return sent


def start_thread(db, outbox, clock, interval):
    """A daemon thread ticking every `interval` seconds; set the returned event to stop it."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                run_once(db, outbox, clock)
            except Exception as e:  # keep serving; the next tick retries
                print(f"bioshard-backup: scheduler tick failed: {type(e).__name__}", file=sys.stderr)
            stop.wait(interval)

    threading.Thread(target=loop, name="bioshard-backup-tick", daemon=True).start()
    return stop
