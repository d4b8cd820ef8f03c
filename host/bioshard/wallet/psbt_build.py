"""Creator + updater: a PSBT v0 spending the 2-of-2 wallet's Taproot outputs.

Each input gets what BIP-371/373 signers need: PSBT_IN_WITNESS_UTXO (amount + script, which
BIP-341 commits to), PSBT_IN_TAP_INTERNAL_KEY (the x-only MuSig2 aggregate) and
PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS (aggregate -> sorted participant keys). A change output
gets the same key fields so the card can recognise — and verify — it as change.
"""
import struct

from bioshard_card.btc.address import p2tr_script
from bioshard_card.btc.tx import Tx, TxIn, TxOut

from .psbt_io import PsbtMaps


class Utxo:
    def __init__(self, txid_hex: str, vout: int, amount: int, script: bytes):
        self.txid = bytes.fromhex(txid_hex)[::-1]  # display order -> serialized order
        self.vout = vout
        self.amount = amount
        self.script = script


def _wallet_fields(agg_key: bytes, participants, internal_key_type: bytes, musig_type: bytes):
    return {
        internal_key_type: agg_key[1:],
        musig_type + agg_key: b"".join(participants),
    }


def build(utxos, outputs, agg_key: bytes, participants, output_key: bytes,
          locktime: int = 0, sequence: int = 0xFFFFFFFD, version: int = 2) -> PsbtMaps:
    """outputs: list of (scriptPubKey bytes, amount sats). Outputs paying to the wallet's own
    script are marked as change."""
    # No consistency check between participants, aggregate and output key on purpose: tests
    # use this builder to craft PSBTs whose metadata lies, and the card is what must refuse.
    own = p2tr_script(output_key)
    for u in utxos:
        if u.script != own:
            raise ValueError("utxo %s:%d is not the wallet's" % (u.txid[::-1].hex(), u.vout))
    tx = Tx(version, [TxIn(u.txid, u.vout, sequence) for u in utxos],
            [TxOut(a, s) for s, a in outputs], locktime)
    ins = []
    for u in utxos:
        m = {b"\x01": struct.pack("<Q", u.amount) + bytes((len(u.script),)) + u.script}
        m.update(_wallet_fields(agg_key, participants, b"\x17", b"\x1a"))
        ins.append(m)
    outs = []
    for s, _ in outputs:
        outs.append(_wallet_fields(agg_key, participants, b"\x05", b"\x08") if s == own else {})
    return PsbtMaps({b"\x00": tx.serialize()}, ins, outs)


# ---- HD wallet (BIP-328 children of the aggregate, BIP-373 fields) ------------------------

def aggregate_fingerprint(agg_key: bytes) -> bytes:
    """Fingerprint of a depth-0 xpub: hash160 of its key (the BIP-328 synthetic xpub's for the
    aggregate key, a participant's own for a participant key)."""
    import hashlib

    return hashlib.new("ripemd160", hashlib.sha256(bytes(agg_key)).digest()).digest()[:4]


def tap_bip32_value(agg_key: bytes, path) -> bytes:
    """PSBT_{IN,OUT}_TAP_BIP32_DERIVATION value of a key-path key: no leaf hashes, the
    aggregate's fingerprint, the path (BIP-373 reads it as BIP-328 derivation)."""
    return b"\x00" + aggregate_fingerprint(agg_key) + b"".join(struct.pack("<I", n) for n in path)


def hd_fields(desc, index: int, change: bool, internal_type: bytes, bip32_type: bytes, musig_type: bytes):
    """Internal key, its BIP-328 derivation, the BIP-373 participants, and each participant's
    own key origin (its depth-0 xpub: fingerprint, empty path), as btclib's descriptor updater
    writes them, so a signer can recognise its key by fingerprint."""
    agg = desc.musig_aggregate()
    child = desc.aggregate_key(index, change)
    fields = {}
    for k in desc.participants():
        fields[bip32_type + k[1:]] = b"\x00" + aggregate_fingerprint(k)
    fields.update({
        internal_type: child[1:],
        bip32_type + child[1:]: tap_bip32_value(agg, desc.child_path(index, change)),
        musig_type + agg: b"".join(desc.participants()),
    })
    return fields


class HdUtxo(Utxo):
    """A wallet UTXO at a child of the HD descriptor (change False: receive branch)."""

    def __init__(self, txid_hex: str, vout: int, amount: int, desc, index: int, change: bool = False,
                 legacy: bool = False):
        script = desc.single_key().script() if legacy else desc.script(index, change)
        super().__init__(txid_hex, vout, amount, script)
        self.index, self.change, self.legacy = index, change, legacy


def build_hd(desc, utxos, outputs, change=None, locktime: int = 0, sequence: int = 0xFFFFFFFD,
             version: int = 2) -> PsbtMaps:
    """PSBT spending HdUtxos of an HD descriptor. outputs: [(scriptPubKey, sats)];
    change: None or (sats, change index), appended last with its derivation fields so the card
    can derive it and show it as change."""
    for u in utxos:
        want = desc.single_key().script() if u.legacy else desc.script(u.index, u.change)
        if u.script != want:
            raise ValueError("utxo %s:%d is not at the path it names" % (u.txid[::-1].hex(), u.vout))
    outs = list(outputs)
    if change is not None:
        outs.append((desc.script(change[1], True), change[0]))
    tx = Tx(version, [TxIn(u.txid, u.vout, sequence) for u in utxos],
            [TxOut(a, s) for s, a in outs], locktime)
    ins = []
    for u in utxos:
        m = {b"\x01": struct.pack("<Q", u.amount) + bytes((len(u.script),)) + u.script}
        if u.legacy:
            agg = desc.musig_aggregate()
            m.update(_wallet_fields(agg, desc.participants(), b"\x17", b"\x1a"))
        else:
            m.update(hd_fields(desc, u.index, u.change, b"\x17", b"\x16", b"\x1a"))
        ins.append(m)
    out_maps = [{} for _ in outputs]
    if change is not None:
        out_maps.append(hd_fields(desc, change[1], True, b"\x05", b"\x07", b"\x08"))
    return PsbtMaps({b"\x00": tx.serialize()}, ins, out_maps)
