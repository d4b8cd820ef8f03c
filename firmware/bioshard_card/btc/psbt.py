# PSBT v0 (BIP-174) parser for the card, with the Taproot (BIP-371) and MuSig2 (BIP-373)
# fields. It keeps only what the review and the BIP-341 sighash need and checks every
# length before reading, so a hostile PSBT costs at most MAX_* entries of memory (the limits
# are in psbt_limits.py) and ends in a PSBTError with a reason — never another exception and
# never a signature.
#
# Strict on purpose (a signer should not guess): duplicate keys, non-canonical sizes, known
# fields with the wrong key or value length, PSBT v2 fields in a v0 PSBT, trailing bytes and
# count mismatches are all refusals. Unknown and proprietary fields are skipped (BIP-174 says
# signers must ignore them), but still count against the per-map entry limit.
import hashlib

from .compact import Reader
from .errors import PSBTError
from .psbt_limits import MAX_ENTRIES, MAX_KEY

MAGIC = b"psbt\xff"


class PsbtInput:
    # Class-level defaults: an instance only stores the fields its PSBT map really had, which
    # keeps 32 parsed inputs small on a 100 KB heap.
    amount = None  # from PSBT_IN_WITNESS_UTXO
    script = None
    sighash = None  # PSBT_IN_SIGHASH_TYPE, None when absent
    internal_key = None
    merkle_root = None
    musig = None  # ((aggregate 33 bytes, participants as one 33*n byte string), ...)
    tap_key_sig = None
    finalized = False
    pub_nonces = 0
    partial_sigs = 0
    derivations = None  # ((x-only key, path tuple), ...) from key-path TAP_BIP32 fields


class PsbtOutput:
    internal_key = None
    musig = None
    tap_tree = False
    derivations = None


def split33(raw):
    """Participant keys of a MuSig2 participants value, as a list."""
    return [raw[i : i + 33] for i in range(0, len(raw), 33)]


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
        if ktype == 0xFC:
            # BIP-174 proprietary key: <len><identifier><subtype>[keydata]; anything else is
            # malformed, not "unknown".
            try:
                kr.skip(kr.compact())
                kr.compact()
            except PSBTError:
                raise PSBTError("bad proprietary key")
        kd = key[kr.pos :]
        v = r.sub(r.compact())
        handle(ktype, kd, v)
        # Known fields consume their whole value; unknown ones are skipped here.


def _interner(known):
    # Values equal to one the card already holds (its own script, aggregate key...) are
    # replaced by that object: 32 inputs of our wallet then cost no per-input copies.
    def intern(b):
        for k in known:
            if b == k:
                return k
        return b

    return intern


def parse(buf, known=()):
    """Parse a binary PSBT (bytes, bytearray or memoryview) into a Psbt, or raise PSBTError.
    `known`: byte strings to share instead of copying (see Wallet.known)."""
    from .psbt_fields import global_handler, output_handler
    from .psbt_inputs import input_handler

    intern = _interner(known)

    # A memoryview: slices of the PSBT (e.g. a previous transaction being hashed) are views,
    # not copies; only the fields the card keeps are copied out.
    r = Reader(memoryview(buf))
    if r.remaining() < 5 or r.read(5) != MAGIC:
        raise PSBTError("not a PSBT")
    state = [None]
    _read_map(r, global_handler(state, intern))
    tx = state[0]
    if tx is None:
        raise PSBTError("missing unsigned tx")
    inputs = []
    for txin in tx.inputs:
        if not r.remaining():
            raise PSBTError("missing input maps")
        inp = PsbtInput()
        _read_map(r, input_handler(inp, txin, intern))
        inputs.append(inp)
    outputs = []
    for _ in tx.outputs:
        if not r.remaining():
            raise PSBTError("missing output maps")
        out = PsbtOutput()
        _read_map(r, output_handler(out, intern))
        outputs.append(out)
    if r.remaining():
        raise PSBTError("trailing bytes after PSBT")
    return Psbt(tx, inputs, outputs)
