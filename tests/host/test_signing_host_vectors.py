"""The official BIP-327 and BIP-340 vectors on the host's signing path (host/bioshard/signing.py):
the card's one BIP-327 implementation on libsecp256k1 (ec_coincurve). The portable vector tests
re-run with the host module in place of the card's musig2 module, and with the card's
pure-Python curve arithmetic made to fail, so every answer comes from libsecp256k1."""
import pytest

import test_bip340_vectors as tv340
import test_musig2_vectors as tv327
from bioshard import ec_coincurve, signing
from bioshard_card.crypto import bip340
from bioshard_card.crypto import secp256k1 as card_ec

VECTOR_TESTS = sorted(n for n in dir(tv327) if n.startswith("test_"))


def _no_card_arithmetic(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the host signing path used the card's pure-Python arithmetic")

    for name in dir(card_ec):
        if not name.startswith("__") and callable(getattr(card_ec, name)):
            monkeypatch.setattr(card_ec, name, refuse)


@pytest.mark.parametrize("name", VECTOR_TESTS)
def test_bip327_vectors_on_host(name, monkeypatch):
    monkeypatch.setattr(tv327, "m", signing)
    monkeypatch.setattr(tv327, "ec", ec_coincurve)
    monkeypatch.setattr(bip340, "verify", signing.schnorr_verify)  # test_sig_agg's judge
    _no_card_arithmetic(monkeypatch)
    getattr(tv327, name)()


def test_the_guard_catches_the_card_backend(monkeypatch):
    """The check above can fail: the same protocol on the card's backend trips it."""
    from bioshard_card.crypto import musig2

    _no_card_arithmetic(monkeypatch)
    with pytest.raises(AssertionError, match="pure-Python arithmetic"):
        musig2.key_agg([signing.individual_pk(b"\x01" * 32)])


def test_host_session_on_libsecp256k1_only(monkeypatch):
    """A whole 2-of-2 session with both signers on the host path (the second one as the
    stateless last signer), judged by libsecp256k1's BIP-340 verifier."""
    from coincurve import PublicKeyXOnly

    _no_card_arithmetic(monkeypatch)
    a, b = b"\x05" * 32, b"\x06" * 32
    msg = b"\x42" * 32
    pk_b = signing.individual_pk(b)
    s = signing.TwoOfTwo(a, pk_b, msg, [b"\x07" * 32], [True])
    host_pub = s.host_nonce()
    b_pub, b_psig = signing.deterministic_sign(b, host_pub, s.pubkeys, s.tweaks, s.is_xonly, msg,
                                               None)
    s.aggregate_nonces(b_pub)
    sig = s.finish(b_psig)
    assert PublicKeyXOnly(s.aggpk).verify(sig, msg)


def test_bip340_vectors_on_libsecp256k1():
    rows = tv340._rows()
    checked = 0
    for index, sk, pk, aux, msg, sig, result, _ in rows:
        pk, msg, sig = bytes.fromhex(pk), bytes.fromhex(msg), bytes.fromhex(sig)
        if sk:
            assert signing.schnorr_sign(msg, bytes.fromhex(sk), bytes.fromhex(aux)) == sig, index
        try:
            ok = signing.schnorr_verify(msg, pk, sig)
        except ValueError:
            ok = False
        assert ok == (result == "TRUE"), index
        checked += 1
    assert checked >= 19
