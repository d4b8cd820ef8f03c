# Full transaction parsing (witnesses included) for the host and the tests. The card only
# parses PSBT unsigned transactions (tx.parse_unsigned) and hashes previous transactions in
# place (tx.txid_of_serialized), so this lives apart and is imported only on demand.
from .compact import Reader
from .errors import PSBTError
from .tx_types import Tx, TxIn, TxOut


def parse_tx(b, max_inputs=1000, max_outputs=1000, max_script=10000):
    """Parse a fully serialized transaction (with or without witness). Host/test helper."""
    r = Reader(b)
    version = r.i32()
    segwit = False
    if r.remaining() >= 2 and b[r.pos] == 0 and b[r.pos + 1] == 1:
        segwit = True
        r.skip(2)
    inputs = []
    for _ in range(_count(r, max_inputs)):
        txid = r.read(32)
        vout = r.u32()
        r.var_bytes(max_script)
        inputs.append(TxIn(txid, vout, r.u32()))
    outputs = []
    for _ in range(_count(r, max_outputs)):
        amount = r.u64()
        outputs.append(TxOut(amount, r.var_bytes(max_script)))
    witnesses = None
    if segwit:
        witnesses = []
        for _ in inputs:
            witnesses.append([r.var_bytes(max_script) for _ in range(_count(r, 1000))])
    locktime = r.u32()
    if r.remaining():
        raise PSBTError("trailing bytes after tx")
    return Tx(version, inputs, outputs, locktime), witnesses


def _count(r, limit):
    n = r.compact()
    if n > limit:
        raise PSBTError("count too large")
    return n
