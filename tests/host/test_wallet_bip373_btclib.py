"""BIP-373 interop: the card is one participant of a MuSig2 session another coordinator runs.

btclib (its BIP-327 MuSig2 over libsecp256k1, its BIP-373 PSBT roles and its musig()
descriptor updater) holds the other key. The card signs last (BIP-327 deterministic signing:
its nonce is derived after the other participant's nonce is in the PSBT), so the order is
  other nonce -> card nonce + partial signature (bioshard) -> other partial signature -> aggregate.
Both ways round for who runs the session:
  bioshard first: bioshard creates and updates the PSBT; btclib aggregates and finalizes;
  btclib first:   btclib creates and updates the PSBT from its own descriptor; bioshard
                  aggregates (`wallet finalize`).
The final transaction is checked by libsecp256k1 (coincurve) against embit's BIP-341 sighash.
"""
import hashlib

import pytest
from coincurve import PrivateKey, PublicKeyXOnly

from bioshard.cosign import cosign_participant
from bioshard.errors import BadInputError
from bioshard.wallet import psbt_io
from bioshard.wallet.descriptor import Descriptor
from bioshard.wallet.psbt_build import HdUtxo, build_hd
from bioshard_card.btc.tx import Tx, TxIn, TxOut

from test_wallet_hd import CardSide

bt_psbt = pytest.importorskip("btclib_wallet.psbt.psbt")
bt_musig = pytest.importorskip("btclib_wallet.psbt.musig2")
D = pytest.importorskip("btclib_wallet.descriptors.descriptors")
embit_tx = pytest.importorskip("embit.transaction")
embit_script = pytest.importorskip("embit.script")

B_SK = hashlib.sha256(b"bioshard hd test card B").digest()  # CardSide's key
B = PrivateKey(B_SK).public_key.format()
X_SK = hashlib.sha256(b"btclib holds the other key").digest()
X = PrivateKey(X_SK).public_key.format()
DEST = bytes.fromhex("0014") + hashlib.sha256(b"friend").digest()[:20]


def _desc():
    return Descriptor.hd_from_keys([X, B], "regtest")


def _card():
    return CardSide([X, B])


def _verify(raw, spent):
    tx = embit_tx.Transaction.parse(raw)
    for i, inp in enumerate(tx.vin):
        msg = tx.sighash_taproot(i, [embit_script.Script(s) for _, s in spent], [a for a, _ in spent])
        assert PublicKeyXOnly(spent[i][1][2:]).verify(inp.witness.items[0][:64], msg)


def _btclib_nonces(raw_psbt, agg):
    bp = bt_psbt.Psbt.parse(raw_psbt)
    secs = [bt_musig.nonce_gen(bp, i, X_SK, agg) for i in range(len(bp.inputs))]
    return bp, secs


def _btclib_sign(raw_psbt, secs, agg):
    bp = bt_psbt.Psbt.parse(raw_psbt)
    for i, sec in enumerate(secs):
        bt_musig.partial_sign(bp, i, sec, X_SK, agg, require_non_witness_utxo=False)
    return bp


def test_bioshard_coordinates_btclib_aggregates():
    desc = _desc()
    agg = desc.musig_aggregate()
    utxos = [HdUtxo(hashlib.sha256(b"a").hexdigest(), 0, 70_000, desc, 0),
             HdUtxo(hashlib.sha256(b"b").hexdigest(), 1, 30_000, desc, 4)]
    p = build_hd(desc, utxos, [(DEST, 60_000)], change=(39_000, 1))
    spent = [(u.amount, u.script) for u in utxos]
    bp, secs = _btclib_nonces(p.serialize(), agg)                    # 1. btclib's nonces
    card = _card()
    p2 = cosign_participant(card, bp.serialize(), B, b"blob")      # 2. the card, last signer
    assert card.reviews[0].paths == [(0, 0), (0, 4)]
    assert [(o.change, o.path) for o in card.reviews[0].outputs] == [(False, None), (True, (1, 1))]
    bp = _btclib_sign(p2.serialize(), secs, agg)                     # 3. btclib's partial sigs
    for i in range(2):
        assert bt_musig.partial_sig_verify(bp, i, B, agg)            # btclib checks the card's
        bt_musig.partial_sigs_agg(bp, i, agg)                         # 4. btclib aggregates
    final = bt_psbt.finalize(bp)
    raw = bt_psbt.extract_tx(final).serialize(include_witness=True)
    _verify(raw, spent)


