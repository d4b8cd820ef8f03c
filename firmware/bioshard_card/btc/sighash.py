# BIP-341 signature message and TapSighash for key-path spends (ext_flag = 0).
# The four "sha_*" hashes over all inputs are computed once per transaction (SighashCache), so
# signing n inputs costs O(n), not O(n^2) — the quadratic-hashing fix BIP-143/341 intended.
# Every input's amount and scriptPubKey is committed: a host lying about any input's value
# (the fee) invalidates the card's signature instead of stealing through it.
import hashlib
import struct

from .compact import var_bytes
from .errors import PSBTError

SIGHASH_DEFAULT = 0x00
SIGHASH_ALL = 0x01
SIGHASH_NONE = 0x02
SIGHASH_SINGLE = 0x03
SIGHASH_ANYONECANPAY = 0x80
VALID_TYPES = (0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83)

_TAG = {}


def tagged_hash(tag, msg):
    th = _TAG.get(tag)
    if th is None:
        th = hashlib.sha256(tag.encode()).digest()
        _TAG[tag] = th
    h = hashlib.sha256(th)
    h.update(th)
    h.update(msg)
    return h.digest()


def _sha(parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


class SighashCache:
    """Holds a tx plus the spent outputs' amounts and scripts (one per input)."""

    def __init__(self, tx, amounts, scripts):
        if len(amounts) != len(tx.inputs) or len(scripts) != len(tx.inputs):
            raise PSBTError("spent outputs do not match inputs")
        self.tx = tx
        self.amounts = amounts
        self.scripts = scripts
        self._all = None
        self._outputs = None

    def _prehash(self):
        if self._all is None:
            ins = self.tx.inputs
            self._all = (
                _sha(i.outpoint() for i in ins),
                _sha(struct.pack("<Q", a) for a in self.amounts),
                _sha(var_bytes(s) for s in self.scripts),
                _sha(struct.pack("<I", i.sequence) for i in ins),
            )
        return self._all

    def sha_outputs(self):
        if self._outputs is None:
            self._outputs = _sha(struct.pack("<Q", o.amount) + var_bytes(o.script) for o in self.tx.outputs)
        return self._outputs

    def sigmsg(self, index, hash_type=SIGHASH_DEFAULT, annex=None):
        """Epoch byte 0x00 followed by SigMsg(hash_type, 0) of BIP-341."""
        tx = self.tx
        if hash_type not in VALID_TYPES:
            raise PSBTError("unsupported sighash type")
        if index < 0 or index >= len(tx.inputs):
            raise PSBTError("input index out of range")
        base = hash_type & 3
        acp = hash_type & SIGHASH_ANYONECANPAY
        if base == SIGHASH_SINGLE and index >= len(tx.outputs):
            raise PSBTError("SIGHASH_SINGLE without matching output")
        parts = [b"\x00", bytes((hash_type,)), struct.pack("<iI", tx.version, tx.locktime)]
        if not acp:
            parts.extend(self._prehash())
        if base != SIGHASH_NONE and base != SIGHASH_SINGLE:
            parts.append(self.sha_outputs())
        parts.append(bytes((1 if annex is not None else 0,)))
        if acp:
            i = tx.inputs[index]
            parts.append(i.outpoint())
            parts.append(struct.pack("<Q", self.amounts[index]))
            parts.append(var_bytes(self.scripts[index]))
            parts.append(struct.pack("<I", i.sequence))
        else:
            parts.append(struct.pack("<I", index))
        if annex is not None:
            if not annex or annex[0] != 0x50:
                raise PSBTError("annex must start with 0x50")
            parts.append(_sha((var_bytes(annex),)))
        if base == SIGHASH_SINGLE:
            o = tx.outputs[index]
            parts.append(_sha((struct.pack("<Q", o.amount), var_bytes(o.script))))
        return b"".join(parts)

    def sighash(self, index, hash_type=SIGHASH_DEFAULT, annex=None):
        """The 32-byte message a BIP-340 key-path signature signs."""
        return tagged_hash("TapSighash", self.sigmsg(index, hash_type, annex))
