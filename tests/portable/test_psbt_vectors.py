# heapsize: 100k
# The card's PSBT parser against the official BIP test vectors copied into tests/psbt_corpus/:
# BIP-174 and BIP-371 invalid PSBTs (each refused, with the reason our parser gives), BIP-371
# and BIP-373 valid PSBTs (parsed, their Taproot and MuSig2 fields read correctly).
import gc

from ptest import repo_path, h2b

from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.review import Wallet

CORPUS = "tests/psbt_corpus/"


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


def test_tap_tree_must_be_one_complete_tree_in_dfs_order():
    # Leaf depths of PSBT_OUT_TAP_TREE (BIP-371), judged as rust-bitcoin's TaprootBuilder does.
    from bioshard_card.btc.compact import Reader
    from bioshard_card.btc.psbt_checks import tap_tree

    def ok(depths):
        try:
            tap_tree(Reader(b"".join(bytes((d, 0xC0, 1, 0x51)) for d in depths)))
            return True
        except PSBTError:
            return False

    for good in ([0], [1, 1], [1, 2, 2], [2, 2, 1], [2, 2, 2, 2], [3, 3, 2, 1], [1, 3, 3, 2]):
        assert ok(good), good
    for bad in ([1], [1, 1, 1], [0, 0], [2, 1, 2], [1, 2], [129]):
        assert not ok(bad), bad