def _btclib_built(desc_text, amounts_paths, change_index):
    """A PSBT btclib creates and updates from its own reading of the descriptor."""
    receive, change = (D.parse(x, "regtest") for x in D.multipath_descriptors(desc_text))
    spent, ins = [], []
    for n, (amount, idx) in enumerate(amounts_paths):
        script = receive.script_pub_key(idx).script
        spent.append((amount, script))
        ins.append(TxIn(hashlib.sha256(b"btclib %d" % n).digest(), n, 0xFFFFFFFD))
    change_script = change.script_pub_key(change_index).script
    total = sum(a for a, _ in spent)
    tx = Tx(2, ins, [TxOut(50_000, DEST), TxOut(total - 50_000 - 800, change_script)], 0)
    from btclib.tx import Tx as BTx
    from btclib.tx.tx_out import TxOut as BTxOut

    bp = bt_psbt.Psbt.from_tx(BTx.parse(tx.serialize()))
    for n, (amount, idx) in enumerate(amounts_paths):
        bp.inputs[n].witness_utxo = BTxOut(amount, spent[n][1])
        bp = receive.update_psbt_input(bp, n, idx)
    bp = change.update_psbt_output(bp, 1, change_index)
    return bp, spent


def test_btclib_coordinates_bioshard_aggregates(tmp_path, capsys):
    desc = _desc()
    agg = desc.musig_aggregate()
    bp, spent = _btclib_built(str(desc), [(40_000, 2), (25_000, 9)], 3)
    secs = [bt_musig.nonce_gen(bp, i, X_SK, agg) for i in range(2)]  # 1. btclib's nonces
    card = _card()
    p2 = cosign_participant(card, bp.serialize(), B, b"blob")       # 2. the card
    assert card.reviews[0].paths == [(0, 2), (0, 9)]
    assert [(o.change, o.path) for o in card.reviews[0].outputs] == [(False, None), (True, (1, 3))]
    bp = _btclib_sign(p2.serialize(), secs, agg)                      # 3. btclib's partial sigs
    f = tmp_path / "signed.psbt"
    f.write_bytes(bp.serialize())
    from test_btc_host import main

    assert main(["wallet", "finalize", str(f)]) == 0                   # 4. bioshard aggregates
    raw = bytes.fromhex(capsys.readouterr().out.strip())
    _verify(raw, spent)


def test_the_card_will_not_go_first():
    """The card keeps no nonce between requests: with no nonce of the other participant in the
    PSBT yet, bioshard says who has to go first instead of signing."""
    desc = _desc()
    p = build_hd(desc, [HdUtxo(hashlib.sha256(b"a").hexdigest(), 0, 70_000, desc, 0)], [(DEST, 60_000)])
    card = _card()
    with pytest.raises(BadInputError, match="no public nonce of the other participant yet"):
        cosign_participant(card, p.serialize(), B, b"blob")
    assert card.reviews == []  # nothing reached the card


def test_a_psbt_for_another_wallet_is_refused_before_the_card():
    other = Descriptor.hd_from_keys([X, PrivateKey(b"\x05" * 32).public_key.format()], "regtest")
    agg = other.musig_aggregate()
    p = build_hd(other, [HdUtxo(hashlib.sha256(b"a").hexdigest(), 0, 70_000, other, 0)], [(DEST, 60_000)])
    bp, _ = _btclib_nonces(p.serialize(), agg)
    with pytest.raises(BadInputError, match="not one of its two MuSig2 participants"):
        cosign_participant(card := _card(), bp.serialize(), B, b"blob")
    assert card.reviews == []


def test_our_updater_writes_what_btclibs_descriptor_updater_writes():
    """Same transaction, same descriptor: bioshard's creator/updater and btclib's updater give
    the same input and change-output fields (internal key, BIP-328 derivation with the
    aggregate's fingerprint, participants' origins, BIP-373 participants)."""
    desc = _desc()
    bp, spent = _btclib_built(str(desc), [(60_000, 1), (20_000, 6)], 2)
    theirs = psbt_io.parse(bp.serialize())
    utxos = [HdUtxo(theirs.tx.inputs[n].txid[::-1].hex(), n, a, desc, i)
             for n, (a, i) in enumerate([(60_000, 1), (20_000, 6)])]
    ours = build_hd(desc, utxos, [(DEST, 50_000)], change=(theirs.tx.outputs[1].amount, 2))
    assert ours.global_map[b"\x00"] == theirs.global_map[b"\x00"]
    assert ours.inputs == theirs.inputs
    assert ours.outputs[1] == theirs.outputs[1]
