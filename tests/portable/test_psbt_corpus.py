# heapsize: 100k
# The card's PSBT parser + review against the committed corpus (tests/psbt_corpus/, made by
# gen_corpus.py): every valid PSBT gives the expected outputs, change flags, fee and size
# (expectations computed with embit and a measured dummy-signed tx, not with this code);
# every hostile PSBT is refused with its exact PSBTError reason — in a 100 KB heap.
import gc

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
    # Sized read: one allocation, no growing buffer to fragment a small heap.
    import os

    path = repo_path(CORPUS + sub + "/" + name)
    buf = bytearray(os.stat(path)[6])
    with open(path, "rb") as f:
        f.readinto(buf)
    return buf


def test_valid_corpus_reviews():
    wallet = _wallet()
    cases = load_json(repo_path(CORPUS + "valid.json"))
    assert len(cases) >= 5
    for c in cases:
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
        rv = text = None  # free before the next parse: the largest case fills most of the heap


def test_self_transfer_and_sighash_type():
    wallet = _wallet()
    rv = review_psbt(_read("valid", "02_self_transfer.psbt"), wallet)
    assert rv.sent() == 0 and "self-transfer: every output is change" in rv.warnings
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


def _invalid_vectors(fname):
    from bioshard_card.btc.psbt import parse

    n = 0
    with open(repo_path(CORPUS + fname)) as f:
        for line in f:
            name, reason, hexdata = line.rstrip("\n").split("\t")
            gc.collect()
            try:
                parse(h2b(hexdata))
            except PSBTError as e:
                assert e.reason == reason, (name, e.reason)
                n += 1
                continue
            raise AssertionError("accepted invalid vector: " + name)
    return n


def test_bip174_invalid_vectors():
    assert _invalid_vectors("bip174_invalid.tsv") == 7


def test_bip371_invalid_vectors():
    assert _invalid_vectors("bip371_invalid.tsv") == 9


def test_bip371_valid_vectors_parse():
    from bioshard_card.btc.psbt import parse

    key = h2b("fe349064c98d6e2a853fa3c9b12bd8b304a19c195c60efa7ee2393046d3fa232")
    seen = []
    with open(repo_path(CORPUS + "bip371_valid.tsv")) as f:
        for line in f:
            name, hexdata = line.rstrip("\n").split("\t")
            p = parse(h2b(hexdata))
            assert p.inputs[0].internal_key == key, name
            assert p.inputs[0].amount == 5000000000
            seen.append((p.inputs[0].tap_key_sig, p.outputs[0].internal_key is not None))
    assert seen == [(None, False), (True, False), (None, True)]


def test_bip373_valid_vectors_parse():
    from bioshard_card.btc.psbt import parse

    agg = h2b("030b58e337aa4d3852a8c29387c42408d8cfbe3a613a5e397e0a9f01a5fb7107d4")
    parts = [h2b(k) for k in ("02346b99593357107c9d3459e9deba8d3eaf44e6636c85c7f853eb90ba52e8cd00",
                              "024fafd65f8169186fc2bfdb2233c77e630d10be280a24c7165c09a27611775c2c",
                              "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9")]
    nonces = []
    with open(repo_path(CORPUS + "bip373_valid.tsv")) as f:
        for line in f:
            name, hexdata = line.rstrip("\n").split("\t")
            p = parse(h2b(hexdata))
            inp = p.inputs[0]
            assert inp.musig == ((agg, b"".join(parts)),), name
            assert inp.amount == 100000000 and inp.script == b"\x51\x20" + agg[1:]
            nonces.append(inp.pub_nonces)
            # Not our wallet: the review must refuse it, naming the input.
            other = Wallet(h2b("11" * 32), h2b("02" + "22" * 32), [], None, "main")
            from bioshard_card.btc.review import review
            try:
                review(p, other)
            except PSBTError as e:
                assert e.reason == "input 0: Taproot input not ours"
            else:
                raise AssertionError("foreign PSBT accepted")
    assert nonces == [0, 3]
