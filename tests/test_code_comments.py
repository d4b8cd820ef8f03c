"""Comments say what and why, not history; every host module says what it is for.

History (what a line used to do, which figure a change moved) belongs in git and in docs/*.md;
a comment that narrates it goes stale with the next change. A regression test states the
failure it guards against, not the fix that removed it. Read with tokenize: only comments and
docstrings are checked, never code or data strings.
"""
import ast
import io
import re
import tokenize

from conftest import REPO

CODE_DIRS = ("firmware", "host", "tools", "tests")
HOST_PACKAGES = ("host/bioshard", "host/bioshard_backup")

# Narrow on purpose: phrases that only narrate a change ("used to" alone also means "served to").
HISTORY = re.compile(
    r"before the fix|after the fix|\((was|were)\b|\bpreviously\b|\bformerly\b|\bused to be\b"
    r"|\bwas ~?[0-9.]+ ?%|[0-9] ?% ?(->|→) ?~?[0-9]",
    re.I,
)


def history_in(text):
    """[(line, comment text)] of the comments and docstrings in `text` that narrate history."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        is_doc = tok.type == tokenize.STRING and tok.string.lstrip("rbuRBU")[:3] in ('"""', "'''")
        if tok.type == tokenize.COMMENT or is_doc:
            for i, line in enumerate(tok.string.splitlines()):
                if HISTORY.search(line):
                    out.append((tok.start[0] + i, line.strip()))
    return out


def test_no_history_narration_in_comments():
    bad = []
    for d in CODE_DIRS:
        for path in sorted((REPO / d).rglob("*.py")):
            if path.name == "test_code_comments.py":
                continue  # its examples below are the phrases themselves
            for line, text in history_in(path.read_text()):
                bad.append("%s:%d: %s" % (path.relative_to(REPO), line, text))
    assert not bad, "comments narrating history (say what and why; history is in git):\n" + "\n".join(bad)


def test_the_narration_check_can_fail():
    sample = (
        '"""Parser (was 85% of the time)."""\n'
        "x = 1  # before the fix this overflowed\n"
        "y = '(was 3)'  # a data string, not a comment\n"
        "# FNMR 61% -> 91% with ridge-following chaff\n"
        "# used to enroll from one photo; previously unchecked\n"
    )
    assert [line for line, _ in history_in(sample)] == [1, 2, 4, 5]


def test_every_host_module_says_what_it_is_for():
    bad = []
    for d in HOST_PACKAGES:
        for path in sorted((REPO / d).rglob("*.py")):
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            if len(doc.strip()) < 10:
                bad.append(str(path.relative_to(REPO)))
    assert bad == [], "host modules without a purpose docstring at the top: %s" % bad
