"""The face-pass demo end to end (host/bioshard/facepass/demo.py): real firmware on the
simulated card, the real backup service over HTTP, real photos (../shared, serengil/deepface,
MIT): a fresh machine restores Secret A from other photos of the owner and co-signs; the
finished transaction is verified by libsecp256k1 inside the demo and re-checked here with embit."""
import pytest

pytest.importorskip("dlib")
pytest.importorskip("uvicorn")
embit_tx = pytest.importorskip("embit.transaction")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("facepass_demo")]


def test_restore_on_a_new_machine_then_cosign(shared, tmp_path):
    from bioshard.facepass import demo

    lines = []
    res = demo.run(shared / "faces" / "deepface", out_dir=tmp_path / "demo", say=_Say(lines))
    assert res["restored"] is True
    tx = embit_tx.Transaction.parse(res["raw"])
    assert len(tx.vin) == 1 and len(tx.vin[0].witness.items[0]) == 64
    assert any("verifies the key-path signature for the wallet's output key: True" in x for x in lines)


class _Say:
    def __init__(self, lines):
        self.lines = lines

    def __call__(self, text):
        self.lines.append(text)

    def detail(self, text):
        self.lines.append(text)
