"""The HD wallet (BIP-328 / BIP-390 `tr(musig(A,B)/<0;1>/*)`): addresses checked against
btclib's musig() descriptors, spends from several children with change to a child, signed by
the card's own review + CardSigner (run here under CPython) and the host's libsecp256k1 side,
the final transaction checked by embit's sighash + libsecp256k1 (coincurve) and by btclib."""
import hashlib
import struct

import pytest
from coincurve import PrivateKey, PublicKeyXOnly

from bioshard.cosign import cosign
from bioshard.wallet import psbt_io
from bioshard.wallet.descriptor import Descriptor, checksum
from bioshard.wallet.psbt_build import HdUtxo, build_hd
from bioshard_card.btc import hd
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.review import Wallet, review_psbt

D = pytest.importorskip("btclib_wallet.descriptors.descriptors")
embit_tx = pytest.importorskip("embit.transaction")
embit_script = pytest.importorskip("embit.script")

A_SK = hashlib.sha256(b"bioshard hd test host A").digest()
B_SK = hashlib.sha256(b"bioshard hd test card B").digest()
A = PrivateKey(A_SK).public_key.format()
B = PrivateKey(B_SK).public_key.format()
BTCLIB_NET = {"main": "mainnet", "test": "testnet", "signet": "signet", "regtest": "regtest"}


def _btclib(desc, net):
    receive, change = D.multipath_descriptors(str(desc))
    return D.parse(receive, BTCLIB_NET[net]), D.parse(change, BTCLIB_NET[net])


@pytest.mark.parametrize("net", ["main", "regtest", "test", "signet"])
def test_hd_addresses_are_btclibs(net):
    desc = Descriptor.hd_from_keys([A, B], net)
    text = str(desc)
    assert text.startswith("tr(musig(") and "/<0;1>/*)#" in text
    assert D.checksum(text.split("#")[0]) == checksum(text.split("#")[0]) == text.split("#")[1]
    receive, change = _btclib(desc, net)
    seen = set()
    for i in range(6):
        r, c = desc.address(i, False, net), desc.address(i, True, net)
        assert r == receive.address(i) and c == change.address(i)
        seen |= {r, c}
    assert len(seen) == 12  # every index, both branches: distinct
    assert Descriptor(text).is_hd() and not Descriptor.from_keys([A, B]).is_hd()


def test_card_derives_the_same_children():
    desc = Descriptor.hd_from_keys([A, B])
    children = hd.Children(desc.musig_aggregate())
    for path in ((0, 0), (0, 7), (1, 0), (1, 1)):
        assert children.script(path) == desc.script(path[1], bool(path[0]))
        tweaks, is_xonly = children.tweaks(path)
        assert tweaks[:2] == desc.derivation_tweaks(path[1], bool(path[0])) and is_xonly == [False, False, True]
    # the base (single-key) wallet is not one of the children
    assert desc.single_key().script() not in {children.script((b, i)) for b in (0, 1) for i in range(4)}


class CardSide:
    """The card's `sign` RPC without the fingerprint flow: its own review, then CardSigner as
    the stateless last signer with the tweaks the review derived."""

    def __init__(self, parts, network="regtest"):
        from bioshard.wallet.keyagg import wallet_keys

        _, agg, out = wallet_keys(parts)
        self.wallet = Wallet(out, agg, sorted(parts), B, network)
        self.reviews = []

    def call(self, method, params, timeout=None):
        from bioshard_card.crypto.card_signer import CardSigner

        assert method == "sign"
        rv = review_psbt(params["psbt"], self.wallet)
        self.reviews.append(rv)
        signer = CardSigner(B_SK)
        nonces, psigs = [], []
        for i, other in enumerate(params["nonces"]):
            tweaks, is_xonly = rv.session_tweaks(i)
            n, s = signer.deterministic_sign(other, self.wallet.participants, rv.sighash(i), tweaks, is_xonly)
            nonces.append(n)
            psigs.append(s)
        return {"nonces": nonces, "psigs": psigs}


def _verify_final(raw, spent):
    """Every witness signature against embit's BIP-341 sighash, with libsecp256k1."""
    tx = embit_tx.Transaction.parse(raw)
    for i, inp in enumerate(tx.vin):
        sig = inp.witness.items[0]
        msg = tx.sighash_taproot(i, [embit_script.Script(s) for _, s in spent], [a for a, _ in spent])
        assert PublicKeyXOnly(spent[i][1][2:]).verify(sig[:64], msg)
    return tx


def _spend(desc, with_legacy=True):
    utxos = [HdUtxo(hashlib.sha256(b"r0").hexdigest(), 0, 60_000, desc, 0),
             HdUtxo(hashlib.sha256(b"r3").hexdigest(), 1, 40_000, desc, 3)]
    if with_legacy:
        utxos.append(HdUtxo(hashlib.sha256(b"old").hexdigest(), 2, 10_000, desc, 0, legacy=True))
    dest = bytes.fromhex("0014") + hashlib.sha256(b"friend").digest()[:20]
    total = sum(u.amount for u in utxos)
    p = build_hd(desc, utxos, [(dest, 50_000)], change=(total - 50_000 - 900, 1))
    return p, [(u.amount, u.script) for u in utxos]


