# Helpers for tests that run unchanged under CPython (pytest) and under the MicroPython unix
# port (tests/mpy_runner.py). Only plain `def test_*()` functions and `assert` are used, so the
# card's interpreter is what gets tested, not just CPython.
import os
import sys

IS_MICROPYTHON = sys.implementation.name == "micropython"

try:
    import pytest as _pytest
except ImportError:
    _pytest = None


class SkipTest(Exception):
    pass


def skip(reason):
    if _pytest is not None:
        _pytest.skip(reason)
    raise SkipTest(reason)


def _dirname(p):
    i = p.rfind("/")
    return p[:i] if i > 0 else "."


def _exists(p):
    try:
        os.stat(p)
        return True
    except OSError:
        return False


# tests/portable/ptest.py -> repository root is two levels up.
REPO = _dirname(_dirname(_dirname(__file__)))
SHARED = os.getenv("BIOSHARD_SHARED") or (REPO + "/../shared")


def shared_path(rel):
    """Path of a file under ../shared, or skip the test with the reason when it is absent."""
    p = SHARED + "/" + rel
    if not _exists(p):
        skip("../shared/%s is not present (fresh clone without the shared data)" % rel)
    return p


def repo_path(rel):
    return REPO + "/" + rel


def load_json(path):
    import json

    with open(path) as f:
        return json.load(f)


def raises(exc_type, fn, *args, **kwargs):
    """Assert that fn(*args) raises exc_type; return the exception for further checks."""
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError("%s did not raise %s" % (getattr(fn, "__name__", fn), exc_type.__name__))


def h2b(s):
    import binascii

    return binascii.unhexlify(s)


def b2h(b):
    import binascii

    return binascii.hexlify(b).decode()


def vector_path(rel):
    """An official test-vector file: the copy in tests/vectors/ (sources named in its README),
    else ../shared/vectors/, else skip."""
    p = repo_path("tests/vectors/" + rel)
    if _exists(p):
        return p
    return shared_path("vectors/" + rel)
