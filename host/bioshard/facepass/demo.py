"""Face-pass demo on the simulated card: lose the computer, get Secret A back from a face.

1. machine 1: pair, enroll two fingers, create the 2-of-2 wallet (the main demo's steps)
2. `bioshard facepass enroll` with one photo of the owner, against a local backup service
   (bioshard_backup served by uvicorn on 127.0.0.1; the owner's mail is its in-memory outbox)
3. machine 2 = a fresh BIOSHARD_HOME: `bioshard facepass restore` with *other* photos of the owner
   → Secret A (new passphrase) and wallet.json from the service
4. a new card (the old one is lost too): pair, `recover` with the same fingers
5. co-sign a spend with the restored Secret A and the card; libsecp256k1 verifies it
The faces are public-figure photos from ../shared/faces/deepface (serengil/deepface, MIT), so
this needs ../shared; a real owner uses `--camera`, which adds the liveness challenge.
Run: python -m bioshard.facepass.demo [../shared/faces/deepface]
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

OWNER = "owner@example.org"
PASS1, PASS2 = "machine one passphrase", "machine two passphrase"


def run(faces_dir, out_dir="out/facepass-demo", say=None):
    from .. import cli, demo, keystore, state
    from ..card import connect
    from ..commands import _service
    from ..sim.runner import SimCard
    from bioshard_backup.testing import Harness, serve

    say = say or demo.Narrator()
    faces = Path(faces_dir)
    out = Path(out_dir).resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    homes = Path(tempfile.mkdtemp(prefix="bioshard-facepass-demo-"))
    home1, home2 = homes / "machine1", homes / "machine2"
    h = Harness()
    server, thread, url = serve(h.app)
    saved = {k: os.environ.get(k) for k in ("BIOSHARD_HOME", "BIOSHARD_PASSPHRASE")}
    ask = _service.ask_code
    _service.ask_code = lambda email: h.last_code(email)  # the owner reads the code from their mail
    try:
        say("Local backup service on %s (bioshard_backup, in-memory database and outbox)" % url)
        os.environ.update(BIOSHARD_HOME=str(home1), BIOSHARD_PASSPHRASE=PASS1)
        with SimCard(state_dir=out / "card1", screens_dir=out / "screens1") as sim:
            say("Machine 1: pair, enroll fingers, create the wallet")
            demo._pair(sim, home1, say)
            with connect("sim:" + sim.ble_path, home=home1) as card:
                _, svc = demo._service(say, h)  # the card factor from the same service
                blob, card_pub = demo._enroll(card, sim, svc, say)
                secret_a, host_pub, desc, addr = demo._create_wallet(card, sim, home1, card_pub, say)
                keystore.save(state.secret_path(home1), secret_a, PASS1, host_pub)
                state.save({"card_pubkey": card_pub.hex(), "host_pubkey": host_pub.hex(), "network": demo.NETWORK,
                            "blob": blob.hex(), "descriptor": str(desc),
                            "card_factor": {"service": url, "email": demo.EMAIL}}, home1)
        say("Machine 1: bioshard facepass enroll --face img1.jpg (one photo of the owner)")
        if cli.main(["facepass", "enroll", "--service", url, "--email", OWNER, "--face", str(faces / "img1.jpg")]):
            raise SystemExit("facepass enroll failed")
        say("Machine 1 and the card are lost. Machine 2 starts empty: %s" % home2)
        frames = homes / "frames"
        frames.mkdir()
        for i, n in enumerate(("img2.jpg", "img4.jpg")):
            shutil.copy(faces / n, frames / ("%02d.jpg" % i))
        os.environ.update(BIOSHARD_HOME=str(home2), BIOSHARD_PASSPHRASE=PASS2)
        say("Machine 2: bioshard facepass restore --face <two other photos of the owner>")
        if cli.main(["facepass", "restore", "--service", url, "--email", OWNER, "--face", str(frames)]):
            raise SystemExit("facepass restore failed")
        restored = keystore.load(state.secret_path(home2), PASS2)
        same = restored == secret_a
        say.detail("Secret A on machine 2 equals machine 1's: %s (compared in memory, never printed)" % same)
        if not same:
            raise SystemExit("restored another Secret A")
        doc = state.load(home2)
        say("A new card: pair with machine 2, recover the card share with the same fingers and the card factor")
        with SimCard(state_dir=out / "card2", screens_dir=out / "screens2") as sim2:
            demo._pair(sim2, home2, say)
            with connect("sim:" + sim2.ble_path, home=home2) as card:
                with demo._owner(sim2, 5):
                    res = card.call("recover", {"blob": bytes.fromhex(doc["blob"]), "network": demo.NETWORK,
                                                "factor": "card_factor" in doc})
                if "card_factor" in doc:  # the restored wallet data names the service and email
                    _, svc = demo._service(say, h)
                    res = demo._card_factor(card, svc, res, say)
                if res["pubkey"].hex() != doc["card_pubkey"]:
                    raise SystemExit("the new card derived another key share")
                card.call("wallet.set", {"participants": [bytes.fromhex(doc["host_pubkey"]), res["pubkey"]]})
                say("Co-signing a spend with the restored Secret A and the new card")
                friend = bytes.fromhex("5120") + bytes(range(32))
                psbt = demo._spend_psbt(desc, 900_000, friend, 400_000, 700, 0xFA)
                raw = demo._sign(card, sim2, psbt, restored, res["pubkey"], bytes.fromhex(doc["blob"]),
                                 [(1, 6), (2, 7)], say)
                demo._verify(raw, desc, 900_000, say)
        say("Done: a face, an email code and the fingers brought the wallet back")
        return {"raw": raw, "restored": same}
    finally:
        _service.ask_code = ask
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        server.should_exit = True
        thread.join(5)
        shutil.rmtree(homes, ignore_errors=True)


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "../shared/faces/deepface")
