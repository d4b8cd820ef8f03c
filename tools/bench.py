"""`make bench`: every benchmark of the project, each printing its own table.

Speed and memory targets live here, never in timed tests. Each part measures a peer in the
same run so the ratios mean something on whatever machine runs it.
"""
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

PARTS = ["bench_crypto", "bench_bio"]


def main():
    ran = 0
    for name in PARTS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            print("(%s not present yet: skipped)" % name)
            continue
        print("\n## %s\n" % name)
        mod.main()
        ran += 1
    if not ran:
        raise SystemExit("no benchmark ran")


if __name__ == "__main__":
    main()
