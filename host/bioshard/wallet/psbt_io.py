"""PSBT v0 as ordered key/value maps, for the host roles (creator, updater, finalizer).

The card has its own strict, bounded parser (bioshard_card.btc.psbt); this one keeps every
field — including ones it does not understand — so a PSBT round-trips byte for byte through
the host, as BIP-174 asks of every role.
"""
import base64

from bioshard_card.btc.compact import Reader, var_bytes
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.tx import Tx, parse_tx

MAGIC = b"psbt\xff"


class PsbtMaps:
    def __init__(self, global_map, inputs, outputs):
        self.global_map = global_map  # dict key bytes -> value bytes (insertion-ordered)
        self.inputs = inputs
        self.outputs = outputs

    @property
    def tx(self) -> Tx:
        tx, _ = parse_tx(self.global_map[b"\x00"])
        return tx

    def serialize(self) -> bytes:
        parts = [MAGIC]
        for m in [self.global_map] + self.inputs + self.outputs:
            for k, v in m.items():
                parts.append(var_bytes(k) + var_bytes(v))
            parts.append(b"\x00")
        return b"".join(parts)

    def to_base64(self) -> str:
        return base64.b64encode(self.serialize()).decode()


# What the card needs from each input: UTXO (amount + script), sighash type, Taproot key
# fields and BIP-373 MuSig2 fields. Everything else (non-witness UTXOs of whole previous
# transactions, BIP-32 derivations, proprietary data) only costs BLE time and card heap.
_CARD_INPUT_KEYS = (0x01, 0x03, 0x13, 0x16, 0x17, 0x18, 0x1A, 0x1B, 0x1C)
_CARD_OUTPUT_KEYS = (0x05, 0x06, 0x07, 0x08)
_TAP_BIP32 = (0x16, 0x07)
# A key-path TAP_BIP32 value naming an HD child: no leaf hashes, fingerprint, 2 path steps.
_CHILD_DERIVATION_LEN = 1 + 4 + 8


def _for_card(k, v, keep):
    if k[0] not in keep:
        return False
    # Only derivations that can name a child of the wallet (hd.py on the card); participants'
    # own BIP-32 origins that other software adds are not needed there.
    return k[0] not in _TAP_BIP32 or len(v) == _CHILD_DERIVATION_LEN


def for_card(p: PsbtMaps) -> bytes:
    """The PSBT reduced to what the card reads. Safe for key-path Taproot spends: the BIP-341
    sighash commits to every input amount and script, so dropping a non-witness UTXO cannot
    hide a fee."""
    g = {b"\x00": p.global_map[b"\x00"]}
    ins = [{k: v for k, v in m.items() if _for_card(k, v, _CARD_INPUT_KEYS)} for m in p.inputs]
    outs = [{k: v for k, v in m.items() if _for_card(k, v, _CARD_OUTPUT_KEYS)} for m in p.outputs]
    return PsbtMaps(g, ins, outs).serialize()


def _read_map(r):
    m = {}
    while True:
        k = r.var_bytes(1 << 20)
        if not k:
            return m
        if k in m:
            raise PSBTError("duplicate key")
        m[k] = r.var_bytes(1 << 24)


def parse(data: bytes) -> PsbtMaps:
    r = Reader(data)
    if r.read(5) != MAGIC:
        raise PSBTError("not a PSBT")
    g = _read_map(r)
    if b"\x00" not in g:
        raise PSBTError("missing unsigned tx")
    tx, _ = parse_tx(g[b"\x00"])
    ins = [_read_map(r) for _ in tx.inputs]
    outs = [_read_map(r) for _ in tx.outputs]
    if r.remaining():
        raise PSBTError("trailing bytes after PSBT")
    return PsbtMaps(g, ins, outs)


def load(text_or_bytes) -> bytes:
    """Binary PSBT from raw bytes, base64 text or hex text."""
    if isinstance(text_or_bytes, (bytes, bytearray)):
        b = bytes(text_or_bytes)
        if b.startswith(MAGIC):
            return b
        text_or_bytes = b.decode("ascii", "replace")
    t = text_or_bytes.strip()
    if t.startswith("70736274ff"):
        return bytes.fromhex(t)
    try:
        b = base64.b64decode(t, validate=True)
    except ValueError as e:
        raise PSBTError("not base64, hex or binary PSBT") from e
    if not b.startswith(MAGIC):
        raise PSBTError("not a PSBT")
    return b
