# heapsize: 100k
# The card's PSBT parser + review against the committed corpus (tests/psbt_corpus/, made by
# gen_corpus.py): every valid PSBT gives the expected outputs, change flags, fee and size
# (expectations computed with embit and a measured dummy-signed tx, not with this code);
# every hostile PSBT is refused with its exact PSBTError reason — in the card's 100 KB heap with
# the modules as .mpy, as on the card (the largest corpus PSBT, 7.9 KB with 24 inputs, fails
# at 96 KB: about 4 KB to spare, harness included).
import gc

# One receive buffer for every PSBT, allocated first as the card's link does at boot, so a
# fragmented heap never has to find 8 KB in one piece later.
_RX = bytearray(8192)

from ptest import repo_path, load_json, h2b

from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.review import Wallet, review_psbt
from bioshard_card.btc.sighash import SIGHASH_DEFAULT

CORPUS = "tests/psbt_corpus/"


def _wallet():
    w = load_json(repo_path(CORPUS + "wallet.json"))
    return Wallet(h2b(w["output_key"]), h2b(w["agg_key"]), [h2b(k) for k in w["participants"]],
                  h2b(w["card_key"]), w["network"])


def _read(sub, name):
    # Into the one preallocated buffer, as the card receives a PSBT.
    import os

    path = repo_path(CORPUS + sub + "/" + name)
    n = os.stat(path)[6]
    assert n <= len(_RX), "corpus PSBT larger than the receive buffer"
    mv = memoryview(_RX)[:n]
    with open(path, "rb") as f:
        f.readinto(mv)
    return mv


def test_valid_corpus_reviews():
    wallet = _wallet()
    count = len(load_json(repo_path(CORPUS + "valid.json")))
    assert count >= 5
    for i in range(count):
        # one case in RAM at a time: the harness's copy of the whole index is not the card's
        # to carry, and the largest case leaves little of a 100 KB heap to spare
        gc.collect()
        c = load_json(repo_path(CORPUS + "valid.json"))[i]
        gc.collect()
        rv = review_psbt(_read("valid", c["file"]), wallet)
        assert rv.fee == c["fee"], c["name"]
        assert rv.vsize == c["vsize"], c["name"]
        assert len(rv.outputs) == len(c["outputs"])
        for line, (addr, amount, change) in zip(rv.outputs, c["outputs"]):
            if addr is not None:
                assert line.text == addr, (c["name"], line.text, addr)
            else:
                assert line.text.startswith("OP_RETURN")
            assert line.amount == amount and line.change == change, c["name"]
        assert rv.total_in - rv.total_out == rv.fee
        assert len(rv.sighash(0)) == 32
        text = rv.lines()
        assert any(t.startswith("FEE ") for t in text)
        rv = text = c = None  # free before the next parse: the largest case fills most of the heap


def test_self_transfer_and_sighash_type():
    wallet = _wallet()
    rv = review_psbt(_read("valid", "02_self_transfer.psbt"), wallet)
    assert rv.sent() == 0 and rv.warnings == ["self-transfer: every output is change"]
    rv = review_psbt(_read("valid", "03_explicit_sighash_all.psbt"), wallet)
    assert rv.sighash_type(0) == 1
    assert rv.sighash(0) != rv.cache.sighash(0, SIGHASH_DEFAULT)


def test_hostile_corpus_refused_with_reason():
    wallet = _wallet()
    n = 0
    with open(repo_path(CORPUS + "hostile.tsv")) as f:
        for line in f:  # one line at a time: the index itself would crowd a 100 KB heap
            if not line.strip():
                continue
            name, reason = line.rstrip("\n").split("\t")
            gc.collect()
            try:
                review_psbt(_read("hostile", name), wallet)
            except PSBTError as e:
                assert e.reason == reason, (name, e.reason, reason)
                n += 1
                continue
            raise AssertionError("accepted hostile PSBT " + name)
    assert n >= 50


def _lcg(seed):
    while True:
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        yield seed


def test_mutations_never_crash():
    # Byte flips, truncations and insertions of a valid PSBT: the card must answer with a
    # review or a PSBTError, nothing else (no IndexError, MemoryError, ValueError...).
    wallet = _wallet()
    good = _read("valid", "00_send_with_change.psbt")
    rnd = _lcg(7)
    refused = accepted = 0
    for i in range(400):
        b = bytearray(good)
        k = next(rnd) % 3
        pos = next(rnd) % len(b)
        if k == 0:
            b[pos] ^= 1 << (next(rnd) % 8)
        elif k == 1:
            b = b[:pos]
        else:
            b[pos:pos] = bytes((next(rnd) & 0xFF,))
        try:
            review_psbt(bytes(b), wallet)
            accepted += 1
        except PSBTError:
            refused += 1
    assert refused + accepted == 400 and refused > 200
