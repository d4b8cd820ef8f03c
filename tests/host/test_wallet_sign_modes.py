"""`bioshard sign` modes on an HD PSBT, the card side being the card's own review +
CardSigner (test_wallet_hd.CardSide): all-in-one (raw transaction, or --no-finalize: the PSBT
with both participants' BIP-373 fields, read back by btclib) and --participant (only the
card's nonce and partial signature, verified by btclib)."""
import base64
import contextlib
import hashlib

import pytest
from coincurve import PrivateKey

from bioshard import cli, keystore, state
from bioshard.commands import sign as sign_cmd
from bioshard.wallet import psbt_io
from bioshard.wallet.descriptor import Descriptor
from bioshard.wallet.psbt_build import HdUtxo, build_hd

from test_wallet_hd import A, A_SK, B, CardSide, _verify_final

bt_psbt = pytest.importorskip("btclib_wallet.psbt.psbt")
bt_musig = pytest.importorskip("btclib_wallet.psbt.musig2")

PW = "test passphrase"
DEST = bytes.fromhex("0014") + hashlib.sha256(b"friend").digest()[:20]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path))
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", PW)
    return tmp_path


def _wallet(home, parts, card):
    desc = Descriptor.hd_from_keys(parts, "regtest")
    state.save({"descriptor": str(desc), "network": "regtest", "card_pubkey": B.hex(), "blob": "00"}, home)
    sign_cmd.connect = lambda spec: contextlib.nullcontext(card)
    return desc


@pytest.fixture(autouse=True)
def _restore_connect():
    saved = sign_cmd.connect
    yield
    sign_cmd.connect = saved


def _psbt(desc, tmp_path):
    utxos = [HdUtxo(hashlib.sha256(b"s0").hexdigest(), 0, 50_000, desc, 2),
             HdUtxo(hashlib.sha256(b"s1").hexdigest(), 1, 20_000, desc, 1, change=True)]
    p = build_hd(desc, utxos, [(DEST, 40_000)], change=(29_000, 1))
    f = tmp_path / "in.psbt"
    f.write_bytes(p.serialize())
    return f, [(u.amount, u.script) for u in utxos]


def test_all_in_one_prints_a_transaction_that_verifies(home, tmp_path, capsys):
    desc = _wallet(home, [A, B], CardSide([A, B]))
    keystore.save(state.secret_path(home), A_SK, PW, A)
    f, spent = _psbt(desc, tmp_path)
    assert cli.main(["sign", str(f)]) == 0
    _verify_final(bytes.fromhex(capsys.readouterr().out.strip()), spent)


def test_no_finalize_keeps_bip373_fields_btclib_reads(home, tmp_path, capsys):
    desc = _wallet(home, [A, B], CardSide([A, B]))
    keystore.save(state.secret_path(home), A_SK, PW, A)
    f, spent = _psbt(desc, tmp_path)
    assert cli.main(["sign", str(f), "--no-finalize"]) == 0
    signed = base64.b64decode(capsys.readouterr().out.strip())
    bp = bt_psbt.Psbt.parse(signed)
    agg = desc.musig_aggregate()
    for i in range(2):
        assert bp.inputs[i].taproot_key_spend_signature  # the aggregate, PSBT_IN_TAP_KEY_SIG
        assert bt_musig.partial_sig_verify(bp, i, A, agg) and bt_musig.partial_sig_verify(bp, i, B, agg)
    out = tmp_path / "signed.psbt"
    out.write_bytes(signed)
    assert cli.main(["wallet", "finalize", str(out)]) == 0
    _verify_final(bytes.fromhex(capsys.readouterr().out.strip()), spent)


def test_participant_adds_only_the_cards_contribution(home, tmp_path, capsys):
    x_sk = hashlib.sha256(b"another coordinator").digest()
    x = PrivateKey(x_sk).public_key.format()
    desc = _wallet(home, [x, B], CardSide([x, B]))
    f, _ = _psbt(desc, tmp_path)
    agg = desc.musig_aggregate()
    bp = bt_psbt.Psbt.parse(f.read_bytes())
    secs = [bt_musig.nonce_gen(bp, i, x_sk, agg) for i in range(2)]
    f.write_bytes(bp.serialize())
    assert cli.main(["sign", str(f), "--participant"]) == 0  # no passphrase needed: no Secret A
    out = base64.b64decode(capsys.readouterr().out.strip())
    p = psbt_io.parse(out)
    for m in p.inputs:
        assert b"\x13" not in m  # aggregation is left to the other software
        assert sum(k[:1] == b"\x1c" for k in m) == 1 and sum(k[:1] == b"\x1b" for k in m) == 2
    bp = bt_psbt.Psbt.parse(out)
    for i, sec in enumerate(secs):
        bt_musig.partial_sign(bp, i, sec, x_sk, agg, require_non_witness_utxo=False)
        assert bt_musig.partial_sig_verify(bp, i, B, agg)
        bt_musig.partial_sigs_agg(bp, i, agg)
    # the card first: refused with a named error (exit 7), before anything reaches the card
    f.write_bytes(_psbt(desc, tmp_path)[0].read_bytes())
    assert cli.main(["sign", str(f), "--participant"]) == 7
    assert "signs last" in capsys.readouterr().err


def test_single_key_wallet_still_signs(home, tmp_path, capsys):
    """An old wallet (tr(musig(A,B)), one address): `wallet psbt` then `sign` as before."""
    legacy = Descriptor.from_keys([A, B])
    card = CardSide([A, B])
    sign_cmd.connect = lambda spec: contextlib.nullcontext(card)
    state.save({"descriptor": str(legacy), "network": "regtest", "card_pubkey": B.hex(), "blob": "00"}, home)
    keystore.save(state.secret_path(home), A_SK, PW, A)
    f = tmp_path / "old.psbt"
    dest = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
    assert cli.main(["wallet", "psbt", "--utxo", "ab" * 32 + ":0:0.001", "--to", dest + ":0.0006",
                     "--change", "0.00039", "--out", str(f)]) == 0
    assert "bioshard wallet migrate" not in capsys.readouterr().err
    assert cli.main(["sign", str(f)]) == 0
    raw = bytes.fromhex(capsys.readouterr().out.strip())
    _verify_final(raw, [(100_000, legacy.script())])
    assert card.reviews[0].paths == [None] and [o.change for o in card.reviews[0].outputs] == [False, True]
