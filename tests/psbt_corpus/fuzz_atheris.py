"""Coverage-guided fuzzing of the card's PSBT parser and review with atheris (libFuzzer).

    .venv/bin/pip install atheris
    mkdir -p /tmp/psbt-fuzz
    .venv/bin/python tests/psbt_corpus/fuzz_atheris.py -max_total_time=300 \\
        /tmp/psbt-fuzz tests/psbt_corpus/valid tests/psbt_corpus/hostile

New inputs go to the first directory (keep the committed seed directories read-only). Any
exception other than PSBTError is a crash: libFuzzer stops and writes the input to
crash-<sha1>; add it to gen_corpus.py as a hostile case once fixed. Not part of `make test`
(it runs until stopped); tests/card/test_btc_fuzz.py is the bounded hypothesis version.
"""
import json
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from bioshard_card.btc.errors import PSBTError
    from bioshard_card.btc.review import Wallet, review_psbt
    from bioshard_card.btc import psbt, psbt_checks, psbt_fields, psbt_inputs  # noqa: F401

W = json.loads((Path(__file__).parent / "wallet.json").read_text())
WALLET = Wallet(bytes.fromhex(W["output_key"]), bytes.fromhex(W["agg_key"]),
                [bytes.fromhex(k) for k in W["participants"]], bytes.fromhex(W["card_key"]), W["network"])


def one_input(data):
    try:
        rv = review_psbt(data, WALLET)
    except PSBTError:
        return
    # Accepted: the review's promises must hold.
    assert rv.fee >= 0
    for inp in rv.psbt.inputs:
        assert inp.script == WALLET.script
    for i in range(len(rv.psbt.inputs)):
        rv.sighash(i)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
