"""Every command that reads the host's files ends in a one-line error and a documented exit
code, never a traceback, and changes no file when it fails (issue #10 item 13): hypothesis
writes random JSON shapes and random bytes into wallet.json, secret_a.json, a backup file, a
Secret A backup file and a PSBT file, and runs the commands that read them. Plus the named
cases: missing files, bad txid/vout, outputs above the inputs, a fee above a sane share."""
import base64
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bioshard import card as card_mod, cli, keystore, state
from bioshard.errors import BadInputError, NoCardError
from bioshard.wallet.descriptor import Descriptor
from bioshard.wallet.psbt_build import HdUtxo, build_hd

from test_bio_sequence import BLOB
from test_wallet_hd import A, A_SK, B

PW = "fuzz test passphrase"
DOCUMENTED = {0, 2, 3, 4, 5, 6, 7, 8, 9}  # success, usage (argparse), and the named failures
TXID = "ab" * 32
FRIEND = "bcrt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq2y0y3"


def _friend_address():
    from bioshard_card.btc.address import script_to_address

    return script_to_address(bytes.fromhex("0014") + bytes(20), "regtest")


def _valid_files(home):
    desc = Descriptor.hd_from_keys([A, B], "regtest")
    state.save({"card_pubkey": B.hex(), "host_pubkey": A.hex(), "blob": BLOB.hex(), "network": "regtest",
                "descriptor": str(desc), "next_receive": 1, "next_change": 0}, home)
    keystore.save(state.secret_path(home), A_SK, PW, A)
    p = build_hd(desc, [HdUtxo(TXID, 0, 100_000, desc, 0)], [(bytes.fromhex("0014") + bytes(20), 60_000)],
                 change=(39_000, 0))
    (home.parent / "spend.psbt").write_bytes(p.serialize())
    backup = {"bioshard_backup": 1, "card_pubkey": B.hex(), "host_pubkey": A.hex(), "blob": BLOB.hex(),
              "network": "regtest", "descriptor": str(desc)}
    (home.parent / "backup.json").write_text(json.dumps(backup))
    (home.parent / "secret-a.backup").write_bytes(keystore.seal(A_SK, PW, A))
    return backup


@pytest.fixture(autouse=True)
def no_card(monkeypatch):
    def nothing_there(spec):
        raise NoCardError("no card in this test")

    monkeypatch.setattr(card_mod, "open_transport", nothing_there)
    monkeypatch.setenv("BIOSHARD_PASSPHRASE", PW)
    monkeypatch.setenv("BIOSHARD_BACKUP_PASSPHRASE", PW)


def _snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _run_all(root, commands, monkeypatch, capsys):
    for argv in commands:
        before = _snapshot(root)
        rc = cli.main(argv)  # an exception escaping here is the traceback a user would see
        out, err = capsys.readouterr()
        assert rc in DOCUMENTED, (argv, rc, err)
        assert "Traceback" not in err
        if rc not in (0, 2):
            assert err.startswith("bioshard: error: ") and err.count("\n") == 1, (argv, err)
            assert _snapshot(root) == before, argv  # a failed command changed nothing


def _commands(root):
    psbt, backup, sb = str(root / "spend.psbt"), str(root / "backup.json"), str(root / "secret-a.backup")
    out = str(root / "out" / "x")
    to = _friend_address()
    return {
        "wallet": [["wallet", "descriptor"], ["wallet", "address", "--index", "3"],
                   ["wallet", "show-address"], ["wallet", "psbt", "--utxo", TXID + ":0:0.001", "--to", to + ":0.0006",
                                                "--out", out + ".psbt"],
                   ["wallet", "review", psbt], ["sign", psbt], ["sign", psbt, "--participant"], ["recover"],
                   ["enroll"], ["wallet", "create"], ["wallet", "backup-secret", "--words"],
                   ["backup", "export", out + ".json"], ["backup", "restore", backup], ["wallet", "migrate"],
                   ["portfolio", "push", "--balance", "0.1"]],
        "keystore": [["sign", psbt], ["wallet", "backup-secret", "--words"], ["wallet", "backup-secret", out + ".sb"],
                     ["backup", "restore", backup], ["wallet", "create"], ["wallet", "restore-secret", sb]],
        "backup": [["backup", "restore", backup], ["backup", "restore", backup, "--force"]],
        "secret": [["wallet", "restore-secret", sb], ["wallet", "restore-secret", sb, "--force"]],
        "psbt": [["sign", psbt], ["sign", psbt, "--participant"], ["wallet", "review", psbt],
                 ["wallet", "finalize", psbt]],
    }


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
                    | st.text(max_size=12),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                    max_leaves=8)


def _shaped(valid):
    """Objects with the file's own keys, each value valid or of a random shape."""
    return st.fixed_dictionaries({}, optional={k: st.one_of(st.just(v), JSON) for k, v in valid.items()})


def _contents(valid):
    return st.one_of(
        st.binary(max_size=300),
        JSON.map(lambda v: json.dumps(v).encode()),
        _shaped(valid).map(lambda v: json.dumps(v).encode()),
        st.tuples(st.just(json.dumps(valid).encode()), st.integers(0, 400)).map(lambda t: t[0][: t[1]]),
    )


