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
    man = build_mpy.manifest()
    shipped = {p.relative_to(out / "lib" / "bioshard_card").with_suffix(".py").as_posix()
               for p in (out / "lib" / "bioshard_card").rglob("*.mpy")}
    n_src = len(list((REPO / "firmware" / "bioshard_card").rglob("*.py")))
    assert len(shipped) == n_src - len(man.HOST_ONLY)
    assert not shipped & set(man.HOST_ONLY)  # baselines and tools stay off the card


def _imports(path, modname, known):
    """Modules of the package that `path` imports (relative or absolute, at any depth, also
    inside functions); `from .m import f` counts as m."""
    import ast

    base = modname.split(".")
    out = set()
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.ImportFrom):
            if n.level:
                parent = base[: len(base) - n.level + (1 if path.name == "__init__.py" else 0)]
                m = ".".join(parent + ([n.module] if n.module else []))
            else:
                m = n.module or ""
            names = [m + "." + a.name for a in n.names]
            names = [x if x in known or x + ".__init__" in known else m for x in names]
        elif isinstance(n, ast.Import):
            names = [a.name for a in n.names]
        else:
            continue
        out.update(x for x in names if x.split(".")[0] == "bioshard_card" and x != "bioshard_card")
    return out


def test_card_modules_import_only_the_card_image():
    man = build_mpy.manifest()
    fw = REPO / "firmware"
    pkg = fw / "bioshard_card"
    every = {str(p.relative_to(fw).with_suffix("")).replace("/", "."): p for p in pkg.rglob("*.py")}
    image = {str(p.relative_to(fw).with_suffix("")).replace("/", "."): p for p in man.card_modules(pkg)}
    bad = []
    for name, path in image.items():
        mod = name[: -len(".__init__")] if name.endswith(".__init__") else name
        for dep in _imports(path, mod, every):
            if dep not in image and dep + ".__init__" not in image:
                bad.append("%s imports %s" % (name, dep))
    assert not bad, "card modules import outside the card image (firmware/manifest.py): %s" % bad
    # and the check can fail: the commitment baseline is host-only and imports host-only code
    fz = "bioshard_card.bio.fuzzy"
    assert any(d not in image for d in _imports(every[fz], fz, every))


def test_unknown_board_is_named(tmp_path):
    with pytest.raises(SystemExit, match="unknown board 'nope'.*esp32_wrover_r307"):
        build_mpy.build(tmp_path / "mpy", "nope")
