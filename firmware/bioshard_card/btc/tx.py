# Transactions: the unsigned transaction inside a PSBT, and the txid of a serialized one.
# Only what the card needs is kept: per input the outpoint and nSequence, per output the
# amount and scriptPubKey. A PSBT v0 carries the unsigned tx in legacy (non-witness) form with
# empty scriptSigs (BIP-174), which is what parse_unsigned accepts.
import hashlib

from .errors import PSBTError
# The transaction objects are in tx_types.py, which the full parser (tx_full.py) shares; they
# are public names of this module too.
from .tx_types import Tx, TxIn, TxOut, sha256d

MAX_MONEY = 21000000 * 100000000


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
