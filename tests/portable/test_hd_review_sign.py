# heapsize: 2m
# The card's HD path on the card's interpreter: review an HD spend (tests/psbt_corpus/hd,
# built by the host from the corpus wallet's keys), find the children it spends and pays
# change to, then sign every input as the stateless last signer with the derivation + Taproot
# tweaks the review derived, and check the aggregate signature with BIP-340 verify against the
# input's own output key.
import gc
import hashlib

from ptest import h2b, load_json, repo_path


def _sk(label):
    return hashlib.sha256(b"bioshard corpus " + label).digest()


def _read(name):
    import os

    path = repo_path("tests/psbt_corpus/hd/" + name)
    buf = bytearray(os.stat(path)[6])
    with open(path, "rb") as f:
        f.readinto(buf)
    return buf


def test_hd_review_then_sign_every_input():
    from bioshard_card.btc.review import Wallet, review_psbt
    from bioshard_card.crypto import bip340, musig2
    from bioshard_card.crypto.card_signer import CardSigner

    w = load_json(repo_path("tests/psbt_corpus/wallet.json"))
    parts = [h2b(k) for k in w["participants"]]
    wallet = Wallet(h2b(w["output_key"]), h2b(w["agg_key"]), parts, h2b(w["card_key"]), w["network"])
    rv = review_psbt(_read("spend.psbt"), wallet)
    assert rv.paths == [(0, 2), (1, 0)]
    assert [(o.change, o.path) for o in rv.outputs] == [(False, None), (True, (1, 1))]
    assert rv.fee == 80000 + 25000 - 70000 - 33600
    assert "(change #1)" in rv.lines()
    a_sk, b_sk = _sk(b"host A"), _sk(b"card B")
    a_pk = musig2.individual_pk(a_sk)
    card = CardSigner(b_sk)
    for i in range(2):
        gc.collect()
        msg = rv.sighash(i)
        tweaks, is_xonly = rv.session_tweaks(i)
        assert is_xonly == [False, False, True]
        out_key = rv.psbt.inputs[i].script[2:]
        aggpk = musig2.get_xonly_pk(musig2.key_agg_and_tweak(parts, tweaks, is_xonly))
        assert aggpk == out_key  # the card's tweaks lead to the key the input pays
        host_sec, host_nonce = musig2.nonce_gen(a_sk, a_pk, aggpk, msg, None)
        card_nonce, card_psig = card.deterministic_sign(host_nonce, parts, msg, tweaks, is_xonly)
        aggnonce = musig2.nonce_agg([host_nonce, card_nonce])
        ctx = musig2.SessionContext(aggnonce, parts, tweaks, is_xonly, msg)
        sig = musig2.partial_sig_agg([musig2.sign(host_sec, a_sk, ctx), card_psig], ctx)
        assert bip340.verify(msg, out_key, sig)
