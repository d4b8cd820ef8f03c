# PSBT v0 (BIP-174) parser for the card, with the Taproot (BIP-371) and MuSig2 (BIP-373)
# fields. It keeps only what the review and the BIP-341 sighash need and checks every
# length before reading, so a hostile PSBT costs at most MAX_* entries of memory and ends in a
# PSBTError with a reason — never another exception and never a signature.
#
# Strict on purpose (a signer should not guess): duplicate keys, non-canonical sizes, known
# fields with the wrong key or value length, PSBT v2 fields in a v0 PSBT, trailing bytes and
# count mismatches are all refusals. Unknown and proprietary fields are skipped (BIP-174 says
# signers must ignore them), but still count against the per-map entry limit.
import hashlib

try:
    from micropython import const
except ImportError:

    def const(x):
        return x


from .compact import Reader
from .errors import PSBTError

MAGIC = b"psbt\xff"
MAX_INPUTS = const(32)
MAX_OUTPUTS = const(16)
MAX_SCRIPT = const(100)  # covers every standard script incl. an 83-byte OP_RETURN
MAX_KEY = const(128)
MAX_ENTRIES = const(64)  # per map
MAX_PARTICIPANTS = const(16)
MAX_MUSIG = const(4)  # participant-pubkey fields per input/output


class PsbtInput:
    def __init__(self):
        self.amount = None  # from PSBT_IN_WITNESS_UTXO
        self.script = None
        self.sighash = None  # PSBT_IN_SIGHASH_TYPE, None when absent
        self.internal_key = None
        self.merkle_root = None
        self.musig = []  # [(aggregate 33 bytes, [participant 33 bytes, ...])]
        self.tap_key_sig = None
        self.finalized = False
        self.pub_nonces = 0
        self.partial_sigs = 0


class PsbtOutput:
    def __init__(self):
        self.internal_key = None
        self.musig = []
        self.tap_tree = False


class Psbt:
    def __init__(self, tx, inputs, outputs):
        self.tx = tx
        self.inputs = inputs
        self.outputs = outputs


def _key_hash(key):
    # Remember keys for the duplicate check in bounded memory: short keys verbatim, long ones
    # by a 20-byte digest (a collision can only cause a refusal, never an acceptance).
    return key if len(key) <= 40 else hashlib.sha256(key).digest()[:20]


def _read_map(r, handle):
    seen = set()
    while True:
        klen = r.compact()
        if klen == 0:
            return
        if klen > MAX_KEY:
            raise PSBTError("key too long")
        if len(seen) >= MAX_ENTRIES:
            raise PSBTError("too many fields in a map")
        key = r.read(klen)
        kh = _key_hash(key)
        if kh in seen:
            raise PSBTError("duplicate key")
        seen.add(kh)
        kr = Reader(key)
        ktype = kr.compact()
        kd = key[kr.pos :]
        v = r.sub(r.compact())
        handle(ktype, kd, v)
        # Known fields consume their whole value; unknown ones are skipped here.


def parse(buf):
    """Parse a binary PSBT (bytes, bytearray or memoryview) into a Psbt, or raise PSBTError."""
    from .psbt_fields import global_handler, input_handler, output_handler

    r = Reader(buf)
    if r.remaining() < 5 or r.read(5) != MAGIC:
        raise PSBTError("not a PSBT")
    state = [None]
    _read_map(r, global_handler(state))
    tx = state[0]
    if tx is None:
        raise PSBTError("missing unsigned tx")
    inputs = []
    for txin in tx.inputs:
        if not r.remaining():
            raise PSBTError("missing input maps")
        inp = PsbtInput()
        _read_map(r, input_handler(inp, txin))
        inputs.append(inp)
    outputs = []
    for _ in tx.outputs:
        if not r.remaining():
            raise PSBTError("missing output maps")
        out = PsbtOutput()
        _read_map(r, output_handler(out))
        outputs.append(out)
    if r.remaining():
        raise PSBTError("trailing bytes after PSBT")
    return Psbt(tx, inputs, outputs)
