# Transactions: the unsigned transaction inside a PSBT, serialization and txid.
# Only what the card needs is kept: per input the outpoint and nSequence, per output the
# amount and scriptPubKey. A PSBT v0 carries the unsigned tx in legacy (non-witness) form with
# empty scriptSigs (BIP-174), which is what parse_unsigned accepts.
import hashlib
import struct

from .compact import compact_size, var_bytes
from .errors import PSBTError

MAX_MONEY = 21000000 * 100000000


class TxIn:
    def __init__(self, txid, vout, sequence):
        self.txid = txid  # 32 bytes, internal (little-endian) byte order as serialized
        self.vout = vout
        self.sequence = sequence

    def outpoint(self):
        return self.txid + struct.pack("<I", self.vout)


class TxOut:
    def __init__(self, amount, script):
        self.amount = amount
        self.script = script


class Tx:
    def __init__(self, version=2, inputs=None, outputs=None, locktime=0):
        self.version = version
        self.inputs = inputs if inputs is not None else []
        self.outputs = outputs if outputs is not None else []
        self.locktime = locktime

    def serialize(self, witnesses=None):
        """Raw transaction; with `witnesses` (one list of byte strings per input) in the
        BIP-144 segwit form."""
        parts = [struct.pack("<i", self.version)]
        if witnesses is not None:
            parts.append(b"\x00\x01")
        parts.append(compact_size(len(self.inputs)))
        for i in self.inputs:
            parts.append(i.outpoint() + b"\x00" + struct.pack("<I", i.sequence))
        parts.append(compact_size(len(self.outputs)))
        for o in self.outputs:
            parts.append(struct.pack("<Q", o.amount) + var_bytes(o.script))
        if witnesses is not None:
            for stack in witnesses:
                parts.append(compact_size(len(stack)))
                for item in stack:
                    parts.append(var_bytes(item))
        parts.append(struct.pack("<I", self.locktime))
        return b"".join(parts)

    def txid(self):
        """Display-order (big-endian hex order) txid bytes."""
        return bytes(reversed(sha256d(self.serialize())))


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def parse_unsigned(r, max_inputs, max_outputs, max_script, intern=None):
    """Parse an unsigned tx from Reader `r`, refusing anything a PSBT v0 must not contain.
    `intern` may map a script to an equal object already held (see psbt.parse)."""
    version = r.i32()
    n_in = r.compact()
    if n_in == 0:
        # Either no inputs or a segwit marker: both are invalid in a PSBT's unsigned tx.
        raise PSBTError("unsigned tx has no inputs or witness data")
    if n_in > max_inputs:
        raise PSBTError("too many inputs")
    inputs = []
    for _ in range(n_in):
        txid = r.read(32)
        vout = r.u32()
        if r.compact() != 0:
            raise PSBTError("unsigned tx has a scriptSig")
        inputs.append(TxIn(txid, vout, r.u32()))
    n_out = r.compact()
    if n_out == 0:
        raise PSBTError("unsigned tx has no outputs")
    if n_out > max_outputs:
        raise PSBTError("too many outputs")
    outputs = []
    total = 0
    for _ in range(n_out):
        amount = r.u64()
        if amount > MAX_MONEY:
            raise PSBTError("output amount out of range")
        total += amount
        if total > MAX_MONEY:
            raise PSBTError("output total out of range")
        n = r.compact()
        if n > max_script:
            raise PSBTError("output script too long")
        script = r.read(n)
        outputs.append(TxOut(amount, intern(script) if intern else script))
    locktime = r.u32()
    if r.remaining():
        raise PSBTError("trailing bytes after unsigned tx")
    # Two inputs spending the same coin make the tx invalid and the fee figure a lie.
    seen = set()
    for i in inputs:
        op = i.outpoint()
        if op in seen:
            raise PSBTError("duplicate input")
        seen.add(op)
    return Tx(version, inputs, outputs, locktime)


def parse_tx(b, max_inputs=1000, max_outputs=1000, max_script=10000):
    """Parse a fully serialized transaction (with or without witness) -> (Tx, witnesses).
    Host/test helper, kept in tx_full.py so the card does not load it."""
    from .tx_full import parse_tx as _parse

    return _parse(b, max_inputs, max_outputs, max_script)


def txid_of_serialized(r):
    """Internal-order txid of the serialized tx in Reader `r` (with or without witness),
    hashing slices in place: a large previous transaction is never copied or parsed into
    objects. Consumes the whole reader."""
    buf = r.buf
    h = hashlib.sha256()
    h.update(r.read(4))
    segwit = r.remaining() >= 2 and buf[r.pos] == 0 and buf[r.pos + 1] == 1
    if segwit:
        r.skip(2)
    body = r.pos
    n_in = r.compact()
    for _ in range(n_in):
        r.skip(36)
        r.skip(r.compact())
        r.skip(4)
    for _ in range(r.compact()):
        r.skip(8)
        r.skip(r.compact())
    h.update(buf[body : r.pos])
    if segwit:
        for _ in range(n_in):
            for _ in range(r.compact()):
                r.skip(r.compact())
    h.update(r.read(4))
    if r.remaining():
        raise PSBTError("trailing bytes after tx")
    return hashlib.sha256(h.digest()).digest()
