# heapsize: 2m
# BIP-327 MuSig2: every official vector file, including all error cases, on the card's code.
# The assertions mirror the BIP's own test driver (bips/bip-0327/reference.py).
from ptest import h2b, load_json, vector_path

from bioshard_card.crypto import musig2 as m
from bioshard_card.crypto import secp256k1 as ec


def _load(name):
    return load_json(vector_path("bip327/" + name))


def _hexes(lst):
    return [h2b(x) for x in lst]


def _check_error(case, fn):
    err = case["error"]
    try:
        fn()
    except m.InvalidContributionError as e:
        assert err["type"] == "invalid_contribution", (case, e)
        assert e.signer == err["signer"], (case, e.signer)
        if "contrib" in err:
            assert e.contrib == err["contrib"], (case, e.contrib)
        return
    except ValueError as e:
        assert err["type"] == "value", (case, e)
        assert str(e) == err["message"], (case, str(e))
        return
    raise AssertionError("no error raised: %r" % (case,))


def test_key_sort():
    d = _load("key_sort_vectors.json")
    assert m.key_sort(_hexes(d["pubkeys"])) == _hexes(d["sorted_pubkeys"])


def test_key_agg():
    d = _load("key_agg_vectors.json")
    X = _hexes(d["pubkeys"])
    T = _hexes(d["tweaks"])
    for case in d["valid_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        assert m.get_xonly_pk(m.key_agg(pubkeys)) == h2b(case["expected"])
    assert len(d["error_test_cases"]) >= 4
    for case in d["error_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        tweaks = [T[i] for i in case["tweak_indices"]]
        _check_error(case, lambda: m.key_agg_and_tweak(pubkeys, tweaks, case["is_xonly"]))


def _maybe(case, k):
    return None if case[k] is None else h2b(case[k])


def test_nonce_gen():
    d = _load("nonce_gen_vectors.json")
    for case in d["test_cases"]:
        sec, pub = m.nonce_gen_internal(h2b(case["rand_"]), _maybe(case, "sk"), h2b(case["pk"]),
                                        _maybe(case, "aggpk"), _maybe(case, "msg"),
                                        _maybe(case, "extra_in"))
        assert bytes(sec) == h2b(case["expected_secnonce"])
        assert pub == h2b(case["expected_pubnonce"])


def test_nonce_agg():
    d = _load("nonce_agg_vectors.json")
    pn = _hexes(d["pnonces"])
    for case in d["valid_test_cases"]:
        assert m.nonce_agg([pn[i] for i in case["pnonce_indices"]]) == h2b(case["expected"])
    assert len(d["error_test_cases"]) >= 3
    for case in d["error_test_cases"]:
        _check_error(case, lambda: m.nonce_agg([pn[i] for i in case["pnonce_indices"]]))


def test_sign_verify():
    d = _load("sign_verify_vectors.json")
    sk = h2b(d["sk"])
    X = _hexes(d["pubkeys"])
    assert X[0] == m.individual_pk(sk)
    secnonces = _hexes(d["secnonces"])
    pn = _hexes(d["pnonces"])
    k1 = int.from_bytes(secnonces[0][0:32], "big")
    k2 = int.from_bytes(secnonces[0][32:64], "big")
    assert pn[0] == ec.cbytes(ec.mul_g(k1)) + ec.cbytes(ec.mul_g(k2))
    aggnonces = _hexes(d["aggnonces"])
    assert aggnonces[0] == m.nonce_agg([pn[0], pn[1], pn[2]])
    assert aggnonces[1] == m.nonce_agg([pn[0], pn[3]])
    msgs = _hexes(d["msgs"])
    for case in d["valid_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        pubnonces = [pn[i] for i in case["nonce_indices"]]
        aggnonce = aggnonces[case["aggnonce_index"]]
        assert m.nonce_agg(pubnonces) == aggnonce
        msg = msgs[case["msg_index"]]
        expected = h2b(case["expected"])
        ctx = m.SessionContext(aggnonce, pubkeys, [], [], msg)
        # Test-only copy of the secnonce: a real signer must never reuse one.
        assert m.sign(bytearray(secnonces[0]), sk, ctx) == expected
        assert m.partial_sig_verify(expected, pubnonces, pubkeys, [], [], msg, case["signer_index"])
    for case in d["sign_error_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        ctx = m.SessionContext(aggnonces[case["aggnonce_index"]], pubkeys, [], [],
                               msgs[case["msg_index"]])
        secnonce = bytearray(secnonces[case["secnonce_index"]])
        _check_error(case, lambda: m.sign(secnonce, sk, ctx))
    for case in d["verify_fail_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        pubnonces = [pn[i] for i in case["nonce_indices"]]
        assert not m.partial_sig_verify(h2b(case["sig"]), pubnonces, pubkeys, [], [],
                                        msgs[case["msg_index"]], case["signer_index"])
    for case in d["verify_error_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        pubnonces = [pn[i] for i in case["nonce_indices"]]
        _check_error(case, lambda: m.partial_sig_verify(
            h2b(case["sig"]), pubnonces, pubkeys, [], [], msgs[case["msg_index"]],
            case["signer_index"]))


def test_tweak():
    d = _load("tweak_vectors.json")
    sk = h2b(d["sk"])
    X = _hexes(d["pubkeys"])
    assert X[0] == m.individual_pk(sk)
    secnonce = h2b(d["secnonce"])
    pn = _hexes(d["pnonces"])
    aggnonce = h2b(d["aggnonce"])
    assert aggnonce == m.nonce_agg([pn[0], pn[1], pn[2]])
    tw = _hexes(d["tweaks"])
    msg = h2b(d["msg"])
    for case in d["valid_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        pubnonces = [pn[i] for i in case["nonce_indices"]]
        tweaks = [tw[i] for i in case["tweak_indices"]]
        ctx = m.SessionContext(aggnonce, pubkeys, tweaks, case["is_xonly"], msg)
        expected = h2b(case["expected"])
        assert m.sign(bytearray(secnonce), sk, ctx) == expected
        assert m.partial_sig_verify(expected, pubnonces, pubkeys, tweaks, case["is_xonly"], msg,
                                    case["signer_index"])
    for case in d["error_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        tweaks = [tw[i] for i in case["tweak_indices"]]
        ctx = m.SessionContext(aggnonce, pubkeys, tweaks, case["is_xonly"], msg)
        _check_error(case, lambda: m.sign(bytearray(secnonce), sk, ctx))


def test_det_sign():
    d = _load("det_sign_vectors.json")
    sk = h2b(d["sk"])
    X = _hexes(d["pubkeys"])
    assert X[0] == m.individual_pk(sk)
    msgs = _hexes(d["msgs"])
    for case in d["valid_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        other = h2b(case["aggothernonce"])
        tweaks = _hexes(case["tweaks"])
        msg = msgs[case["msg_index"]]
        pubnonce, psig = m.deterministic_sign(sk, other, pubkeys, tweaks, case["is_xonly"], msg,
                                              _maybe(case, "rand"))
        expected = _hexes(case["expected"])
        assert pubnonce == expected[0]
        assert psig == expected[1]
        ctx = m.SessionContext(m.nonce_agg([other, pubnonce]), pubkeys, tweaks,
                               case["is_xonly"], msg)
        assert m.partial_sig_verify_internal(psig, pubnonce, pubkeys[case["signer_index"]], ctx)
    for case in d["error_test_cases"]:
        pubkeys = [X[i] for i in case["key_indices"]]
        _check_error(case, lambda: m.deterministic_sign(
            sk, h2b(case["aggothernonce"]), pubkeys, _hexes(case["tweaks"]), case["is_xonly"],
            msgs[case["msg_index"]], _maybe(case, "rand")))


def test_sig_agg():
    from bioshard_card.crypto import bip340

    d = _load("sig_agg_vectors.json")
    X = _hexes(d["pubkeys"])
    pn = _hexes(d["pnonces"])
    tw = _hexes(d["tweaks"])
    ps = _hexes(d["psigs"])
    msg = h2b(d["msg"])
    for case in d["valid_test_cases"]:
        aggnonce = h2b(case["aggnonce"])
        assert aggnonce == m.nonce_agg([pn[i] for i in case["nonce_indices"]])
        pubkeys = [X[i] for i in case["key_indices"]]
        tweaks = [tw[i] for i in case["tweak_indices"]]
        ctx = m.SessionContext(aggnonce, pubkeys, tweaks, case["is_xonly"], msg)
        sig = m.partial_sig_agg([ps[i] for i in case["psig_indices"]], ctx)
        assert sig == h2b(case["expected"])
        aggpk = m.get_xonly_pk(m.key_agg_and_tweak(pubkeys, tweaks, case["is_xonly"]))
        assert bip340.verify(msg, aggpk, sig)
    for case in d["error_test_cases"]:
        aggnonce = m.nonce_agg([pn[i] for i in case["nonce_indices"]])
        pubkeys = [X[i] for i in case["key_indices"]]
        tweaks = [tw[i] for i in case["tweak_indices"]]
        ctx = m.SessionContext(aggnonce, pubkeys, tweaks, case["is_xonly"], msg)
        _check_error(case, lambda: m.partial_sig_agg([ps[i] for i in case["psig_indices"]], ctx))
