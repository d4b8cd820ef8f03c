# Transaction objects (outpoint and nSequence per input, amount and scriptPubKey per output),
# their serialization and txid: what the PSBT unsigned-tx parser (tx.py) and the full parser
# (tx_full.py) both build.
import hashlib
import struct

from .compact import compact_size, var_bytes


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
