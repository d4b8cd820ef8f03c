# heapsize: 2m
# BIP-341 wallet vectors, the parts that are the signing core's: tweaks, output keys and
# scripts, script-tree hashes and control blocks, tweaked secret keys and key-path signatures
# from the given sighashes. (Computing those sighashes from the transaction is btc/sighash.py's
# job and is tested there; addresses are checked when btc/address.py is present.)
from ptest import h2b, load_json, vector_path

from bioshard_card.crypto import bip340, taproot


def _tree(t):
    if t is None:
        return None
    if isinstance(t, dict):
        return {"script": h2b(t["script"]), "leafVersion": t["leafVersion"]}
    return [_tree(t[0]), _tree(t[1])]


def _address(script):
    try:
        from bioshard_card.btc.address import script_to_address
    except ImportError:
        return None
    return script_to_address(script, "main")


def test_script_pubkey_vectors():
    d = load_json(vector_path("bip341/wallet-test-vectors.json"))
    cases = d["scriptPubKey"]
    assert len(cases) >= 7
    for case in cases:
        internal = h2b(case["given"]["internalPubkey"])
        tree = _tree(case["given"]["scriptTree"])
        inter = case["intermediary"]
        root = None
        paths = []
        if tree is not None:
            root, paths = taproot.tree_hashes(tree)
            assert [h for h, _ in paths] == [h2b(x) for x in inter["leafHashes"]]
            assert root == h2b(inter["merkleRoot"])
        else:
            assert inter["merkleRoot"] is None
        assert taproot.tap_tweak(internal, root) == h2b(inter["tweak"])
        assert taproot.output_key(internal, root)[0] == h2b(inter["tweakedPubkey"])
        script = taproot.output_script(internal, root)
        assert script == h2b(case["expected"]["scriptPubKey"])
        addr = _address(script)
        if addr is not None:
            assert addr == case["expected"]["bip350Address"]
        if tree is not None:
            blocks = [taproot.control_block(internal, root, p, lv)
                      for (_, p), lv in zip(paths, _leaf_versions(tree))]
            assert blocks == [h2b(x) for x in case["expected"]["scriptPathControlBlocks"]]


def _leaf_versions(t):
    if isinstance(t, dict):
        return [t["leafVersion"]]
    return _leaf_versions(t[0]) + _leaf_versions(t[1])


def test_key_path_spending_vectors():
    d = load_json(vector_path("bip341/wallet-test-vectors.json"))
    n = 0
    for tx in d["keyPathSpending"]:
        for inp in tx["inputSpending"]:
            g = inp["given"]
            inter = inp["intermediary"]
            sk = h2b(g["internalPrivkey"])
            root = None if g["merkleRoot"] is None else h2b(g["merkleRoot"])
            assert bip340.pubkey_gen(sk) == h2b(inter["internalPubkey"])
            assert taproot.tap_tweak(h2b(inter["internalPubkey"]), root) == h2b(inter["tweak"])
            tsk = taproot.tweak_seckey(sk, root)
            assert tsk == h2b(inter["tweakedPrivkey"])
            sig = bip340.sign(h2b(inter["sigHash"]), tsk, bytes(32))
            if g["hashType"] != 0:
                sig += bytes((g["hashType"],))
            assert sig == h2b(inp["expected"]["witness"][0])
            n += 1
    assert n >= 7
