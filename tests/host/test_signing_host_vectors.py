"""The official BIP-327 and BIP-340 vectors against the host's coincurve-backed implementation
(host/bioshard/signing.py): the portable vector tests re-run with the host module in place of
the card's musig2 module, so both implementations meet the same official answers."""
import pytest

import test_bip340_vectors as tv340
import test_musig2_vectors as tv327
from bioshard import signing

VECTOR_TESTS = sorted(n for n in dir(tv327) if n.startswith("test_"))


@pytest.mark.parametrize("name", VECTOR_TESTS)
def test_bip327_vectors_on_host(name, monkeypatch):
    monkeypatch.setattr(tv327, "m", signing)
    getattr(tv327, name)()


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
