"""`make mpy` / `bioshard deploy` lay out the card's filesystem for every hardware board."""
import importlib.util

import pytest

from conftest import REPO

spec = importlib.util.spec_from_file_location("build_mpy", REPO / "tools" / "build_mpy.py")
build_mpy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_mpy)


@pytest.mark.parametrize("board", ["esp32_wrover_r307", "lilygo_t5_213"])
def test_card_tree_for_board(board, tmp_path):
    out = build_mpy.build(tmp_path / "mpy", board)
    assert (out / "main.py").read_text() == (REPO / "firmware" / "main.py").read_text()
    assert (out / "board.mpy").read_bytes()[:1] == b"M"  # .mpy magic
    assert (out / "lib" / "esp32_common.mpy").exists()
    n_src = len(list((REPO / "firmware" / "bioshard_card").rglob("*.py")))
    assert len(list((out / "lib" / "bioshard_card").rglob("*.mpy"))) == n_src


def test_unknown_board_is_named(tmp_path):
    with pytest.raises(SystemExit, match="unknown board 'nope'.*esp32_wrover_r307"):
        build_mpy.build(tmp_path / "mpy", "nope")
