"""Writes tests/psbt_corpus/hd/spend.psbt: an HD spend of the corpus wallet (wallet.json keys,
tr(musig(A,B)/<0;1>/*) on testnet) from receive #2 and change #0 to a friend, change to
change #1, built by the host's creator/updater. Deterministic: tests/host/test_wallet_hd.py checks
the committed file is what this builds; tests/portable/test_hd_review_sign.py reviews and
signs it on the card's interpreter."""
import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent


def build():
    from bioshard.wallet.descriptor import Descriptor
    from bioshard.wallet.psbt_build import HdUtxo, build_hd

    w = json.loads((HERE / "wallet.json").read_text())
    desc = Descriptor.hd_from_keys([bytes.fromhex(w["host_key"]), bytes.fromhex(w["card_key"])], "test")
    utxos = [HdUtxo(hashlib.sha256(b"hd corpus 1").hexdigest(), 0, 80_000, desc, 2),
             HdUtxo(hashlib.sha256(b"hd corpus 2").hexdigest(), 3, 25_000, desc, 0, change=True)]
    friend = bytes.fromhex("0014") + hashlib.sha256(b"hd corpus friend").digest()[:20]
    return build_hd(desc, utxos, [(friend, 70_000)], change=(33_600, 1)).serialize()


if __name__ == "__main__":
    (HERE / "hd").mkdir(exist_ok=True)
    (HERE / "hd" / "spend.psbt").write_bytes(build())
