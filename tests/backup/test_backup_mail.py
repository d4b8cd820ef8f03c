"""bioshard-backup outboxes: URL parsing, SMTP dialogue (against a recording fake), file outbox."""
import json
import smtplib
import sys
from pathlib import Path

import pytest

try:
    import bioshard_backup  # noqa: F401
except ImportError:  # until pyproject maps host/bioshard_backup into the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "host"))
from bioshard_backup import mail


class FakeSMTP:
    log = []

    def __init__(self, host, port, timeout):
        self.log.append(("connect", self.__class__.__name__, host, port))

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.log.append(("quit",))

    def starttls(self):
        self.log.append(("starttls",))

    def login(self, user, password):
        self.log.append(("login", user, password))

    def send_message(self, msg, to_addrs=None):
        self.log.append(("send", msg["From"], msg["To"], msg["Subject"], msg.get_content()))


class FakeSMTP_SSL(FakeSMTP):
    pass


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSMTP.log = []
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(mail.smtplib, "SMTP_SSL", FakeSMTP_SSL)
    return FakeSMTP.log


def test_smtp_starttls_with_login_and_sender(fake_smtp):
    box = mail.from_url("smtp://me%40x.org:p%3Ass@mail.x.org:2525?from=backup@x.org")
    box.send("a@b.org", "subj", "body 123")
    assert fake_smtp == [("connect", "FakeSMTP", "mail.x.org", 2525), ("starttls",),
                         ("login", "me@x.org", "p:ss"), ("send", "backup@x.org", "a@b.org", "subj", "body 123\n"),
                         ("quit",)]


def test_smtps_implicit_tls_default_port_no_login(fake_smtp):
    mail.from_url("smtps://mail.x.org").send("a@b.org", "s", "b")
    assert fake_smtp[0] == ("connect", "FakeSMTP_SSL", "mail.x.org", 465)
    assert [e[0] for e in fake_smtp] == ["connect", "send", "quit"]


def test_plain_smtp_without_starttls_only_when_asked(fake_smtp):
    mail.from_url("smtp://localhost:25?starttls=0").send("a@b.org", "s", "b")
    assert [e[0] for e in fake_smtp] == ["connect", "send", "quit"]


def test_file_outbox_appends_json_lines(tmp_path):
    box = mail.from_url(f"file://{tmp_path / 'o' / 'out.jsonl'}")
    box.send("a@b.org", "s1", "b1")
    box.send("c@d.org", "s2", "b2")
    lines = [json.loads(x) for x in (tmp_path / "o" / "out.jsonl").read_text().splitlines()]
    assert lines == [{"to": "a@b.org", "subject": "s1", "body": "b1"},
                     {"to": "c@d.org", "subject": "s2", "body": "b2"}]


def test_console_and_bad_urls(capsys):
    mail.from_url("console:").send("a@b.org", "s", "b")
    assert "a@b.org" in capsys.readouterr().err
    with pytest.raises(ValueError):
        mail.from_url("http://x")


class EnvelopeSMTP(smtplib.SMTP):
    """smtplib's own send_message (recipient derivation and all) without a network: records
    the envelope it would send."""
    envelopes = []

    def __init__(self, host, port, timeout):
        super().__init__()  # no host: does not connect
        self.ehlo_resp = b"fake"

    def starttls(self):
        pass

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        self.envelopes.append(list(to_addrs))
        return {}

    def quit(self):
        pass


def test_smtp_envelope_has_exactly_the_one_recipient(monkeypatch):
    # Even if a list slipped past address.parse, the envelope names only the string given
    # (the relay refuses it), never the addresses a header parser would split it into.
    EnvelopeSMTP.envelopes = []
    monkeypatch.setattr(mail.smtplib, "SMTP", EnvelopeSMTP)
    box = mail.from_url("smtp://mail.x.org")
    box.send("a@b.org", "s", "b")
    box.send("x1,victim@example.org", "s", "b")
    assert EnvelopeSMTP.envelopes == [["a@b.org"], ["x1,victim@example.org"]]
