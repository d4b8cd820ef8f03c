"""The simulated owner who reads the card's screen (bioshard.sim.owner) and the screen records
the simulated card sends for it on gpio.sock (boards/sim.py screen_shown)."""
from bioshard import pairing
from bioshard.card import connect
from bioshard.commands.sim import Console
from bioshard.sim import synthetic
from bioshard.sim.owner import Owner, asked_position

from conftest import REPO

R, L = 1, 2


def test_the_owner_answers_each_prompt_with_the_finger_it_asks_for():
    o = Owner([R, L], first=8)
    name = "right index"
    assert o.answer(["sign_output", 1, 2, "bcrt1q...", 1000, False, 1, 4]) == ("finger", synthetic.impression(9, 1))
    assert o.answer(["sign_summary", 1, 2, 3, 4, 1, 3, 4])[0] == "finger" and o.taps == 2
    assert o.answer(["sign_confirm", 1000, 4, 4]) == ("finger", synthetic.impression(R, 8))
    # "wrong finger": the card asks for finger 1 again; the owner gives it again, a new impression
    assert o.answer(["sign_result", "wrong_finger", 2]) == (None, None)
    assert o.answer(["sign_finger", 1, 2, name, "Sign"]) == ("finger", synthetic.impression(R, 9))
    assert o.answer(["sign_finger", 2, 2, "left index", "Sign"]) == ("finger", synthetic.impression(L, 8))
    assert o.sequence() == [R, L] and o.count(R) == 2 and o.count(L) == 1
    assert [p[0] for p in o.presses] == ["sign_confirm", "sign_finger", "sign_finger"]


def test_the_owner_leaves_yes_no_questions_and_unknown_fingers_alone():
    o = Owner([R], first={R: 3}, review=False)
    for screen in (None, ["pair_confirm", "042917"], ["address_verify", "bc1q", "receive #0", ""],
                   ["idle", "bioshard-0000", True, True], ["enroll_place", 2, 2, 1, 8, "left index"],
                   ["sign_output", 1, 1, "bc1q", 5, False, 1, 3]):
        assert o.answer(screen) == (None, None), screen
    assert o.answer(["enroll_again", 1, 1, 9, 10, "shift it"]) == ("finger", synthetic.impression(R, 3))
    assert asked_position(["enroll_place", 1, 2, 1, 8, "right index"]) == 1
    assert asked_position(["splash", "0.1.0"]) is None and o.taps == 0


def test_only_the_simulator_board_reports_its_screens():
    # A real board's screens go to the glass and nowhere else.
    boards = sorted((REPO / "boards").glob("*.py"))
    assert [p.name for p in boards if "def screen_shown" in p.read_text()] == ["sim.py"]
    assert len(boards) >= 3


def test_the_simulated_card_reports_its_screens_and_the_console_names_them(tmp_path, monkeypatch):
    from bioshard.sim.runner import SimCard

    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path / "home"))
    said = []
    with SimCard(state_dir=tmp_path / "card", screens_dir=tmp_path / "screens") as sim:
        setup = sim.screen()
        assert setup[0] == "setup" and setup[1].startswith("bioshard-")
        Console(sim, out=said.append, screens=True)
        with connect("sim:" + sim.ble_path, secure=False) as card:
            orig = pairing.HostPairing.confirm_code
            monkeypatch.setattr(pairing.HostPairing, "confirm_code", lambda self, typed: orig(self, self.code))
            sim.queue(("finger", synthetic.impression(9, 0)))
            pairing.pair_card(card.client, lambda: True)
            assert sim.screen() == ["idle", setup[1], True, False]
    codes = [s for s in said if s.startswith("card shows: pair_confirm('")]
    assert len(codes) == 1 and "card shows: idle(%r, True, False)" % setup[1] in said


def test_the_console_hands_the_card_to_the_owner_and_takes_it_back(tmp_path, monkeypatch):
    from bioshard.sim.runner import SimCard

    home = tmp_path / "home"
    said = []
    with SimCard(state_dir=tmp_path / "card", screens_dir=tmp_path / "screens") as sim:
        console = Console(sim, out=said.append)
        target = "sim:" + sim.ble_path
        with connect(target, home=home, secure=False) as card:
            sim.queue(("finger", synthetic.impression(9, 0)))
            pairing.save_record(pairing.pair_card(card.client, lambda: True), home)
        console.handle("o 1")
        assert said[-1] == "owner answers the card's screens with fingers 1"
        with connect(target, home=home) as card:  # eight guided presses, and more if the card asks
            assert len(card.call("enroll", {"fingers": [2], "network": "regtest"})["pubkey"]) == 33
        assert sim.person.owner.count(1) >= 8 and sim.person.owner.sequence() == [1]
        console.handle("o")
        assert said[-1] == "owner stopped" and sim.person.owner is None
