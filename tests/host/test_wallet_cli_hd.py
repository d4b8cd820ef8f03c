"""`bioshard wallet` on an HD wallet: next-unused receive/change indices, --index/--change,
descriptor --path, single-key wallets and `wallet migrate`; addresses checked against btclib."""
import hashlib

import pytest
from coincurve import PrivateKey

from bioshard import state
from bioshard.wallet import psbt_io
from bioshard.wallet.descriptor import Descriptor

from test_btc_host import main

D = pytest.importorskip("btclib_wallet.descriptors.descriptors")

A = PrivateKey(hashlib.sha256(b"bioshard cli hd A").digest()).public_key.format()
B = PrivateKey(hashlib.sha256(b"bioshard cli hd B").digest()).public_key.format()
NET = "regtest"


def _btclib(desc_text):
    r, c = D.multipath_descriptors(desc_text)
    return D.parse(r, "regtest"), D.parse(c, "regtest")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path))
    return tmp_path


def _saved(desc, home):
    """desc as the wallet of `home` (wallet.json with only a descriptor and the network)."""
    state.save({"descriptor": str(desc), "network": NET}, home)
    return desc


def _out(capsys):
    c = capsys.readouterr()
    return c.out.strip(), c.err.strip()


def test_next_unused_receive_and_change_and_explicit_index(home, capsys):
    desc = _saved(Descriptor.hd_from_keys([A, B], NET), home)
    receive, change = _btclib(str(desc))
    got = []
    for _ in range(3):
        assert main(["wallet", "address"]) == 0
        got.append(_out(capsys))
    assert [a for a, _ in got] == [receive.address(i) for i in range(3)]
    assert [e for _, e in got] == ["receive #0", "receive #1", "receive #2"]
    assert state.load(home)["next_receive"] == 3
    assert main(["wallet", "address", "--index", "5"]) == 0
    five = _out(capsys)[0]
    assert main(["wallet", "address", "--index", "5", "--change"]) == 0
    five_change = _out(capsys)[0]
    assert five == receive.address(5) and five_change == change.address(5) and five != five_change
    assert state.load(home)["next_receive"] == 3  # an explicit index is not "handed out"
    assert main(["wallet", "address", "--change"]) == 0
    assert _out(capsys) == (change.address(0), "change #0")
    assert main(["wallet", "address", "--index", "-1"]) == 7


def test_descriptor_path_is_honoured_or_refused(home, capsys):
    legacy = _saved(Descriptor.from_keys([A, B]), home)
    assert main(["wallet", "descriptor"]) == 0
    out, err = _out(capsys)
    assert out == str(legacy) and "wallet migrate" in err
    assert main(["wallet", "descriptor", "--path", "/<0;1>/*"]) == 0
    out, _ = _out(capsys)
    assert out == str(Descriptor.hd_from_keys([A, B], NET))
    assert _btclib(out)[0].address(0) == Descriptor(out).address(0, False, NET)
    assert main(["wallet", "descriptor", "--key", A.hex(), "--key", B.hex(), "--path", "<0;1>/*",
                 "--network", "regtest"]) == 0
    assert _out(capsys)[0] == out
    assert main(["wallet", "descriptor", "--path", "/0h/*"]) == 7
    assert "hardened" in _out(capsys)[1]
    assert main(["wallet", "descriptor", "--path", "/x"]) == 7


def test_single_key_wallet_keeps_working_and_migrates(home, capsys):
    legacy = _saved(Descriptor.from_keys([A, B]), home)
    assert main(["wallet", "address"]) == 0
    out, err = _out(capsys)
    assert out == legacy.address(network=NET) and "bioshard wallet migrate" in err
    assert main(["wallet", "address", "--index", "5"]) == 7  # not silently the same address
    assert "bioshard wallet migrate" in _out(capsys)[1]
    assert main(["wallet", "address", "--change"]) == 7
    _out(capsys)
    assert main(["wallet", "migrate"]) == 0
    out, _ = _out(capsys)
    doc = state.load(home)
    assert doc["descriptor"] == str(Descriptor.hd_from_keys([A, B], NET))
    assert doc["legacy_descriptor"] == str(legacy)
    assert "TXID:VOUT:BTC:legacy" in out and legacy.address(network=NET) in out
    assert main(["wallet", "migrate"]) == 7


def test_psbt_change_goes_to_the_next_change_index(home, capsys, tmp_path):
    desc = Descriptor.hd_from_keys([A, B], NET)
    state.save({"descriptor": str(desc), "network": NET, "next_change": 1}, home)
    dest = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
    f = tmp_path / "spend.psbt"
    assert main(["wallet", "psbt", "--utxo", "ab" * 32 + ":0:0.001:0/0", "--utxo", "cd" * 32 + ":1:0.0005:legacy",
                 "--to", dest + ":0.0007", "--change", "0.00079", "--out", str(f)]) == 0
    assert "change #1" in _out(capsys)[1]
    assert state.load(home)["next_change"] == 2
    p = psbt_io.parse(f.read_bytes())
    assert p.tx.outputs[1].script == desc.script(1, True)
    assert main(["wallet", "review", str(f)]) == 0
    out = _out(capsys)[0]
    assert "(change #1)" in out and "input #0 from receive #0" in out
    # btclib reads the same change output as the wallet's own change #1
    from btclib_wallet.psbt.psbt import Psbt

    bp = Psbt.parse(f.read_bytes())
    assert bp.outputs[1].taproot_internal_key == desc.aggregate_key(1, True)[1:]
    assert main(["wallet", "psbt", "--utxo", "ab" * 32 + ":0:0.001:2/0", "--to", dest + ":0.0007"]) == 7


def test_explicit_change_index(home, capsys, tmp_path):
    desc = Descriptor.hd_from_keys([A, B], NET)
    state.save({"descriptor": str(desc), "network": NET, "next_change": 3}, home)
    dest = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
    f = tmp_path / "x.psbt"
    base = ["wallet", "psbt", "--utxo", "ab" * 32 + ":0:0.001:0/0", "--to", dest + ":0.0007", "--change", "0.00029"]
    assert main(base + ["--change-index", "5", "--out", str(f)]) == 0
    assert psbt_io.parse(f.read_bytes()).tx.outputs[1].script == desc.script(5, True)
    assert state.load(home)["next_change"] == 3  # an explicit index is not "the next unused" one
    assert main(base + ["--change-index", "-1"]) == 7
