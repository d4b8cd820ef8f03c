"""`make demo` (host/bioshard/demo.py) on the simulated card: an HD receive (receive #1, shown
by the card) and a spend of it with change to change #1, then the recovered card spending that
change. The transactions are re-checked here with code the project did not write: btclib's
musig() descriptor for the addresses, embit's sighash and libsecp256k1 for the signatures."""
import re

import pytest
from coincurve import PublicKeyXOnly

D = pytest.importorskip("btclib_wallet.descriptors.descriptors")
embit_tx = pytest.importorskip("embit.transaction")
embit_script = pytest.importorskip("embit.script")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]


def test_demo_hd_receive_and_change_to_index_1(tmp_path):
    from bioshard import demo

    lines = []

    class Say:
        def __call__(self, text):
            lines.append(text)

        def detail(self, text):
            lines.append(text)

    res = demo.run(out_dir=tmp_path / "demo", say=Say())
    text = "\n".join(lines)
    desc = re.search(r"descriptor: (\S+)", text).group(1)
    receive, change = (D.parse(x, "regtest") for x in D.multipath_descriptors(desc))
    assert "receive #1: %s — the card derives the same: True" % receive.address(1) in text
    tx1 = embit_tx.Transaction.parse(res["raw"])
    tx2 = embit_tx.Transaction.parse(res["raw2"])
    # first spend: receive #1 -> friend + change #1; second: change #1 -> friend + change #2
    r1 = receive.script_pub_key(1).script
    c1, c2 = change.script_pub_key(1).script, change.script_pub_key(2).script
    assert tx1.vout[1].script_pubkey.data == c1 and tx2.vout[1].script_pubkey.data == c2
    assert tx2.vin[0].txid == tx1.txid() and tx2.vin[0].vout == 1
    for tx, spk, amount in ((tx1, r1, 2_500_000), (tx2, c1, tx1.vout[1].value)):
        msg = tx.sighash_taproot(0, [embit_script.Script(spk)], [amount])
        assert PublicKeyXOnly(spk[2:]).verify(tx.vin[0].witness.items[0], msg)
    # both cards hold the same card factor (the second got it from the service, blinded)
    from bioshard_card.storage import RecordStore
    from bioshard_card.wallet_record import WalletRecord

    f1, f2 = (WalletRecord.from_bytes(RecordStore(str(tmp_path / "demo" / c / "flash")).read("wallet")).factor
              for c in ("card1", "card2"))
    assert f1 is not None and f1 == f2
