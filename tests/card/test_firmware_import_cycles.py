"""No import circles among the card's modules (firmware/bioshard_card), read statically with ast.

Imports at module level are counted, and so are the imports inside functions. Those lazy
imports are deliberate: the card loads a module only when a call needs it, so the compiler's
and the objects' peak stays small in a 100 KB heap (psbt.parse loads its field handlers,
bech32.decode the decoder, tx.parse_tx the full parser). Loading late is fine; closing a circle
is not, whether the edge back is lazy or not: psbt_fields taking the PSBT limits from psbt,
which loads psbt_fields lazily, is a circle a check of module-level imports alone would miss.
What two modules share goes down a layer into a module both import (psbt_limits, bech32_core,
tx_types).
"""
import ast

from conftest import REPO

FIRMWARE = REPO / "firmware"
PACKAGE = FIRMWARE / "bioshard_card"


def _modules():
    """{dotted module name: path} of every module of the card package."""
    out = {}
    for p in sorted(PACKAGE.rglob("*.py")):
        parts = list(p.relative_to(FIRMWARE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


def _imports(name, path, known):
    """{imported module: 'module level' or 'in a function'} for the card modules `name` imports.
    `from .m import f` counts as m, or as m.f when m.f is a module."""
    tree = ast.parse(path.read_text())
    top = set(map(id, tree.body))
    for node in tree.body:  # try/except ImportError and if-blocks at module level are top too
        if isinstance(node, (ast.Try, ast.If)):
            top.update(id(n) for n in ast.walk(node))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            targets = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            if n.level:
                base = package[: len(package) - (n.level - 1)]
                m = ".".join(base + ([n.module] if n.module else []))
            else:
                m = n.module or ""
            targets = [m + "." + a.name if m + "." + a.name in known else m for a in n.names]
        else:
            continue
        where = "module level" if id(n) in top else "in a function"
        for t in targets:
            if t in known and t != name:
                if out.get(t) != "module level":
                    out[t] = where
    return out


def _graph():
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _cycles(graph):
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_among_card_modules():
    graph = _graph()
    cycles = _cycles(graph)
    lines = []
    for comp in cycles:
        for m in comp:
            for dep, where in sorted(graph[m].items()):
                if dep in comp:
                    lines.append("  %s -> %s (%s)" % (m, dep, where))
    assert not cycles, "import circles among card modules (move what both sides use down into " \
        "a module both import):\n" + "\n".join(lines)


def test_the_graph_sees_lazy_and_module_level_imports():
    # The check can fail: it sees the imports the circles were made of, of both kinds.
    graph = _graph()
    assert graph["bioshard_card.btc.psbt"]["bioshard_card.btc.psbt_fields"] == "in a function"
    assert graph["bioshard_card.btc.psbt_fields"]["bioshard_card.btc.psbt_limits"] == "module level"
    assert graph["bioshard_card.btc.address"]["bioshard_card.btc.bech32"] == "module level"  # from . import
    assert graph["bioshard_card.btc.hd"]["bioshard_card.crypto.bip32"] == "in a function"  # from .. import
    # and a circle through a lazy import is reported as one
    g = {"a": {"b": "in a function"}, "b": {"c": "module level"}, "c": {"a": "module level"}, "d": {"a": "x"}}
    assert _cycles(g) == [["a", "b", "c"]]
    assert _cycles({"a": {"b": "x"}, "b": {}}) == []