def test_hd_spend_with_change_to_index_1_signed_and_verified():
    desc = Descriptor.hd_from_keys([A, B], "regtest")
    p, spent = _spend(desc)
    card = CardSide([A, B])
    signed, raw = cosign(card, p.serialize(), A_SK, B, b"blob")
    rv = card.reviews[0]
    assert rv.paths == [(0, 0), (0, 3), None]
    from bioshard_card.btc.signing import session_params

    params = session_params(rv, card.wallet)
    assert [p[3] for p in params] == [[False, False, True], [False, False, True], [True]]
    assert params[1][2][:2] == desc.derivation_tweaks(3, False)
    assert [(o.change, o.path) for o in rv.outputs] == [(False, None), (True, (1, 1))]
    assert "(change #1)" in rv.lines()
    # the card's panel: the change page names the child it derived
    from bioshard_card.ui import screens
    from bioshard_card.ui.canvas import Canvas
    from bioshard_card.ui.review import pages

    outs = [args for fn, args in pages(rv) if fn is screens.sign_output]
    assert [a[4] for a in outs] == [False, "change #1"]
    for label in ("change #1", "change #99999"):  # the longest index is drawn too
        screens.sign_output(Canvas(), 2, 2, outs[1][2], outs[1][3], label, 2, 4)
    tx = _verify_final(raw, spent)
    assert tx.vout[1].script_pubkey.data == desc.script(1, True)
    assert desc.address(1, True, "regtest") == _btclib(desc, "regtest")[1].address(1)


def test_card_refuses_an_input_that_does_not_derive_from_the_wallet():
    desc = Descriptor.hd_from_keys([A, B], "regtest")
    p, _ = _spend(desc, with_legacy=False)
    # claim receive #3's script is receive #2 (path rewritten, script kept)
    m = p.inputs[1]
    k = next(k for k in m if k[:1] == b"\x16" and len(m[k]) == 13)  # the child's own derivation
    m[k] = m[k][:-4] + struct.pack("<I", 2)
    wallet = CardSide([A, B]).wallet
    with pytest.raises(PSBTError, match="input 1: Taproot input not ours"):
        review_psbt(psbt_io.for_card(p), wallet)
    # a stranger's Taproot output with a derivation field is not ours either
    other = Descriptor.hd_from_keys([A, PrivateKey(b"\x07" * 32).public_key.format()], "regtest")
    p2, _ = _spend(other, with_legacy=False)
    with pytest.raises(PSBTError, match="input 0: Taproot input not ours"):
        review_psbt(psbt_io.for_card(p2), wallet)


def test_card_refuses_fake_and_far_change():
    desc = Descriptor.hd_from_keys([A, B], "regtest")
    wallet = CardSide([A, B]).wallet
    p, _ = _spend(desc, with_legacy=False)
    # change fields (our aggregate, path 1/1) on an output that pays someone else
    tx = p.tx
    tx.outputs[1].script = b"\x51\x20" + hashlib.sha256(b"thief").digest()
    p.global_map[b"\x00"] = tx.serialize()
    with pytest.raises(PSBTError, match="output 1: change claimed but not ours"):
        review_psbt(psbt_io.for_card(p), wallet)
    # change to a child no wallet scanning with a gap limit would find
    far = hd.MAX_INDEX + 5
    utxo = HdUtxo(hashlib.sha256(b"r0").hexdigest(), 0, 60_000, desc, 0)
    p = build_hd(desc, [utxo], [], change=(59_000, far))
    with pytest.raises(PSBTError, match="output 0: change to index %d" % far):
        review_psbt(psbt_io.for_card(p), wallet)


def test_btclib_reads_our_hd_psbt_as_its_own_descriptor_would_write_it():
    """btclib's BIP-373 session reader finds the same derivation and session key we do."""
    from btclib_wallet.psbt import musig2 as bt_musig
    from btclib_wallet.psbt.psbt import Psbt

    desc = Descriptor.hd_from_keys([A, B], "regtest")
    p, _ = _spend(desc, with_legacy=False)
    bp = Psbt.parse(p.serialize())
    from bioshard.wallet import musig_psbt

    for i in range(2):
        parts = bt_musig._session_parts(bp, i, desc.musig_aggregate(), b"")
        agg, _, tweaks, is_xonly, q, path = musig_psbt.session_keys(p, i)
        assert parts.tweaks == tweaks and parts.is_xonly == is_xonly and parts.tweaked_pub_key == q


def test_committed_hd_corpus_psbt_is_what_the_host_builds():
    """tests/psbt_corpus/hd/spend.psbt (reviewed and signed under MicroPython by
    tests/portable/test_hd_review_sign.py) is the host builder's output, not a hand-made file."""
    import importlib.util
    from pathlib import Path

    here = Path(__file__).resolve().parents[1] / "psbt_corpus"
    spec = importlib.util.spec_from_file_location("gen_hd", here / "gen_hd.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert (here / "hd" / "spend.psbt").read_bytes() == gen.build()


def test_hd_child_needs_its_internal_key():
    """Without PSBT_IN/OUT_TAP_INTERNAL_KEY naming it, a derivation is not tried: an input is
    then not ours, an output not change (so a PSBT cannot make the card derive many paths)."""
    desc = Descriptor.hd_from_keys([A, B], "regtest")
    wallet = CardSide([A, B]).wallet
    p, _ = _spend(desc, with_legacy=False)
    del p.outputs[1][b"\x05"]
    with pytest.raises(PSBTError, match="output 1: change claimed but not ours"):  # its musig fields
        review_psbt(psbt_io.for_card(p), wallet)
    for k in [k for k in p.outputs[1] if k[:1] == b"\x08"]:
        del p.outputs[1][k]
    rv = review_psbt(psbt_io.for_card(p), wallet)
    assert [o.change for o in rv.outputs] == [False, False]  # shown as a send: nothing hidden
    del p.inputs[0][b"\x17"]
    with pytest.raises(PSBTError, match="input 0: Taproot input not ours"):
        review_psbt(psbt_io.for_card(p), wallet)
