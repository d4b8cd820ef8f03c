"""The outbox: where email codes and inactivity notices go.

`from_url`: `smtp://user:pass@host:587?from=backup@example.org` (STARTTLS),
`smtps://…:465` (implicit TLS), `file:///path/outbox.jsonl` (one JSON line per message,
for dev and tests), `console:` (stderr, dev only). A message body may hold a login code:
outboxes deliver it, nothing else in the service logs it.
"""
import json
import smtplib
import sys
import threading
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class MemoryOutbox:
    def __init__(self):
        self.messages = []

    def send(self, to, subject, body):
        self.messages.append({"to": to, "subject": subject, "body": body})


class FileOutbox:
    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def send(self, to, subject, body):
        line = json.dumps({"to": to, "subject": subject, "body": body}) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line)


class ConsoleOutbox:
    def send(self, to, subject, body):
        print(f"--- mail to {to}: {subject}\n{body}\n---", file=sys.stderr, flush=True)


class SmtpOutbox:
    def __init__(self, url):
        u = urlsplit(url)
        self.tls = u.scheme == "smtps"
        self.host = u.hostname or "localhost"
        self.port = u.port or (465 if self.tls else 587)
        self.user = unquote(u.username) if u.username else None
        self.password = unquote(u.password) if u.password else None
        q = parse_qs(u.query)
        self.sender = q.get("from", ["bioshard-backup@localhost"])[0]
        self.starttls = not self.tls and q.get("starttls", ["1"])[0] != "0"

    def send(self, to, subject, body):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg.set_content(body)
        cls = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
        with cls(self.host, self.port, timeout=30) as s:
            if self.starttls:
                s.starttls()
            if self.user:
                s.login(self.user, self.password or "")
            s.send_message(msg, to_addrs=[to])  # one envelope recipient, whatever the header says


def from_url(url):
    if url.startswith(("smtp://", "smtps://")):
        return SmtpOutbox(url)
    if url.startswith("file://"):
        return FileOutbox(url[len("file://"):])
    if url.startswith("file:"):
        return FileOutbox(url[len("file:"):])
    if url in ("console", "console:"):
        return ConsoleOutbox()
    raise ValueError("mail URL must be smtp://, smtps://, file:// or console:")
