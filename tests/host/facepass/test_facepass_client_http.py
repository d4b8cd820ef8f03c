"""The face-pass HTTP client (UrllibTransport) over a real socket: the backup service app served
by uvicorn on 127.0.0.1, error bodies and 429/Retry-After mapped to named errors."""
import hashlib

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from coincurve import PublicKey

from bioshard.errors import BioshardError
from bioshard.facepass.client import BackupClient, RateLimitedError, ServiceError, UrllibTransport
from bioshard_backup import oprf
from bioshard_backup.testing import Harness, serve


@pytest.fixture(scope="module")
def served():
    h = Harness()
    server, t, url = serve(h.app)
    yield h, url
    server.should_exit = True
    t.join(5)


def test_login_blob_and_oprf_over_http(served):
    h, url = served
    c = BackupClient(url)
    c.start("a@example.org")
    c.verify("a@example.org", h.last_code("a@example.org"))
    assert c.put_blob("facepass", b"\x00\x01blob") == 1
    assert c.get_blob("facepass") == b"\x00\x01blob"
    pub = c.owner_key()
    # the blinded round trip must give SHA256(tag || x || k·H(x)) for the service's own k
    # (read back from its key store here; computed with coincurve, not with oprf.finalize)
    (wrapped,) = h.rows("SELECT wrapped FROM oprf_keys WHERE key_ref = ?", ("owner:a@example.org",))[0]
    k = h.keyring.unwrap("owner:a@example.org", wrapped)
    assert PublicKey.from_secret(k).format() == pub
    want = hashlib.sha256(b"bioshard/oprf/out/v1" + b"input" +
                          PublicKey(oprf.hash_to_curve(b"input")).multiply(k).format()).digest()
    assert c.owner_oprf(b"input") == want != c.owner_oprf(b"other")
    with pytest.raises(RateLimitedError) as e:
        for _ in range(4):
            c.owner_oprf(b"input")
    assert e.value.status == 429 and e.value.retry_after > 0


def test_errors_are_named(served):
    h, url = served
    c = BackupClient(url, token="not-a-token")
    with pytest.raises(ServiceError) as e:
        c.checkin()
    assert e.value.status == 401
    c = BackupClient(url)
    with pytest.raises(BioshardError):
        c.checkin()  # no token at all: refused locally
    with pytest.raises(ServiceError) as e:
        c.verify("b@example.org", "000000")
    assert e.value.status in (400, 401)
    with pytest.raises(ServiceError) as e:
        BackupClient("http://127.0.0.1:9").start("x@example.org")
    assert e.value.code == "unreachable"


def test_clear_http_only_to_localhost():
    for bad in ("http://backup.example.org", "http://localhost.evil.example", "http://127.0.0.1.nip.io",
                "ftp://127.0.0.1", "backup.example.org"):
        with pytest.raises(BioshardError):
            UrllibTransport(bad)
    UrllibTransport("http://localhost:8080")
    UrllibTransport("https://backup.example.org")


def test_oprf_client_math_matches_the_service_primitives():
    # the client's blind/finalize (shared module) against an evaluation done with a known key
    k = oprf.generate_key()
    r, blinded = oprf.blind(b"x")
    out = oprf.finalize(b"x", r, oprf.evaluate(k, blinded))
    r2, blinded2 = oprf.blind(b"x")
    assert blinded != blinded2 and oprf.finalize(b"x", r2, oprf.evaluate(k, blinded2)) == out
