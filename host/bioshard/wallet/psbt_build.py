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
