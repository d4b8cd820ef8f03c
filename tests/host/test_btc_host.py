"""Host-side PSBT roles (creator/updater, finalizer/extractor), the PSBT map codec and the
`bioshard wallet` command."""
import base64
import hashlib
from pathlib import Path

import pytest
from coincurve import PrivateKey

from bioshard.commands import wallet as wallet_cmd
from bioshard.errors import BioshardError
from bioshard.wallet import finalize as fin
from bioshard.wallet import keyagg, psbt_io
from bioshard.wallet.descriptor import Descriptor
from bioshard.wallet.psbt_build import Utxo, build
from bioshard_card.btc import psbt as card_psbt
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.tx import parse_tx

CORPUS = Path(__file__).resolve().parents[1] / "psbt_corpus"
A_SK = hashlib.sha256(b"bioshard host test A").digest()
B_SK = hashlib.sha256(b"bioshard host test B").digest()
A = PrivateKey(A_SK).public_key.format()
B = PrivateKey(B_SK).public_key.format()
DESC = str(Descriptor.from_keys([A, B]))
P2WPKH_ADDR = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"


def main(argv):
    """`bioshard ARGV` with only the wallet command registered (as cli.main dispatches it),
    so these tests do not depend on other commands' modules."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="bioshard")
    wallet_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except BioshardError as exc:
        print("bioshard: error: %s" % exc, file=sys.stderr)
        return exc.exit_code


def _all_psbts():
    out = [p.read_bytes() for p in sorted((CORPUS / "valid").glob("*.psbt"))]
    for line in (CORPUS / "bip373_valid.tsv").read_text().splitlines():
        out.append(bytes.fromhex(line.split("\t")[1]))
    return out


def test_maps_roundtrip_byte_for_byte():
    for raw in _all_psbts():
        p = psbt_io.parse(raw)
        assert p.serialize() == raw
        assert psbt_io.load(base64.b64encode(raw).decode()) == raw
        assert psbt_io.load(raw.hex()) == raw
        assert psbt_io.load(raw) == raw
    with pytest.raises(PSBTError):
        psbt_io.load("not a psbt")


def test_builder_fields_match_bip371_373():
    parts, agg, out = keyagg.wallet_keys([A, B])
    own = b"\x51\x20" + out
    p = build([Utxo("11" * 32, 1, 5000, own)], [(own, 4000)], agg, parts, out)
    parsed = card_psbt.parse(p.serialize())
    i = parsed.inputs[0]
    assert i.internal_key == agg[1:] and i.musig == ((agg, b"".join(parts)),)
    assert (i.amount, i.script) == (5000, own)
    o = parsed.outputs[0]
    assert o.internal_key == agg[1:] and o.musig == ((agg, b"".join(parts)),)
    assert parsed.tx.inputs[0].txid == bytes.fromhex("11" * 32)[::-1]
    with pytest.raises(ValueError):
        build([Utxo("11" * 32, 1, 5000, b"\x51\x20" + b"\x00" * 32)], [(own, 1)], agg, parts, out)


def _sign_all(p):
    """Sign with the tweaked aggregate secret — the same BIP-340 signature a MuSig2 session
    produces (tests/card/test_btc_independent.py runs the real session)."""
    from bioshard_card.crypto.musig2 import key_agg_coeff

    parts, agg, out = keyagg.wallet_keys([A, B])
    coeffs = [key_agg_coeff(parts, k) for k in parts]
    sks = {A: A_SK, B: B_SK}
    d = sum(c * int.from_bytes(sks[k], "big") for c, k in zip(coeffs, parts)) % keyagg.N
    if agg[0] == 3:
        d = keyagg.N - d
    t = int.from_bytes(keyagg.taproot_tweak(agg[1:]), "big")
    full = PrivateKey(d.to_bytes(32, "big")).public_key.add(t.to_bytes(32, "big")).format()
    assert full[1:] == out
    dt = (d + t) % keyagg.N
    cache, types = fin.sighashes(p)
    for i in range(len(p.inputs)):
        fin.add_key_sig(p, i, PrivateKey(dt.to_bytes(32, "big")).sign_schnorr(cache.sighash(i, types[i])))


def test_cli_create_review_finalize(tmp_path, capsys):
    assert main(["wallet", "address", "--descriptor", DESC, "--network", "regtest"]) == 0
    addr = capsys.readouterr().out.strip()
    assert addr.startswith("bcrt1p")
    f = tmp_path / "spend.psbt"
    assert main(["wallet", "psbt", "--descriptor", DESC, "--network", "regtest", "--utxo", "ab" * 32 + ":0:0.001",
                 "--utxo", "cd" * 32 + ":3:0.0002", "--to", P2WPKH_ADDR + ":0.0005",
                 "--change", "0.00069", "--out", str(f)]) == 0
    assert main(["wallet", "review", str(f), "--descriptor", DESC, "--network", "regtest"]) == 0
    shown = capsys.readouterr().out
    assert "SEND #0 0.00050000 BTC" in shown and P2WPKH_ADDR in shown
    assert "CHANGE #1 0.00069000 BTC" in shown and addr in shown
    assert "FEE 0.00001000 BTC" in shown
    # unsigned: finalize refuses with the named exit code
    assert main(["wallet", "finalize", str(f)]) == 7
    p = psbt_io.parse(f.read_bytes())
    _sign_all(p)
    f.write_bytes(p.serialize())
    capsys.readouterr()
    assert main(["wallet", "finalize", str(f)]) == 0
    raw = bytes.fromhex(capsys.readouterr().out.strip())
    tx, wit = parse_tx(raw)
    assert len(tx.inputs) == 2 and [len(w[0]) for w in wit] == [64, 64]


def test_finalize_refuses_bad_signature():
    parts, agg, out = keyagg.wallet_keys([A, B])
    own = b"\x51\x20" + out
    p = build([Utxo("22" * 32, 0, 9000, own)], [(own, 8000)], agg, parts, out)
    with pytest.raises(PSBTError, match="does not verify"):
        fin.add_key_sig(p, 0, b"\x01" * 64)
    p.inputs[0][b"\x13"] = b"\x01" * 64
    with pytest.raises(PSBTError, match="does not verify"):
        fin.finalize(p)
    bad_key = build([Utxo("22" * 32, 0, 9000, b"\x51\x20" + b"\x00" * 32)], [(own, 8000)], agg, parts, b"\x00" * 32)
    with pytest.raises(PSBTError, match="does not verify"):
        fin.add_key_sig(bad_key, 0, b"\x01" * 64)  # an output key that is not a curve point
    with pytest.raises(PSBTError, match="not finalized"):
        fin.extract(psbt_io.parse(build([Utxo("22" * 32, 0, 9000, own)], [(own, 8000)], agg, parts, out).serialize()))


def test_cli_rejects_bad_inputs(tmp_path, capsys):
    assert main(["wallet", "address", "--descriptor", DESC[:-1] + ("x" if DESC[-1] != "x" else "y")]) == 7
    assert main(["wallet", "descriptor", "--key", "02" + "00" * 32, "--key", B.hex()]) == 7
    f = tmp_path / "x.psbt"
    f.write_bytes(b"psbt\xff\x00")
    assert main(["wallet", "review", str(f), "--descriptor", DESC]) == 7
    assert "refuse" in capsys.readouterr().err


def test_cli_uses_the_hosts_wallet(tmp_path, monkeypatch, capsys):
    from bioshard import state
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path))
    assert main(["wallet", "address"]) == 7  # no wallet yet: a named error, not a traceback
    assert "no wallet" in capsys.readouterr().err
    state.save({"descriptor": DESC, "network": "test"}, tmp_path)
    assert main(["wallet", "descriptor"]) == 0
    assert capsys.readouterr().out.strip() == DESC
    assert main(["wallet", "address", "--index", "0"]) == 0
    assert capsys.readouterr().out.strip() == Descriptor(DESC).address(network="test")


def test_for_card_keeps_what_the_card_reviews():
    from bioshard_card.btc.review import Wallet, review
    from bioshard_card.btc.tx import Tx, TxIn, TxOut

    parts, agg, out = keyagg.wallet_keys([A, B])
    own = b"\x51\x20" + out
    prev = Tx(2, [TxIn(b"\x33" * 32, 0, 0)], [TxOut(7000, own)], 0)
    u = Utxo(prev.txid().hex(), 0, 7000, own)
    p = build([u], [(bytes.fromhex("0014" + "55" * 20), 3000), (own, 3500)], agg, parts, out)
    p.inputs[0][b"\x00"] = prev.serialize()  # a whole previous tx, as some wallets add
    p.inputs[0][b"\x16" + out] = b"\x00" + b"\xaa" * 4 + b"\x00" * 8
    p.global_map[b"\xfc\x03abc\x00"] = b"x" * 500
    small = psbt_io.for_card(p)
    assert len(small) < len(p.serialize()) - 500
    w = Wallet(out, agg, parts, B, "main")
    full_rv, small_rv = review(card_psbt.parse(p.serialize()), w), review(card_psbt.parse(small), w)
    assert [(o.text, o.amount, o.change) for o in full_rv.outputs] == \
        [(o.text, o.amount, o.change) for o in small_rv.outputs]
    assert full_rv.fee == small_rv.fee == 500
    assert full_rv.sighash(0) == small_rv.sighash(0)


def test_compat_descriptor_is_the_same_address():
    d = Descriptor(DESC)
    c = d.compat()
    assert c.startswith("tr(") and "musig" not in c
    bdk = pytest.importorskip("bdkpython")
    bd = bdk.Descriptor(c, bdk.NetworkKind.MAIN)
    assert str(bd.derive_address(0, bdk.Network.BITCOIN)) == d.address()
    assert main(["wallet", "descriptor", "--key", A.hex(), "--key", B.hex(), "--compat"]) == 0


def test_bip371_vector_output_key_is_the_tweaked_internal_key():
    # BIP-371 valid vector: internal key fe3490... spends output 5a2c2cf5...; our libsecp256k1
    # Taproot tweak must map one to the other (a check of keyagg.taproot_output_key on data we
    # did not make).
    line = (CORPUS / "bip371_valid.tsv").read_text().splitlines()[0]
    p = card_psbt.parse(bytes.fromhex(line.split("\t")[1]))
    i = p.inputs[0]
    assert i.script[:2] == b"\x51\x20"
    assert keyagg.taproot_output_key(b"\x02" + i.internal_key) == i.script[2:]


def test_review_warnings():
    from bioshard_card.btc.review import Wallet, review

    parts, agg, out = keyagg.wallet_keys([A, B])
    own = b"\x51\x20" + out
    dest = bytes.fromhex("0014" + "66" * 20)
    w = Wallet(out, agg, parts, B, "main")

    def warn(amount_in, outs):
        p = build([Utxo("44" * 32, 0, amount_in, own)], outs, agg, parts, out)
        return review(card_psbt.parse(p.serialize()), w).warnings

    assert warn(100_000, [(dest, 99_000)]) == []  # 1000 sat fee, ~9.2 sat/vB
    assert warn(100_000, [(dest, 80_000)]) == ["fee above 10% of amount sent"]  # ~180 sat/vB
    assert warn(300_000, [(dest, 100_000)]) == ["fee rate above 1000 sat/vB", "fee above 10% of amount sent"]
    assert warn(10_000_000, [(dest, 9_800_000)]) == ["fee rate above 1000 sat/vB"]  # 2% of a big send
    assert warn(2_000, [(dest, 1_000)]) == ["fee above 10% of amount sent"]
    assert warn(100_000, [(own, 99_000)]) == ["self-transfer: every output is change"]


def test_only_hd_ranged_descriptors_are_signable(tmp_path):
    x1 = ("xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2"
          "grBGRjaDMzQLcgJvLJuZZvRcEL")
    x2 = ("xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6"
          "oDaPPLPxSb7gwQN3ih19Zm4Y")
    hd = "tr(musig(%s,%s)/<0;1>/*)" % (x1, x2)
    assert main(["wallet", "address", "--descriptor", hd, "--index", "3", "--change"]) == 0
    assert main(["wallet", "psbt", "--descriptor", hd, "--utxo", "ab" * 32 + ":0:0.001:0/4",
                 "--to", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4:0.0005", "--change", "0.00049"]) == 0
    # Other ranged forms (participants derived, other paths) are watch-only: the card derives
    # <0;1>/index children of its aggregate and nothing else.
    for other in ("tr(musig(%s/<0;1>/*,%s/<0;1>/*))" % (x1, x2), "tr(musig(%s,%s)/0/*)" % (x1, x2)):
        assert main(["wallet", "psbt", "--descriptor", other, "--utxo", "ab" * 32 + ":0:0.001",
                     "--to", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4:0.0005"]) == 7
    f = tmp_path / "x.psbt"
    f.write_bytes(bytes.fromhex((CORPUS / "bip373_valid.tsv").read_text().split("\t")[1].split("\n")[0]))
    assert main(["wallet", "review", str(f), "--descriptor", hd]) == 7
