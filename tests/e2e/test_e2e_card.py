"""End to end on the simulated card, through the `bioshard` CLI as a user runs it.

The real firmware runs under the micropython unix port; the owner's fingers are synthetic
prints fed as ZFM bytes. The finished transaction is checked with code we did not write:
embit parses it and computes the BIP-341 sighash, libsecp256k1 (coincurve) verifies the
signature against the wallet's Taproot output key.
"""
import base64
import json
import shutil

import pytest
from coincurve import PublicKeyXOnly

from bioshard import cli, pairing
from bioshard.errors import CardRefusedError, CardTimeoutError
from bioshard.sim import synthetic
from bioshard.sim.runner import SimCard
from bioshard.wallet.descriptor import Descriptor
from bioshard.wallet import psbt_io
from bioshard.wallet.psbt_build import HdUtxo, build_hd

embit_tx = pytest.importorskip("embit.transaction")
embit_script = pytest.importorskip("embit.script")

pytestmark = pytest.mark.slow

R_INDEX, L_INDEX = 1, 2  # synthetic finger numbers used as the owner's right and left index
STRANGER = 5


def finger(f, i):
    return ("finger", synthetic.impression(f, i))


def tap(i=0):
    return finger(9, i)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A simulated card set up as a user does it, through the CLI: pair, enroll two fingers,
    create the wallet (checking the address on the card). Module-scoped, and each test after
    it depends only on this fixture, so xdist may spread the tests over workers."""
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("BIOSHARD_HOME", str(home))
    mp.setenv("BIOSHARD_PASSPHRASE", "test passphrase")
    # The test plays the owner who reads the code off the panel and types it (--code is a
    # placeholder; the host compares what it computed itself).
    orig = pairing.HostPairing.confirm_code
    mp.setattr(pairing.HostPairing, "confirm_code", lambda self, typed: orig(self, self.code))
    sim = SimCard(state_dir=tmp_path_factory.mktemp("card"), screens_dir=tmp_path_factory.mktemp("screens"))
    sim.start()
    try:
        card = "sim:" + sim.ble_path
        sim.queue(tap())  # the owner touches the sensor to confirm pairing on the card
        assert cli.main(["pair", "--card", card, "--code", "000000"]) == 0
        with sim.owner([R_INDEX, L_INDEX]) as owner:  # the owner follows the card's guided presses
            assert cli.main(["enroll", "--card", card, "--fingers", "r-index,l-index", "--network", "regtest",
                             "--no-service"]) == 0
        assert owner.sequence() == [R_INDEX, L_INDEX] and min(owner.count(R_INDEX), owner.count(L_INDEX)) >= 8
        sim.queue(tap(1))  # compare the address on the card, touch to confirm
        assert cli.main(["wallet", "create", "--card", card]) == 0
        assert sim.clear_queue() == 0  # the card consumed exactly the queued touches
        yield sim, home
    finally:
        sim.stop()
        mp.undo()


def run(sim, *argv):
    return cli.main(list(argv))


def spend(home, amount_in=3_000_000, pay=1_000_000, fee=1_500, txid=0x11):
    doc = json.loads((home / "wallet.json").read_text())
    d = Descriptor(doc["descriptor"])
    # the HD wallet: a coin at receive #0, change to change #0 (the card derives both)
    utxo = HdUtxo(bytes([txid]).hex() * 32, 1, amount_in, d, 0)
    friend = bytes.fromhex("0014") + bytes(20)  # P2WPKH of someone else
    psbt = build_hd(d, [utxo], [(friend, pay)], change=(amount_in - pay - fee, 0))
    return base64.b64encode(psbt.serialize()).decode(), d, amount_in


def verify_independently(raw_hex, output_key, amount_in):
    tx = embit_tx.Transaction.parse(bytes.fromhex(raw_hex))
    spk = embit_script.Script(b"\x51\x20" + output_key)
    msg = tx.sighash_taproot(0, [spk], [amount_in])
    sig = tx.vin[0].witness.items[0]
    assert len(sig) == 64
    assert PublicKeyXOnly(output_key).verify(sig, msg)


def test_setup_left_a_wallet_the_card_agrees_with(env):
    sim, home = env
    doc = json.loads((home / "wallet.json").read_text())
    assert doc["descriptor"].startswith("tr(musig(") and doc["network"] == "regtest"
    assert len(bytes.fromhex(doc["blob"])) > 0
    keyfile = json.loads((home / "secret_a.json").read_text())
    assert keyfile["kdf"] == "scrypt" and len(bytes.fromhex(keyfile["ct"])) == 32 + 16  # AES-GCM of Secret A
    assert keyfile["pubkey"] == doc["host_pubkey"]
    assert (home / "secret_a.json").stat().st_mode & 0o777 == 0o600


def test_sign_a_spend_verified_independently(env, capsys):
    sim, home = env
    psbt, d, amount_in = spend(home)
    with sim.owner([R_INDEX, L_INDEX], first=20) as owner:
        assert run(sim, "sign", psbt, "--card", "sim:" + sim.ble_path) == 0
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    verify_independently(raw, d.output_key(), amount_in)
    assert_signed_by(owner, taps=3)  # two outputs and the summary, then the sequence


def assert_signed_by(owner, taps, fingers=(R_INDEX, L_INDEX)):
    """The card asked for exactly `taps` review touches, then the sequence in its order, the
    first finger on the confirmation page (unless a wrong press came first)."""
    assert owner.taps == taps
    assert owner.sequence() == list(fingers)
    assert owner.presses[0][0] in ("sign_confirm", "sign_finger")


def test_a_wrong_press_then_the_right_finger_on_the_next_try_signs(env, capsys):
    # A stranger's finger on the confirmation page: the card says "wrong finger, try again"
    # (2 tries left) and asks for the first finger again; the owner presents it and the second.
    sim, home = env
    psbt, d, amount_in = spend(home, txid=0x99)
    shown = []
    sim.screen_callbacks.append(shown.append)
    sim.queue(*[tap(2 + i) for i in range(3)], finger(STRANGER, 7))
    try:
        with sim.owner([R_INDEX, L_INDEX], first=24) as owner:
            assert run(sim, "sign", psbt, "--card", "sim:" + sim.ble_path) == 0
    finally:
        sim.screen_callbacks.remove(shown.append)
    verify_independently(capsys.readouterr().out.strip().splitlines()[-1], d.output_key(), amount_in)
    assert sim.clear_queue() == 0
    assert ["sign_result", "wrong_finger", 2] in shown
    assert owner.taps == 0 and owner.sequence() == [R_INDEX, L_INDEX]
    assert owner.presses[0][:2] == ("sign_finger", R_INDEX)  # asked again for finger 1, after the miss


def refused(env, capsys, txid, inputs, reason):
    """A fresh spend, signed with these inputs on the card: refused, and the error says why."""
    sim, home = env
    psbt = spend(home, txid=txid)[0]
    sim.queue(*inputs)
    rc = run(sim, "sign", psbt, "--card", "sim:" + sim.ble_path)
    assert rc == CardRefusedError.exit_code
    assert reason in capsys.readouterr().err
    sim.clear_queue()


def test_wrong_fingers_are_refused_and_nothing_signed(env, capsys):
    # Pages, then three tries with a stranger's finger for the first finger of the sequence.
    refused(env, capsys, 0x22, [*[tap(2 + i) for i in range(3)], finger(STRANGER, 0), finger(STRANGER, 1),
                                finger(STRANGER, 2)], "biometric mismatch")


def test_button_rejects_on_the_review(env, capsys):
    refused(env, capsys, 0x33, [tap(2), ("button", None)], "user cancelled")


def test_hostile_psbt_is_refused_cleanly_and_the_card_lives_on(env, capsys):
    sim, home = env
    psbt, d, _ = spend(home, txid=0x44)
    raw = bytearray(base64.b64decode(psbt))
    raw[60] ^= 0xFF  # damage the unsigned transaction
    rc = run(sim, "sign", base64.b64encode(bytes(raw)).decode(), "--card", "sim:" + sim.ble_path)
    assert rc != 0
    assert sim.alive()
    # A PSBT whose "change" (our change #0 fields) pays someone else: the fake-change attack,
    # refused by the card's own review (it derives change #0 itself).
    foreign = bytes.fromhex("5120") + bytes(range(32))
    other = psbt_io.parse(base64.b64decode(spend(home, txid=0x55)[0]))
    tx = other.tx
    tx.outputs[1].script = foreign
    other.global_map[b"\x00"] = tx.serialize()
    rc = run(sim, "sign", base64.b64encode(other.serialize()).decode(), "--card", "sim:" + sim.ble_path)
    assert rc == CardRefusedError.exit_code
    assert "output 1: change claimed but not ours" in capsys.readouterr().err
    assert sim.alive()
    # A PSBT spending a coin that is not the wallet's: the host names it before the card.
    bad = psbt_io.parse(base64.b64decode(spend(home, txid=0x56)[0]))
    bad.inputs[0][b"\x01"] = bad.inputs[0][b"\x01"][:9] + foreign
    rc = run(sim, "sign", base64.b64encode(bad.serialize()).decode(), "--card", "sim:" + sim.ble_path)
    assert rc == 7 and "not this wallet's" in capsys.readouterr().err
    assert sim.alive()


def test_backup_and_recovery_on_a_new_card(env, tmp_path, capsys, monkeypatch):
    sim, home = env
    assert run(sim, "backup", "export", str(tmp_path / "backup.json")) == 0
    doc = json.loads((home / "wallet.json").read_text())
    # This computer pairs with the new card in a copy of its home, so the module's card keeps
    # the pairing the other tests use (pairing.json holds one card).
    shutil.copytree(home, tmp_path / "home2")
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path / "home2"))
    with SimCard(state_dir=tmp_path / "card2", screens_dir=tmp_path / "screens2") as sim2:
        card2 = "sim:" + sim2.ble_path
        sim2.queue(tap())
        assert run(sim2, "pair", "--card", card2, "--code", "000000") == 0
        assert run(sim2, "backup", "restore", str(tmp_path / "backup.json")) == 0
        sim2.queue(finger(STRANGER, 8))  # a wrong press first: restoring gives the same 3 tries
        with sim2.owner([R_INDEX, L_INDEX], first=28) as owner:
            assert run(sim2, "recover", "--card", card2) == 0
        assert doc["card_pubkey"] in capsys.readouterr().out
        assert sim2.clear_queue() == 0 and owner.sequence() == [R_INDEX, L_INDEX]
        assert owner.presses[0][0] == "sign_finger" and owner.count(R_INDEX) >= 1
        psbt, d, amount_in = spend(home, txid=0x66)
        with sim2.owner([R_INDEX, L_INDEX], first=32) as owner:
            assert run(sim2, "sign", psbt, "--card", card2) == 0
        verify_independently(capsys.readouterr().out.strip().splitlines()[-1], d.output_key(), amount_in)
        assert_signed_by(owner, taps=3)


def test_nothing_but_pairing_and_version_without_a_secure_session(env):
    from bioshard.card import connect

    sim, home = env
    with connect("sim:" + sim.ble_path, secure=False) as card:
        info = card.info()
        assert info["paired"] is True
        assert info["sensor"] == {"baud": 115200, "packet_size": 256}  # the boot's bring-up
        for method in ("sign", "enroll", "recover", "wallet.set", "address.show", "portfolio.push"):
            with pytest.raises(CardRefusedError, match="secure session"):
                card.call(method, {}, timeout=10)
        # Pairing is closed once paired: a stranger in radio range cannot start it.
        with pytest.raises(CardRefusedError, match="not enabled"):
            card.call("pair.init", {"m": b"\x00" * 33}, timeout=10)
    assert sim.alive()


def test_sim_accepts_relative_state_and_screen_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SimCard(state_dir="rel/card", screens_dir="rel/screens") as sim:
        from bioshard.card import connect

        with connect("sim:" + sim.ble_path, secure=False) as card:
            assert card.info()["paired"] is False
    assert (tmp_path / "rel" / "card" / "flash" / "identity").exists()
    assert list((tmp_path / "rel" / "screens").glob("*.png"))


# ---- enroll and recover cannot hand the co-signer and network to the host -------------------

def _other_key():
    from coincurve import PrivateKey

    return PrivateKey(b"\x07" * 32).public_key.format()


def test_recover_on_the_set_up_card_keeps_its_wallet_and_another_co_signer_needs_the_owner(env):
    # Were recover to write the wallet record without participants, the host's next
    # wallet.set would install any co-signer (and the recover's network) without a touch.
    from bioshard.card import connect

    sim, home = env
    doc = json.loads((home / "wallet.json").read_text())
    card_pub = bytes.fromhex(doc["card_pubkey"])
    with connect("sim:" + sim.ble_path) as card:
        with sim.owner([R_INDEX, L_INDEX], first=36) as owner:
            r = card.call("recover", {"blob": bytes.fromhex(doc["blob"]), "network": "main", "replace": True})
        assert owner.sequence() == [R_INDEX, L_INDEX]
        assert r == {"pubkey": card_pub, "network": "regtest", "wallet": True, "factor": False}
        with pytest.raises(CardRefusedError, match="another wallet"):
            card.call("wallet.set", {"participants": [_other_key(), card_pub]})
        sim.queue(("button", None))  # the card shows the new address; the owner did not ask for it
        with pytest.raises(CardRefusedError, match="user cancelled"):
            card.call("wallet.set", {"participants": [_other_key(), card_pub], "replace": True})
        # the owner's wallet is still the card's: the same participants need no touch
        r = card.call("wallet.set", {"participants": [bytes.fromhex(doc["host_pubkey"]), card_pub]})
        assert r["aggregate_key"] and card.info()["wallet"] is True
    assert sim.clear_queue() == 0


def test_enroll_over_a_set_up_wallet_on_the_simulated_card_needs_the_owner_for_the_next_co_signer(tmp_path):
    from bioshard.card import connect

    home = tmp_path / "home"
    with SimCard(state_dir=tmp_path / "card", screens_dir=tmp_path / "screens") as sim:
        target = "sim:" + sim.ble_path
        with connect(target, home=home, secure=False) as card:
            sim.queue(tap())
            pairing.save_record(pairing.pair_card(card.client, lambda: True), home)
        with connect(target, home=home) as card:
            with sim.owner([R_INDEX]) as owner:
                first = card.call("enroll", {"fingers": [2], "network": "regtest"})["pubkey"]
            assert owner.count(R_INDEX) >= 8
            host_key = _other_key()
            card.call("wallet.set", {"participants": [host_key, first]})  # a first wallet: no touch
            with sim.owner([L_INDEX]) as owner:
                second = card.call("enroll", {"fingers": [7], "network": "main", "replace": True})["pubkey"]
            assert owner.count(L_INDEX) >= 8
            assert second != first and card.info()["wallet"] is False
            with pytest.raises(CardRefusedError, match="another wallet"):
                card.call("wallet.set", {"participants": [host_key, second]})
            sim.queue(("button", None))
            with pytest.raises(CardRefusedError, match="user cancelled"):
                card.call("wallet.set", {"participants": [host_key, second], "replace": True})
            assert card.info()["wallet"] is False
            sim.queue(tap(1))  # the owner checks the new (mainnet) address and touches
            card.call("wallet.set", {"participants": [host_key, second], "replace": True})
            assert card.info()["wallet"] is True
        assert sim.clear_queue() == 0


# ---- an output anyone can spend has a danger page of its own on the card -------------------

def _spend_with_op_true(home, txid, amount_in=3_000_000, pay=1_000_000, gift=10_000, fee=1_500):
    doc = json.loads((home / "wallet.json").read_text())
    d = Descriptor(doc["descriptor"])
    utxo = HdUtxo(bytes([txid]).hex() * 32, 1, amount_in, d, 0)
    friend = bytes.fromhex("0014") + bytes(20)
    psbt = build_hd(d, [utxo], [(friend, pay), (b"\x51", gift)], change=(amount_in - pay - gift - fee, 0))
    return base64.b64encode(psbt.serialize()).decode(), d, amount_in


def _panel_showed(sim, screen, *args):
    """True if the simulated panel drew exactly this screen (pixel for pixel) at some point."""
    from PIL import Image, ImageChops

    from bioshard.sim.panel import SSD1680Sim, direct_bus
    from bioshard_card.drivers.ssd1680 import SSD1680
    from bioshard_card.ui.canvas import Canvas

    ref = SSD1680Sim()
    c = Canvas()
    screen(c, *args)
    SSD1680(*direct_bus(ref)).show(c.buf, full=True)
    want = ref.last_image.convert("1")
    for png in sorted(sim.screens_dir.glob("0*.png")):
        got = Image.open(png).convert("1")
        if got.size == want.size and ImageChops.difference(got, want).getbbox() is None:
            return True
    return False


def test_an_op_true_output_needs_a_touch_on_its_danger_page_and_can_be_rejected_there(env, capsys):
    # Pages: friend, OP_TRUE output, its danger page, change, summary, then the confirm page.
    # The OP_TRUE output is not just one more "Send to" page.
    from bioshard_card.ui import screens

    sim, home = env
    psbt, d, amount_in = _spend_with_op_true(home, txid=0x77)
    sim.queue(tap(2), tap(3), ("button", None))  # the owner reads the danger page and rejects
    assert run(sim, "sign", psbt, "--card", "sim:" + sim.ble_path) == CardRefusedError.exit_code
    assert "user cancelled" in capsys.readouterr().err
    assert sim.clear_queue() == 0
    assert _panel_showed(sim, screens.sign_danger, 2, True, "OP_TRUE", 10_000, 3, 6)
    psbt, d, amount_in = _spend_with_op_true(home, txid=0x78)
    with sim.owner([R_INDEX, L_INDEX], first=40) as owner:
        assert run(sim, "sign", psbt, "--card", "sim:" + sim.ble_path) == 0
    verify_independently(capsys.readouterr().out.strip().splitlines()[-1], d.output_key(), amount_in)
    assert_signed_by(owner, taps=5)  # three outputs, the danger page and the summary, then the fingers
