"""`bioshard-signer`: Bitcoin Core's external-signer contract (doc/external-signer.md and the
calls src/external_signer.cpp makes), checked as JSON on stdout with exit codes. No bitcoind
runs here, so this contract test is the proof; the descriptors and the signed PSBT are read
back by btclib (its musig() descriptors, BIP-373 roles and finalizer), the final transaction
checked by libsecp256k1 against embit's sighash.

Core's calls:  <cmd> enumerate
               <cmd> --fingerprint "F" --chain C getdescriptors --account 0
               <cmd> --fingerprint "F" --chain C displayaddress --desc "DESC"
               <cmd> --stdin --fingerprint "F" --chain C   (stdin: signtx "<base64 psbt>")
"""
import contextlib
import io
import json
import subprocess
import sys

import pytest

from bioshard import keystore, state
from bioshard.commands import signer
from bioshard.wallet.descriptor import Descriptor

from test_wallet_hd import A, A_SK, B, CardSide, _verify_final

D = pytest.importorskip("btclib_wallet.descriptors.descriptors")
bt_psbt = pytest.importorskip("btclib_wallet.psbt.psbt")
embit_hashes = pytest.importorskip("embit.hashes")

PW = "signer passphrase"
FP = embit_hashes.hash160(B)[:4].hex()  # the card's fingerprint, by embit


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path))
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", PW)
    saved = signer.connect
    yield tmp_path
    signer.connect = saved


def _setup(home, card=None):
    desc = Descriptor.hd_from_keys([A, B], "regtest")
    state.save({"descriptor": str(desc), "network": "regtest", "card_pubkey": B.hex(), "blob": "00"}, home)
    keystore.save(state.secret_path(home), A_SK, PW, A)
    card = card or CardSide([A, B])
    signer.connect = lambda spec: contextlib.nullcontext(card)
    return desc, card


def _run(argv, capsys, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = signer.run(argv)
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_enumerate(home, capsys):
    assert _run(["enumerate"], capsys) == (0, [])  # no wallet here: an empty array
    _setup(home)
    code, out = _run(["enumerate"], capsys)
    assert code == 0 and isinstance(out, list) and len(out) == 1
    assert out[0]["fingerprint"] == FP and out[0]["model"] == "bioshard"


def test_getdescriptors_are_the_wallets_children_for_btclib(home, capsys):
    desc, _ = _setup(home)
    code, out = _run(["--fingerprint", FP, "--chain", "regtest", "getdescriptors", "--account", "0"], capsys)
    assert code == 0 and set(out) == {"receive", "internal"}
    assert len(out["receive"]) == len(out["internal"]) == 1
    receive = D.parse(out["receive"][0], "regtest")   # btclib checks the checksum
    internal = D.parse(out["internal"][0], "regtest")
    for i in range(4):
        assert receive.address(i) == desc.address(i, False, "regtest")
        assert internal.address(i) == desc.address(i, True, "regtest")
    # the card's participant xpub has the card's fingerprint (embit's BIP-32 reading)
    from embit import bip32 as eb

    xpubs = out["receive"][0].split("musig(")[1].split(")")[0].split(",")
    assert FP in [eb.HDKey.from_string(x).my_fingerprint.hex() for x in xpubs]
    # the old document's positional account, and refusals
    assert _run(["--fingerprint", FP, "--chain", "regtest", "getdescriptors", "0"], capsys)[0] == 0
    code, out = _run(["--fingerprint", FP, "--chain", "main", "getdescriptors"], capsys)
    assert code == 7 and "regtest" in out["error"] and out["code"] == 7
    code, out = _run(["--fingerprint", "deadbeef", "--chain", "regtest", "getdescriptors"], capsys)
    assert code == 4 and "fingerprint" in out["error"]
    assert _run(["--fingerprint", FP, "getdescriptors", "--account", "1"], capsys)[0] == 7


def test_displayaddress_has_the_card_derive_it(home, capsys):
    desc, card = _setup(home)
    shown = []

    def call(method, params, timeout=None):
        shown.append((method, params))
        return {"address": desc.address(params["index"], params["change"], "regtest"), "confirmed": True}

    card.call = call
    code, out = _run(["--fingerprint", FP, "--chain", "regtest", "getdescriptors"], capsys)
    one = D.parse(out["internal"][0].split("#")[0].replace("/1/*)", "/1/5)"), "regtest")
    code, out = _run(["--fingerprint", FP, "--chain", "regtest", "displayaddress", "--desc", str(one)], capsys)
    assert code == 0 and out == {"address": one.address()}
    assert shown == [("address.show", {"index": 5, "change": True})]
    # another wallet's descriptor, or a child the card would show differently: failures
    g = bytes.fromhex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
    other = Descriptor.hd_from_keys([A, g], "regtest")
    text = str(other).split("#")[0].replace("/<0;1>/*)", "/0/1)")
    code, out = _run(["--fingerprint", FP, "--chain", "regtest", "displayaddress", "--desc", text], capsys)
    assert code == 4 and "not this wallet" in out["error"]
    card.call = lambda m, p, timeout=None: {"address": "bcrt1qnotit", "confirmed": True}
    code, out = _run(["--fingerprint", FP, "--chain", "regtest", "displayaddress", "--desc", str(one)], capsys)
    assert code == 4


def test_signtx_on_stdin_returns_a_psbt_btclib_finalizes(home, capsys, monkeypatch):
    desc, card = _setup(home)
    from test_wallet_bip373_btclib import _btclib_built

    # the PSBT as a descriptor wallet builds it from getdescriptors' multipath descriptor
    bp, spent = _btclib_built(str(desc), [(60_000, 1), (20_000, 6)], 2)
    b64 = bp.b64encode()
    code, out = _run(["--stdin", "--fingerprint", FP, "--chain", "regtest"], capsys,
                     stdin='signtx "%s"\n' % b64, monkeypatch=monkeypatch)
    assert code == 0 and set(out) == {"psbt"}
    signed = bt_psbt.Psbt.b64decode(out["psbt"])
    assert all(i.taproot_key_spend_signature for i in signed.inputs)
    final = bt_psbt.finalize(signed)
    _verify_final(bt_psbt.extract_tx(final).serialize(include_witness=True), spent)
    assert [(o.change, o.path) for o in card.reviews[0].outputs] == [(False, None), (True, (1, 2))]
    # garbage on stdin: a JSON error, exit 7
    code, out = _run(["--stdin", "--fingerprint", FP, "--chain", "regtest"], capsys,
                     stdin='signtx "bm90IGEgcHNidA=="\n', monkeypatch=monkeypatch)
    assert code == 7 and "PSBT" in out["error"]


def test_the_process_contract(home):
    """As bitcoind runs it: a process, JSON on stdout, exit status."""
    cmd = [sys.executable, "-c", "from bioshard.commands.signer import main; main()"]
    r = subprocess.run(cmd + ["enumerate"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = subprocess.run(cmd + ["--fingerprint", FP, "--chain", "regtest", "getdescriptors"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 7 and "error" in json.loads(r.stdout) and "error" in r.stderr
    r = subprocess.run(cmd + ["displayaddress"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 7 and json.loads(r.stdout)["code"] == 7
