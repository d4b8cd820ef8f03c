# Runs portable test modules under the MicroPython unix port:
#   micropython -X heapsize=2m tests/mpy_runner.py [--lib DIR] tests/portable/test_x.py [...]
# --lib DIR: import the card package from DIR (its modules precompiled to .mpy, as the card holds
# them) instead of compiling firmware/ from source in the heap.
# Prints one line per test (PASS/FAIL/SKIP) and a closing "N passed, N failed, N skipped"
# line; exits 1 if anything failed or nothing ran. tests/test_portable_on_micropython.py
# drives it from pytest.
import sys
import gc


def _split(path):
    i = path.rfind("/")
    return (path[:i], path[i + 1 :]) if i >= 0 else (".", path)


def main(paths):
    here, _ = _split(__file__ if __file__.startswith("/") else sys.argv[0])
    repo = _split(here)[0]
    if paths and paths[0] == "--lib":
        sys.path.insert(0, paths[1])
        paths = paths[2:]
    else:
        sys.path.insert(0, repo + "/firmware")
    sys.path.insert(0, repo + "/tests/portable")
    passed = failed = skipped = 0
    for path in paths:
        d, name = _split(path)
        if d not in sys.path:
            sys.path.insert(0, d)
        modname = name[:-3] if name.endswith(".py") else name
        mod = __import__(modname)
        from ptest import SkipTest

        names = sorted(n for n in dir(mod) if n.startswith("test_"))
        for n in names:
            fn = getattr(mod, n)
            if not callable(fn):
                continue
            gc.collect()
            try:
                fn()
            except SkipTest as e:
                skipped += 1
                print("SKIP %s::%s (%s)" % (modname, n, e))
            except Exception as e:
                failed += 1
                print("FAIL %s::%s" % (modname, n))
                sys.print_exception(e)
            else:
                passed += 1
                print("PASS %s::%s" % (modname, n))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if failed or not (passed or skipped):
        sys.exit(1)


main(sys.argv[1:])
