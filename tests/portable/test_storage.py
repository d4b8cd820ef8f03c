# heapsize: 100k
# Crash safety of the card's record store: the power is cut at every filesystem step of a
# write (and of the recovery after it), with every torn-write outcome for data not yet synced;
# after "reboot" the record must read back as exactly the old or the new payload.
import os

from ptest import raises

from bioshard_card.storage import MAX_PAYLOAD, CorruptRecordError, OsFs, RecordStore, StorageError


class PowerCut(Exception):
    pass


_counter = [0]


def _tmpdir():
    _counter[0] += 1
    d = "/tmp/bioshard_test_storage_%d_%d" % (int.from_bytes(os.urandom(4), "big"), _counter[0])
    os.mkdir(d)
    return d


def _rmtree(d):
    for e in os.listdir(d):
        os.remove(d + "/" + e)
    os.rmdir(d)


def in_tmpdir(test):
    """The test run with a fresh directory, removed afterwards whatever happens."""
    def run():
        d = _tmpdir()
        try:
            test(d)
        finally:
            _rmtree(d)
    return run


def _truncate(path, n):
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:n])


class FaultFs(OsFs):
    """Counts mutating filesystem steps and cuts the power at step `cut_at`.

    At the cut, every file written since the last sync() keeps only a prefix: `torn` selects
    none of it, half, all but one byte, or all of it. `fat` makes rename refuse an existing
    target, as FAT does."""

    def __init__(self, cut_at, torn=3, fat=False):
        self.cut_at = cut_at
        self.steps = 0
        self.torn = torn
        self.fat = fat
        self.dirty = []
        self.renamed = False

    def _step(self):
        if self.steps == self.cut_at:
            for p in self.dirty:
                if self.exists(p):
                    size = os.stat(p)[6]
                    keep = (0, size // 2, max(size - 1, 0), size)[self.torn]
                    _truncate(p, keep)
            raise PowerCut()
        self.steps += 1

    def open(self, path, mode):
        if "w" in mode or "+" in mode:
            self._step()
            self.dirty.append(path)
        return OsFs.open(self, path, mode)

    def write(self, f, data):
        self._step()
        OsFs.write(self, f, data)

    def flush(self, f):
        self._step()
        f.flush()  # reaches the OS but is not durable until sync()

    def close(self, f):
        f.close()  # a close is not a step: it must always run to release the file

    def sync(self):
        self._step()
        self.dirty = []

    def rename(self, a, b):
        self._step()
        if self.fat and self.exists(b):
            raise OSError(17)
        OsFs.rename(self, a, b)
        self.renamed = True
        if a in self.dirty:
            self.dirty[self.dirty.index(a)] = b

    def remove(self, p):
        self._step()
        OsFs.remove(self, p)


OLD = b"old pairing record " * 3
NEW = b"NEW pairing record, a little longer " * 2


def _one_scenario(old, cut_at, torn, fat, recovery_cut):
    d = _tmpdir()
    try:
        if old is not None:
            RecordStore(d).write("pairing", old)
        fs = FaultFs(cut_at, torn, fat)
        completed = False
        try:
            RecordStore(d, fs).write("pairing", NEW)
            completed = True
        except PowerCut:
            pass
        if recovery_cut is not None:
            try:  # a second power cut, this time during recovery at boot
                RecordStore(d, FaultFs(recovery_cut, torn, fat)).read("pairing")
            except PowerCut:
                pass
        got = RecordStore(d).read("pairing")
        assert got in (old, NEW), (cut_at, torn, fat, got)
        if completed or fs.renamed:
            assert got == NEW
        # The store keeps working after the crash.
        RecordStore(d).write("pairing", b"after")
        assert RecordStore(d).read("pairing") == b"after"
        assert sorted(os.listdir(d)) == ["pairing"]
        return completed
    finally:
        _rmtree(d)


def _all_cuts(old, fat):
    cut_at = 0
    runs = 0
    while True:
        done = False
        for torn in range(4):
            for rc in (None, 0, 1, 2):
                done = _one_scenario(old, cut_at, torn, fat, rc) or done
                runs += 1
        if done:
            return cut_at, runs
        cut_at += 1


def test_power_cut_at_every_step_replacing_a_record():
    steps, runs = _all_cuts(OLD, fat=False)
    assert steps >= 5 and runs >= 5 * 16


def test_power_cut_at_every_step_first_write():
    steps, _ = _all_cuts(None, fat=False)
    assert steps >= 5


def test_power_cut_at_every_step_fat_rename_semantics():
    steps, _ = _all_cuts(OLD, fat=True)
    assert steps >= 6  # the extra remove step of the FAT fallback


@in_tmpdir
def test_roundtrip_generations_and_names(d):
    s = RecordStore(d)
    assert s.read("a") is None
    for i in range(3):
        s.write("a", b"v%d" % i)
        assert s.read("a") == b"v%d" % i
    s.write("b", b"")
    assert s.read("b") == b""
    s.write("big", bytes(MAX_PAYLOAD))
    assert RecordStore(d).read("big") == bytes(MAX_PAYLOAD)
    raises(StorageError, s.write, "big", bytes(MAX_PAYLOAD + 1))
    for bad in ("", "../x", "a/b", "A", "x" * 33, "a.new"):
        raises(StorageError, s.write, bad, b"x")
    with open(d + "/a", "rb") as f:
        assert f.read()[4:8] == b"\x00\x00\x00\x03"  # generation counts writes


@in_tmpdir
def test_every_corruption_is_detected(d):
    RecordStore(d).write("r", b"payload bytes")
    with open(d + "/r", "rb") as f:
        good = f.read()
    for i in range(len(good)):
        bad = bytearray(good)
        bad[i] ^= 0x10
        with open(d + "/r", "wb") as f:
            f.write(bad)
        raises(CorruptRecordError, RecordStore(d).read, "r")
    for n in range(len(good)):
        with open(d + "/r", "wb") as f:
            f.write(good[:n])
        raises(CorruptRecordError, RecordStore(d).read, "r")


@in_tmpdir
def test_boot_recovery_promotes_complete_and_drops_torn(d):
    s = RecordStore(d)
    s.write("x", b"one")
    s.write("y", b"two")
    os.rename(d + "/x", d + "/x.new")  # as if cut just before the rename
    with open(d + "/y.new", "wb") as f:
        f.write(b"BSR1garbage")
    r = RecordStore(d)
    r.recover_all()
    assert sorted(os.listdir(d)) == ["x", "y"]
    assert r.read("x") == b"one" and r.read("y") == b"two"


@in_tmpdir
def test_delete_overwrites_and_removes(d):
    s = RecordStore(d)
    s.write("k", b"secret-ish")
    s.delete("k")
    assert s.read("k") is None
    assert os.listdir(d) == []
