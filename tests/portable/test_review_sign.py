# heapsize: 100k
# The card's whole signing path in one heap: parse + review a PSBT, take the BIP-341
# sighash of each input, run a 2-of-2 MuSig2 session (card side: CardSigner; host side: the
# same BIP-327 code) with the Taproot tweak, and check the aggregate signature with BIP-340
# verify against the wallet's output key. The corpus wallet's keys are public test keys.
import gc
import hashlib

from ptest import IS_MICROPYTHON, repo_path, load_json, h2b

CORPUS = "tests/psbt_corpus/"


def _sk(label):
    return hashlib.sha256(b"bioshard corpus " + label).digest()


def _read(name):
    import os

    path = repo_path(CORPUS + "valid/" + name)
    buf = bytearray(os.stat(path)[6])
    with open(path, "rb") as f:
        f.readinto(buf)
    return buf


def _review(w, parts, agg, out):
    from bioshard_card.btc.review import Wallet, review_psbt

    wallet = Wallet(out, agg, parts, h2b(w["card_key"]), w["network"])
    rv = review_psbt(_read("00_send_with_change.psbt"), wallet)
    assert rv.fee == 1410 and [o.change for o in rv.outputs] == [False, True]
    return [rv.sighash(i) for i in range(len(rv.psbt.inputs))]


def _unload_btc():
    import sys

    import bioshard_card

    for name in list(sys.modules):
        if name.startswith("bioshard_card.btc"):
            del sys.modules[name]
    if hasattr(bioshard_card, "btc"):
        delattr(bioshard_card, "btc")


def test_review_then_musig2_sign_every_input():
    w = load_json(repo_path(CORPUS + "wallet.json"))
    parts = [h2b(k) for k in w["participants"]]
    agg, out = h2b(w["agg_key"]), h2b(w["output_key"])
    msgs = _review(w, parts, agg, out)
    gc.collect()
    assert len(msgs) == 2 and msgs[0] != msgs[1]
    # What the app does too: once the sighashes are taken, the PSBT stack is dropped so the
    # signing code has the heap (even as .mpy the two do not fit side by side in 100 KB on the
    # 64-bit unix port, whose objects are twice the ESP32's size; frozen into flash they would).
    # Only on MicroPython: under pytest, unloading would give later tests a second copy of the
    # btc classes (PSBTError would no longer match).
    if IS_MICROPYTHON:
        _unload_btc()
    gc.collect()

    from bioshard_card.crypto import musig2, bip340
    from bioshard_card.crypto.card_signer import CardSigner
    from bioshard_card.crypto.hashes import tagged_hash

    a_sk, b_sk = _sk(b"host A"), _sk(b"card B")
    a_pk = musig2.individual_pk(a_sk)
    tweak = tagged_hash("TapTweak", agg[1:])  # BIP-341 key-path tweak, no script tree
    card = CardSigner(b_sk)
    assert card.pubkey == h2b(w["card_key"])
    for msg in msgs:
        gc.collect()
        card_nonce = card.nonce_gen(parts, msg, [tweak], [True])
        host_sec, host_nonce = musig2.nonce_gen(a_sk, a_pk, out, msg, None)
        aggnonce = musig2.nonce_agg([host_nonce, card_nonce])
        ctx = musig2.SessionContext(aggnonce, parts, [tweak], [True], msg)
        sig = musig2.partial_sig_agg([musig2.sign(host_sec, a_sk, ctx), card.sign(aggnonce)], ctx)
        assert bip340.verify(msg, out, sig)
        bad = bytearray(sig)
        bad[5] ^= 1
        assert not bip340.verify(msg, out, bytes(bad))
