"""`bioshard sim`'s console: typed actions reach the card as a person's touches and presses."""
import threading
import time

import pytest

from bioshard import pairing
from bioshard.card import connect
from bioshard.commands.sim import Console
from bioshard.errors import CardRefusedError
from bioshard.sim.runner import SimCard


def test_typed_touch_confirms_pairing_and_button_rejects(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path / "home"))
    said = []
    with SimCard(state_dir=tmp_path / "card", screens_dir=tmp_path / "screens") as sim:
        console = Console(sim, out=said.append)
        console.handle("nonsense")
        assert "unknown action" in said[-1]
        console.handle("image /no/such.png")
        assert "no such image" in said[-1]
        console.handle("s")
        assert said[-1].endswith("latest.png")
        with connect("sim:" + sim.ble_path, secure=False) as card:
            def typed_code_from_panel():
                console.handle("b")  # the owner presses the button instead of touching
                return "000000"

            orig = pairing.HostPairing.confirm_code
            monkeypatch.setattr(pairing.HostPairing, "confirm_code", lambda self, typed: orig(self, self.code))
            with pytest.raises(CardRefusedError, match="rejected on the card"):
                pairing.pair_card(card.client, typed_code_from_panel)
        # Rejected pairing closes pairing mode only when the card is paired; a new card stays open.
        with connect("sim:" + sim.ble_path, secure=False) as card:
            def touch():
                # The code screen only informs; the owner touches when the card asks (the
                # confirm screen that follows): a touch typed earlier would be dropped.
                sim.panel_settled()
                shown = sim.panel.frames

                def when_asked():
                    while sim.panel.frames == shown:
                        time.sleep(0.02)
                    console.handle("t")

                threading.Thread(target=when_asked, daemon=True).start()
                return "000000"

            record = pairing.pair_card(card.client, touch)
            assert record.card_id_pub == card.info()["card_id"]
            assert card.info()["paired"] is True
    assert "touch queued" in said and "button press queued" in said
