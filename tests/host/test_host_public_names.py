"""The host uses the card's code only through public names.

host/ and tools/ import bioshard_card (the protocol, PSBT review, BIP-327, the finger vault)
instead of keeping a second copy; a name with a leading underscore is the card module's own
business and may change with it. Read statically with ast: `from bioshard_card... import _x`,
`import bioshard_card._x`, and `mod._x` where `mod` is a bioshard_card module the file imported.
"""
import ast

from conftest import REPO

FIRMWARE = REPO / "firmware"
HOST_DIRS = ("host", "tools")


def _is_card_module(dotted):
    p = FIRMWARE.joinpath(*dotted.split("."))
    return p.with_suffix(".py").exists() or (p / "__init__.py").exists()


def private_uses(path):
    """['line N: bioshard_card.m._name', ...] for the private card names `path` uses."""
    tree = ast.parse(path.read_text())
    out = []
    modules = {}  # local name -> card module it is bound to
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom) and not n.level and (n.module or "").split(".")[0] == "bioshard_card":
            for a in n.names:
                full = n.module + "." + a.name
                if a.name.startswith("_") and not a.name.startswith("__"):
                    out.append("line %d: %s" % (n.lineno, full))
                if _is_card_module(full):
                    modules[a.asname or a.name] = full
        elif isinstance(n, ast.Import):
            for a in n.names:
                if a.name.split(".")[0] == "bioshard_card":
                    if any(p.startswith("_") and not p.startswith("__") for p in a.name.split(".")):
                        out.append("line %d: %s" % (n.lineno, a.name))
                    if a.asname:
                        modules[a.asname] = a.name
    for n in ast.walk(tree):
        if (isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__")
                and isinstance(n.value, ast.Name) and n.value.id in modules):
            out.append("line %d: %s.%s" % (n.lineno, modules[n.value.id], n.attr))
    return out


def test_host_uses_only_public_card_names():
    bad = []
    for d in HOST_DIRS:
        for path in sorted((REPO / d).rglob("*.py")):
            bad += ["%s %s" % (path.relative_to(REPO), u) for u in private_uses(path)]
    assert not bad, "host code uses private bioshard_card names (give the card module a public " \
        "entry point):\n" + "\n".join(bad)


def test_the_check_sees_every_form(tmp_path):
    src = tmp_path / "sample.py"
    src.write_text(
        "from bioshard_card.crypto.musig2_keyagg import _hash_keys, key_agg\n"
        "from bioshard_card.bio import finger_vault as fv\n"
        "import bioshard_card.bio.template as template\n"
        "from bioshard_card.crypto import musig2\n"
        "fv._Perm(b'', 0)\n"
        "def f():\n"
        "    return template._offsets(), musig2.key_agg, fv.Perm, fv.__name__\n"
    )
    assert private_uses(src) == [
        "line 1: bioshard_card.crypto.musig2_keyagg._hash_keys",
        "line 5: bioshard_card.bio.finger_vault._Perm",
        "line 7: bioshard_card.bio.template._offsets",
    ]
