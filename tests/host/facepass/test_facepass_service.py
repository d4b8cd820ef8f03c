"""Face pass against the real backup service (bioshard_backup, in-process via its test Harness):
owner restore on a fresh client, wrong face refused before any OPRF call, rate limit, heirs."""
import numpy as np
import pytest

pytest.importorskip("fastapi")

from bioshard.facepass import flow, fuzzy
from bioshard.facepass.client import BackupClient, HttpxTransport, RateLimitedError, ServiceError
from bioshard.keystore import new_secret
from bioshard_backup.testing import Harness
from test_facepass_synth import frames, person

OWNER, HEIR = "owner@example.org", "heir@example.org"


def logged_in(h, email):
    """A face-pass client of the in-process service `h`, signed in as `email`."""
    c = BackupClient(HttpxTransport(h.client))
    c.start(email)
    c.verify(email, h.last_code(email))
    return c


@pytest.fixture
def setup():
    h = Harness()
    rng = np.random.default_rng(7)
    owner_face = person(rng)
    secret = new_secret()
    c = logged_in(h, OWNER)
    pub = c.owner_key()
    blob = flow.owner_blob(secret, frames(rng, owner_face, 5, 0.005), c.owner_oprf, pub)
    assert c.put_blob("facepass", blob) == 1
    return h, rng, owner_face, secret, blob


def test_owner_restores_on_a_new_client(setup):
    h, rng, face, secret, _ = setup
    c2 = logged_in(h, OWNER)  # "new machine": fresh login, nothing local
    blob = c2.get_blob("facepass")
    assert flow.open_blob(blob, frames(rng, face, 3), owner_oprf=c2.owner_oprf) == secret


def test_photo_and_blob_without_the_service_key_fail(setup):
    # the attacker has the owner's face and the blob but evaluates under another OPRF key
    h, rng, face, secret, blob = setup
    other = logged_in(h, "mallory@example.org")
    other.owner_key()
    with pytest.raises(flow.wrap.UnwrapError):
        flow.open_blob(blob, frames(rng, face, 3), owner_oprf=other.owner_oprf)


def test_wrong_face_fails_before_any_service_call(setup):
    h, rng, _, _, blob = setup
    calls = []
    with pytest.raises(fuzzy.FaceMismatch):
        flow.open_blob(blob, frames(rng, person(rng), 5), owner_oprf=lambda x: calls.append(x))
    assert calls == []


def test_owner_oprf_is_rate_limited(setup):
    h, rng, face, secret, blob = setup
    c = logged_in(h, OWNER)
    got = 0
    with pytest.raises(RateLimitedError) as e:
        for _ in range(10):
            flow.open_blob(blob, frames(rng, face, 1, 0.001), owner_oprf=c.owner_oprf)
            got += 1
    assert got == 4  # 5/hour: one was spent at enrollment
    assert e.value.retry_after and e.value.retry_after > 0


def test_heir_released_only_after_inactivity(setup):
    h, rng, _, secret, _ = setup
    heir_face = person(rng)
    c = logged_in(h, OWNER)
    heir_id = c.add_heir(HEIR, inactivity_days=60)
    k = c.heir_key(heir_id)
    c.put_heir_blob(heir_id, flow.heir_blob(secret, frames(rng, heir_face, 5, 0.005), k))
    heir = logged_in(h, HEIR)
    assert [x["released"] for x in heir.inheritance()] == [False]
    with pytest.raises(ServiceError) as e:
        heir.inheritance_blob(heir_id)
    assert e.value.status == 403
    for _ in range(70):  # the owner stays silent; the scheduler sends the notices
        h.clock.advance(days=1)
        h.tick()
    heir = logged_in(h, HEIR)
    assert [x["released"] for x in heir.inheritance()] == [True]
    blob = heir.inheritance_blob(heir_id)
    ev = lambda b: heir.inheritance_eval(heir_id, b)
    assert flow.open_blob(blob, frames(rng, heir_face, 3), heir_evaluate=ev) == secret
    with pytest.raises(fuzzy.FaceMismatch):  # the heir blob opens only with the heir's face
        flow.open_blob(blob, frames(rng, person(rng), 3), heir_evaluate=ev)


def test_owner_checkin_cancels_release(setup):
    h, rng, _, secret, _ = setup
    c = logged_in(h, OWNER)
    heir_id = c.add_heir(HEIR, inactivity_days=60)
    for _ in range(50):
        h.clock.advance(days=1)
        h.tick()
    c = logged_in(h, OWNER)
    c.checkin()
    for _ in range(20):
        h.clock.advance(days=1)
        h.tick()
    heir = logged_in(h, HEIR)
    assert [x["released"] for x in heir.inheritance()] == [False]
    with pytest.raises(ServiceError):
        heir.inheritance_blob(heir_id)
