"""The card's AES-CTR, HMAC, HKDF and secure-channel frames checked against independent
implementations (pyca/cryptography, the stdlib hmac module) on random inputs."""
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from bioshard_card.crypto.aes_ctr import aes256_ctr
from bioshard_card.crypto.hmac_sha256 import Hmac, ct_equal, hkdf, hmac_sha256
from bioshard_card.proto.secure_channel import ChannelError, session_channel, session_keys

key32 = st.binary(min_size=32, max_size=32)
nonce12 = st.binary(min_size=12, max_size=12)


def ref_ctr(key, nonce, counter, data):
    c = Cipher(algorithms.AES(key), modes.CTR(nonce + counter.to_bytes(4, "big"))).encryptor()
    return c.update(data) + c.finalize()


@settings(max_examples=150, deadline=None)
@given(key32, nonce12, st.integers(0, 2**32 - 64), st.binary(max_size=700))
def test_ctr_matches_cryptography(key, nonce, counter, data):
    assert aes256_ctr(key, nonce, data, counter) == ref_ctr(key, nonce, counter, data)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200), st.lists(st.binary(max_size=90), max_size=4))
def test_hmac_matches_stdlib(key, parts):
    want = hmac.new(key, b"".join(parts), hashlib.sha256).digest()
    assert hmac_sha256(key, b"".join(parts)) == want
    h = Hmac(key)
    for p in parts:
        h.update(p)
    assert h.digest() == want


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=80), st.binary(max_size=80), st.binary(max_size=80), st.integers(1, 255 * 32))
def test_hkdf_matches_cryptography(ikm, salt, info, n):
    want = HKDF(algorithm=hashes.SHA256(), length=n, salt=salt or None, info=info).derive(ikm)
    assert hkdf(ikm, salt, info, n) == want


@given(st.binary(max_size=40), st.binary(max_size=40))
def test_ct_equal_matches_compare_digest(a, b):
    assert ct_equal(a, b) == hmac.compare_digest(a, b)


@settings(max_examples=60, deadline=None)
@given(key32, st.binary(min_size=16, max_size=16), st.binary(min_size=16, max_size=16),
       st.lists(st.binary(max_size=300), min_size=1, max_size=5))
def test_channel_frames_rebuilt_independently(k_link, hn, cn, msgs):
    """Each frame equals dir||ctr||AES-CTR||HMAC[:16] built with cryptography + stdlib hmac."""
    h_enc, h_mac, c_enc, c_mac = session_keys(k_link, hn, cn)
    okm = HKDF(algorithm=hashes.SHA256(), length=128, salt=hn + cn, info=b"bioshard/session/v1").derive(k_link)
    assert h_enc + h_mac + c_enc + c_mac == okm
    host, card = session_channel("host", k_link, hn, cn), session_channel("card", k_link, hn, cn)
    for i, m in enumerate(msgs):
        for side, d, ke, km, peer in ((host, b"H", h_enc, h_mac, card), (card, b"C", c_enc, c_mac, host)):
            f = side.seal(m)
            header = d + i.to_bytes(8, "big")
            ct = ref_ctr(ke, d + b"\0\0\0" + i.to_bytes(8, "big"), 0, m)
            assert f == header + ct + hmac.new(km, header + ct, hashlib.sha256).digest()[:16]
            assert peer.open(f) == m


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64), st.data())
def test_channel_rejects_any_modification(msg, data):
    host, card = session_channel("host", bytes(32), bytes(16), bytes(16)), session_channel("card", bytes(32), bytes(16), bytes(16))
    f = host.seal(msg)
    g = data.draw(st.binary(max_size=len(f) + 8).filter(lambda x: x != f))
    try:
        card.open(g)
        raise AssertionError("a modified frame was accepted")
    except ChannelError:
        pass
    assert card.open(f) == msg  # the rejection left the state unchanged