def _valid_docs():
    tmp = Path(tempfile.mkdtemp(prefix="bsfz-"))
    try:
        (tmp / "home").mkdir()
        backup = _valid_files(tmp / "home")
        return {"wallet": json.loads((tmp / "home" / "wallet.json").read_text()),
                "keystore": json.loads((tmp / "home" / "secret_a.json").read_text()),
                "backup": backup,
                "secret": json.loads((tmp / "secret-a.backup").read_text())}
    finally:
        shutil.rmtree(tmp)


VALID = _valid_docs()
TARGET = {"wallet": "home/wallet.json", "keystore": "home/secret_a.json", "backup": "backup.json",
          "secret": "secret-a.backup", "psbt": "spend.psbt"}


def _fuzz(kind, content, monkeypatch, capsys):
    root = Path(tempfile.mkdtemp(prefix="bsfz-"))
    try:
        (root / "home").mkdir()
        (root / "out").mkdir()
        monkeypatch.setenv("BIOSHARD_HOME", str(root / "home"))
        _valid_files(root / "home")
        (root / TARGET[kind]).write_bytes(content)
        _run_all(root, _commands(root)[kind], monkeypatch, capsys)
    finally:
        shutil.rmtree(root)


FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _fuzz_test(kind, contents):
    """A hypothesis test writing `contents` into the file `kind` and running its commands."""
    @FUZZ
    @given(content=contents)
    def test(content, monkeypatch, capsys):
        _fuzz(kind, content, monkeypatch, capsys)
    return test


test_fuzzed_wallet_json = _fuzz_test("wallet", _contents(VALID["wallet"]))
test_fuzzed_keystore = _fuzz_test("keystore", _contents(VALID["keystore"]))
test_fuzzed_backup_file = _fuzz_test("backup", _contents(VALID["backup"]))
test_fuzzed_secret_a_backup_file = _fuzz_test("secret", _contents(VALID["secret"]))
test_fuzzed_psbt_file = _fuzz_test("psbt", st.one_of(
    st.binary(max_size=300), st.binary(max_size=300).map(lambda b: b"psbt\xff" + b),
    st.binary(max_size=300).map(lambda b: base64.b64encode(b"psbt\xff" + b))))


# ---- the named cases ---------------------------------------------------------------------------

@pytest.fixture
def home(tmp_path, monkeypatch):
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path / "home"))
    _valid_files(tmp_path / "home")
    return tmp_path


@pytest.mark.parametrize("argv", [["sign", "{d}/no-such.psbt"], ["wallet", "review", "{d}/no-such.psbt"],
                                  ["wallet", "finalize", "{d}/no-such.psbt"], ["backup", "restore", "{d}/none.json"],
                                  ["wallet", "restore-secret", "{d}/none.backup"], ["sign", "{d}"]])
def test_a_missing_file_is_named_as_missing(home, capsys, argv):
    rc = cli.main([a.format(d=home) for a in argv])
    err = capsys.readouterr().err
    assert rc == BadInputError.exit_code and err.count("\n") == 1
    assert "no such file" in err or "no backup file" in err or "cannot read" in err
    assert "not a PSBT" not in err


@pytest.mark.parametrize("utxo", ["zz" * 32 + ":0:0.001", "ab" * 31 + ":0:0.001", TXID + ":-1:0.001",
                                  TXID + ":4294967296:0.001", TXID + ":x:0.001", TXID + ":0:-1", TXID + ":0",
                                  TXID + ":0:0.001:2/0"])
def test_bad_txid_and_vout_are_refused(home, capsys, utxo):
    rc = cli.main(["wallet", "psbt", "--utxo", utxo, "--to", _friend_address() + ":0.0001"])
    assert rc == BadInputError.exit_code
    assert capsys.readouterr().err.startswith("bioshard: error: ")


def test_outputs_above_the_inputs_are_refused_even_when_high_fees_are_allowed(home, capsys):
    for extra in ([], ["--allow-high-fee"]):
        rc = cli.main(["wallet", "psbt", "--utxo", TXID + ":0:0.001", "--to", _friend_address() + ":0.002", *extra])
        assert rc == BadInputError.exit_code
        assert "more than the inputs" in capsys.readouterr().err


def test_a_fee_above_a_sane_share_needs_allow_high_fee(home, capsys):
    argv = ["wallet", "psbt", "--utxo", TXID + ":0:0.01", "--to", _friend_address() + ":0.005"]  # fee 50%
    assert cli.main(argv) == BadInputError.exit_code
    assert "allow-high-fee" in capsys.readouterr().err
    assert cli.main(argv + ["--allow-high-fee"]) == 0
    high = capsys.readouterr().out.strip()
    # sign refuses the same PSBT before it reaches the card, unless allowed
    assert cli.main(["sign", high]) == BadInputError.exit_code
    assert "allow-high-fee" in capsys.readouterr().err
    assert cli.main(["sign", high, "--allow-high-fee"]) == NoCardError.exit_code  # on to the card
    # an ordinary fee passes
    assert cli.main(["wallet", "psbt", "--utxo", TXID + ":0:0.01", "--to", _friend_address() + ":0.0099"]) == 0
