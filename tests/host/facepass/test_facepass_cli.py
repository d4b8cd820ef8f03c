"""`bioshard facepass …` end to end on real photos (../shared/faces/deepface: serengil/deepface
test photos, MIT; skipped without ../shared) against the real backup service in-process.

The owner enrolls from one photo; a fresh BIOSHARD_HOME ("new machine") restores Secret A and
wallet.json from *another* photo of the same person; a photo of someone else is refused before
any OPRF evaluation; an heir restores only after the owner's inactivity."""
import json
import shutil

import pytest

pytest.importorskip("dlib")
pytest.importorskip("face_recognition_models")
pytest.importorskip("fastapi")

from bioshard import cli, keystore, state
from bioshard.commands import facepass as cmd
from bioshard.facepass.client import BackupClient, HttpxTransport
from bioshard.facepass.fuzzy import FaceMismatch
from bioshard.facepass.liveness import LivenessError
from bioshard.signing import individual_pk
from bioshard_backup.testing import Harness

OWNER, HEIR = "owner@example.org", "heir@example.org"
pytestmark = pytest.mark.slow


@pytest.fixture
def world(shared, tmp_path, monkeypatch):
    faces = shared / "faces" / "deepface"
    h = Harness()
    monkeypatch.setattr(cmd._service, "connect_service", lambda url: BackupClient(HttpxTransport(h.client)))
    monkeypatch.setattr(cmd._service, "ask_code", h.last_code)
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", "old passphrase")
    monkeypatch.delenv("BIOSHARD_BACKUP_TOKEN", raising=False)
    home = tmp_path / "home1"
    monkeypatch.setenv("BIOSHARD_HOME", str(home))
    secret = keystore.new_secret()
    pub = individual_pk(secret)
    keystore.save(state.secret_path(home), secret, "old passphrase", pub)
    wallet = {"card_pubkey": "02" + "11" * 32, "host_pubkey": pub.hex(), "blob": "00ff", "network": "regtest",
              "descriptor": "tr(musig(…))"}
    state.save(wallet, home)
    return h, faces, tmp_path, secret, wallet, monkeypatch


def _frames(tmp, faces, *names):
    d = tmp / ("frames-" + "-".join(n.split(".")[0] for n in names))
    d.mkdir()
    for i, n in enumerate(names):
        shutil.copy(faces / n, d / ("%02d.jpg" % i))
    return str(d)


def run(*argv):
    return cli.main(["facepass", *argv, "--service", "https://backup.invalid"])


def _token(h):
    c = BackupClient(HttpxTransport(h.client))
    c.start(OWNER)
    return c.verify(OWNER, h.last_code(OWNER))


def _evals(h):
    return h.rows("SELECT COUNT(*) FROM rate_events WHERE bucket LIKE 'oprf_eval:%'")[0][0]


def test_restore_on_a_new_machine_from_another_photo(world, capsys):
    h, faces, tmp, secret, wallet, mp = world
    assert run("enroll", "--email", OWNER, "--face", str(faces / "img1.jpg")) == 0
    tok = _token(h)
    mp.setenv("BIOSHARD_BACKUP_TOKEN", tok)  # from here on: one sign-in (codes are rate-limited too)
    first = json.loads(BackupClient(HttpxTransport(h.client), token=tok).get_blob("facepass"))
    # enrolling again (the service keeps the first OPRF key) replaces the blob, same key
    assert run("enroll", "--email", OWNER, "--face", str(faces / "img5.jpg")) == 0
    assert "wallet backup uploaded" in capsys.readouterr().out
    second = json.loads(BackupClient(HttpxTransport(h.client), token=tok).get_blob("facepass"))
    assert second["oprf_public_key"] == first["oprf_public_key"] != "" and second["face"] != first["face"]
    home2 = tmp / "home2"
    mp.setenv("BIOSHARD_HOME", str(home2))
    mp.setenv("BIOSHARD_PASSPHRASE", "new passphrase")
    before = _evals(h)
    assert run("restore", "--email", OWNER, "--face", _frames(tmp, faces, "img38.jpg", "img13.jpg")) == FaceMismatch.exit_code
    assert _evals(h) == before  # a stranger's face costs no OPRF evaluation
    assert not state.secret_path(home2).exists()
    assert run("restore", "--email", OWNER, "--face", _frames(tmp, faces, "img2.jpg", "img4.jpg")) == 0
    assert keystore.load(state.secret_path(home2), "new passphrase") == secret
    restored = json.loads((home2 / "wallet.json").read_text())
    assert {k: restored[k] for k in wallet} == wallet
    assert run("restore", "--email", OWNER, "--face", str(faces / "img2.jpg")) != 0  # no overwrite
    assert run("checkin", "--email", OWNER) == 0
    assert secret.hex() not in capsys.readouterr().out


def test_recorded_frames_must_answer_the_challenge(world):
    h, faces, tmp, *_ = world
    assert run("enroll", "--email", OWNER, "--face", str(faces / "img1.jpg")) == 0
    world[5].setenv("BIOSHARD_HOME", str(tmp / "home3"))
    frames = _frames(tmp, faces, "img2.jpg", "img2.jpg", "img2.jpg", "img4.jpg", "img4.jpg")
    assert run("restore", "--email", OWNER, "--face", frames, "--challenge", "left,smile") == LivenessError.exit_code


def test_heir_restores_after_inactivity_only(world, capsys):
    h, faces, tmp, secret, wallet, mp = world
    assert run("add-heir", "--email", OWNER, "--heir-email", HEIR, "--inactivity-days", "30",
               "--face", str(faces / "img17.jpg")) == 0
    mp.setenv("BIOSHARD_HOME", str(tmp / "heir"))
    mp.setenv("BIOSHARD_PASSPHRASE", "heir passphrase")
    probe = _frames(tmp, faces, "img16.jpg", "img59.jpg")
    assert run("restore", "--heir", "--email", HEIR, "--face", probe) != 0
    assert "not released" in capsys.readouterr().err
    for _ in range(40):
        h.clock.advance(days=1)
        h.tick()
    assert run("restore", "--heir", "--email", HEIR, "--face", _frames(tmp, faces, "img1.jpg")) == FaceMismatch.exit_code
    assert run("restore", "--heir", "--email", HEIR, "--face", probe) == 0
    assert keystore.load(state.secret_path(tmp / "heir"), "heir passphrase") == secret
    assert json.loads((tmp / "heir" / "wallet.json").read_text())["descriptor"] == wallet["descriptor"]


def test_camera_restore_with_a_still_photo_fails_liveness(world, capsys):
    # the camera is replaced by a photo held still: no challenge can be answered
    h, faces, tmp, secret, wallet, mp = world
    from bioshard.facepass import camera, face

    assert run("enroll", "--email", OWNER, "--face", str(faces / "img1.jpg")) == 0
    mp.setenv("BIOSHARD_HOME", str(tmp / "home4"))
    still = face.load_image(faces / "img2.jpg")
    shown = []
    mp.setattr(camera, "capture", lambda index=0, prompt=None, **kw: (prompt(), [still] * 10)[1])
    mp.setattr(cmd, "progress", shown.append)
    before = _evals(h)
    assert run("restore", "--email", OWNER, "--camera") == LivenessError.exit_code
    assert any("look at the camera" in s for s in shown)
    assert _evals(h) == before and not state.secret_path(tmp / "home4").exists()
