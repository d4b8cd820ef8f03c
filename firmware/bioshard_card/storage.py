# Crash-safe records on the card's flash filesystem (pairing record, card identity, settings).
#
# A pulled plug at any instant must leave either the old record or the new one, never a torn
# mixture. So a write goes: `name.new` written completely -> flushed -> closed -> os.sync() ->
# renamed over `name` -> os.sync(). LittleFS (the ESP32 default) renames atomically and
# replaces the target; on FAT, where rename refuses an existing target, we remove the old file
# first, and the window between the two steps is covered by recovery: a complete `.new` is
# always promoted.
#
# Each file carries magic, a generation number, the payload length and a SHA-256 over all of
# it, so a torn or never-synced file is recognised and discarded. The checksum detects
# accidents, not attackers: anyone who can write the flash can also recompute it (see
# docs/threat-model.md - the card has no secure element and what it stores is readable with a
# flash dump). Secret B, fingerprint images and templates are never passed to this module.
#
# Recovery runs for a record the first time it is read, or for all records with recover_all()
# at boot:  `.new` complete and valid -> promoted over `name`;  otherwise -> deleted.
import hashlib
import os

try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

MAGIC = b"BSR1"
_HDR = const(12)  # magic(4) gen(4) len(4)
_SUM = const(32)
MAX_PAYLOAD = const(4096)
_SUFFIX = ".new"


class StorageError(Exception):
    pass


class CorruptRecordError(StorageError):
    pass


class OsFs:
    """The filesystem calls storage makes; tests substitute one that cuts power mid-way."""

    def open(self, path, mode):
        return open(path, mode)

    def write(self, f, data):
        f.write(data)

    def flush(self, f):
        f.flush()
        fsync = getattr(os, "fsync", None)  # CPython; MicroPython syncs via os.sync()
        if fsync is not None:
            fsync(f.fileno())

    def close(self, f):
        f.close()

    def sync(self):
        s = getattr(os, "sync", None)
        if s is not None:
            s()

    def rename(self, a, b):
        os.rename(a, b)

    def remove(self, p):
        os.remove(p)

    def exists(self, p):
        try:
            os.stat(p)
            return True
        except OSError:
            return False

    def mkdir(self, p):
        os.mkdir(p)

    def listdir(self, p):
        return os.listdir(p)


def _check_name(name):
    if not name or len(name) > 32:
        raise StorageError("bad record name")
    for c in name:
        if not ("a" <= c <= "z" or "0" <= c <= "9" or c == "_"):
            raise StorageError("bad record name")


def encode_record(gen, payload):
    n = len(payload)
    if n > MAX_PAYLOAD:
        raise StorageError("record too large")
    buf = bytearray(_HDR + n + _SUM)
    buf[0:4] = MAGIC
    buf[4:8] = gen.to_bytes(4, "big")
    buf[8:12] = n.to_bytes(4, "big")
    buf[_HDR:_HDR + n] = payload
    buf[_HDR + n:] = hashlib.sha256(memoryview(buf)[:_HDR + n]).digest()
    return buf


def decode_record(data):
    """(gen, payload) or CorruptRecordError."""
    if len(data) < _HDR + _SUM or data[0:4] != MAGIC:
        raise CorruptRecordError("not a record")
    n = int.from_bytes(data[8:12], "big")
    if n > MAX_PAYLOAD or len(data) != _HDR + n + _SUM:
        raise CorruptRecordError("record length mismatch (torn write?)")
    mv = memoryview(data)
    if hashlib.sha256(mv[:_HDR + n]).digest() != bytes(mv[_HDR + n:]):
        raise CorruptRecordError("record checksum mismatch")
    return int.from_bytes(data[4:8], "big"), bytes(mv[_HDR:_HDR + n])


class RecordStore:
    def __init__(self, directory, fs=None):
        self._dir = directory.rstrip("/") or "/"
        self._fs = fs or OsFs()
        if not self._fs.exists(self._dir):
            self._fs.mkdir(self._dir)
        self._recovered = set()

    def _path(self, name):
        _check_name(name)
        return self._dir + "/" + name

    def _read_file(self, path):
        f = self._fs.open(path, "rb")
        try:
            return f.read(_HDR + MAX_PAYLOAD + _SUM + 1)
        finally:
            self._fs.close(f)

    def _load(self, path):
        """(gen, payload) from a file, None if it is missing or not a complete record."""
        if not self._fs.exists(path):
            return None
        try:
            return decode_record(self._read_file(path))
        except (CorruptRecordError, OSError):
            return None

    def recover(self, name):
        """Finish or undo a write that a power cut interrupted."""
        path = self._path(name)
        tmp = path + _SUFFIX
        if self._fs.exists(tmp):
            if self._load(tmp) is not None:
                self._replace(tmp, path)
            else:
                self._fs.remove(tmp)
            self._fs.sync()
        self._recovered.add(name)

    def recover_all(self):
        for entry in self._fs.listdir(self._dir):
            if entry.endswith(_SUFFIX):
                base = entry[:-len(_SUFFIX)]
                try:
                    _check_name(base)
                except StorageError:
                    continue
                self.recover(base)

    def _replace(self, src, dst):
        try:
            self._fs.rename(src, dst)
        except OSError:
            # FAT: rename does not replace. Old removed first; recovery promotes src if we die
            # between the two calls, because src is complete by now.
            if not self._fs.exists(dst):
                raise
            self._fs.remove(dst)
            self._fs.rename(src, dst)

    def read(self, name):
        """The stored payload, or None if there is no record. CorruptRecordError if damaged."""
        if name not in self._recovered:
            self.recover(name)
        path = self._path(name)
        if not self._fs.exists(path):
            return None
        return decode_record(self._read_file(path))[1]

    def write(self, name, payload):
        """Atomically replace record `name` with payload (bytes, at most MAX_PAYLOAD)."""
        if name not in self._recovered:
            self.recover(name)
        path = self._path(name)
        tmp = path + _SUFFIX
        cur = self._load(path)
        gen = ((cur[0] if cur else 0) + 1) & 0xFFFFFFFF
        buf = encode_record(gen, payload)
        f = self._fs.open(tmp, "wb")
        try:
            self._fs.write(f, buf)
            self._fs.flush(f)
        finally:
            self._fs.close(f)
            _wipe(buf)
        self._fs.sync()
        self._replace(tmp, path)
        self._fs.sync()

    def delete(self, name):
        """Remove a record. Its old bytes are first overwritten in place (best effort: flash
        wear levelling and LittleFS copy-on-write may keep older copies in free blocks)."""
        path = self._path(name)
        for p in (path + _SUFFIX, path):
            if self._fs.exists(p):
                try:
                    size = len(self._read_file(p))
                    f = self._fs.open(p, "r+b")
                    try:
                        self._fs.write(f, bytes(size))
                        self._fs.flush(f)
                    finally:
                        self._fs.close(f)
                except OSError:
                    pass
                self._fs.remove(p)
        self._fs.sync()


def _wipe(buf):
    for i in range(len(buf)):
        buf[i] = 0
