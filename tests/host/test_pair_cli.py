"""`bioshard pair` is a numeric comparison: the computer prints its code, the owner says on the
computer whether the card shows the same one, and confirms on the card."""
import re

import pytest

from bioshard import cli, pairing
from bioshard.card import connect
from bioshard.sim import synthetic
from bioshard.sim.runner import SimCard
from bioshard_card.ui import screens, screens_app
from test_e2e_card import _panel_showed

pytestmark = pytest.mark.slow


def test_pair_prints_the_code_and_pairs_only_on_the_owners_yes(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    monkeypatch.setenv("BIOSHARD_HOME", str(home))
    with SimCard(state_dir=tmp_path / "card", screens_dir=tmp_path / "screens") as sim:
        target = "sim:" + sim.ble_path
        monkeypatch.setattr("builtins.input", lambda prompt: "n")  # the codes differ
        assert cli.main(["pair", "--card", target]) == pairing.PairingCodeMismatch.exit_code
        err = capsys.readouterr().err
        code = re.search(r"this computer's code: (\d{3}) (\d{3})", err)
        assert code and "codes differ" in err
        code = code.group(1) + code.group(2)
        assert _panel_showed(sim, screens.pairing, code)  # the card showed the printed code too
        assert not _panel_showed(sim, screens_app.pair_confirm, code)  # and was never asked to pair
        assert pairing.load_record(home) is None
        with connect(target, secure=False) as card:
            assert card.info()["paired"] is False
        asked = []
        monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")
        sim.queue(("finger", synthetic.impression(9, 0)))  # then the touch on the card
        assert cli.main(["pair", "--card", target]) == 0
        err = capsys.readouterr().err
        assert asked == ["Does the card show the same code? [y/N] "]
        code = re.search(r"this computer's code: (\d{3}) (\d{3})", err)
        assert code and "touch its sensor" in err
        assert _panel_showed(sim, screens_app.pair_confirm, code.group(1) + code.group(2))
        assert pairing.load_record(home) is not None
        assert sim.clear_queue() == 0
