"""Hypothesis properties of the 2-of-2 signing core, checked against libsecp256k1 (coincurve).

BIP-327 is implemented once (bioshard_card.crypto.musig2, with the curve backend pluggable); the
card runs it on its pure-Python secp256k1, the host (bioshard.signing) on libsecp256k1
(bioshard.ec_coincurve). So the judge here is libsecp256k1, never a second copy of the protocol:

* A random session between the host (bioshard.signing) and the card (CardSigner) always gives
  a signature that libsecp256k1's BIP-340 verifier accepts for the (tweaked) aggregate key, and
  the card's arithmetic gives the same intermediate values as libsecp256k1's.
* A tampered partial signature is rejected by partial_sig_verify (on both backends) and
  blamed on the party that sent it.
* The card's curve arithmetic, and every operation of the backend interface the protocol is
  written against, equal libsecp256k1's on random scalars and points.
"""
import pytest
from coincurve import PrivateKey, PublicKey, PublicKeyXOnly
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bioshard import ec_coincurve, signing
from bioshard_card.crypto import bip340, musig2, taproot
from bioshard_card.crypto import secp256k1 as ec
from bioshard_card.crypto.card_signer import CardSigner

N = ec.N
scalars = st.integers(min_value=1, max_value=N - 1)
seckeys = scalars.map(lambda d: d.to_bytes(32, "big"))
messages = st.binary(min_size=32, max_size=32)
# tweak plans: none, BIP-341 key-path only, BIP-32-style plain tweak then BIP-341
plans = st.sampled_from(["none", "taproot", "plain+taproot", "xonly-random"])
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _tweaks(plan, pubkeys, extra):
    if plan == "none":
        return [], []
    if plan == "xonly-random":
        return [extra], [True]
    tweaks, is_xonly = [], []
    if plan == "plain+taproot":
        tweaks, is_xonly = [extra], [False]
    internal = musig2.get_xonly_pk(musig2.key_agg_and_tweak(pubkeys, tweaks, is_xonly))
    return tweaks + [taproot.tap_tweak(internal)], is_xonly + [True]


def _open(host_sk, card_sk, msg, plan, extra):
    card = CardSigner(card_sk)
    pubkeys = musig2.key_sort([signing.individual_pk(host_sk), card.pubkey])
    tweaks, is_xonly = _tweaks(plan, pubkeys, extra)
    s = signing.TwoOfTwo(host_sk, card.pubkey, msg, tweaks, is_xonly)
    card_pub = card.nonce_gen(s.pubkeys, msg, tweaks, is_xonly)
    s.host_nonce()
    aggnonce = s.aggregate_nonces(card_pub)
    return card, s, aggnonce


@SETTINGS
@given(seckeys, seckeys, messages, plans, st.binary(min_size=32, max_size=32))
def test_random_session_verifies_under_libsecp256k1(host_sk, card_sk, msg, plan, extra):
    assume(host_sk != card_sk)
    card, s, aggnonce = _open(host_sk, card_sk, msg, plan, extra)
    # The card's arithmetic aggregates the nonces as libsecp256k1 does.
    assert musig2.nonce_agg(s.pubnonces) == aggnonce
    card_psig = card.sign(aggnonce)
    ctx = s.session_ctx()
    assert musig2.partial_sig_verify_internal(card_psig, s.pubnonces[s.card_index], card.pubkey, ctx)
    sig = s.finish(card_psig)
    aggpk = musig2.get_xonly_pk(musig2.key_agg_and_tweak(s.pubkeys, s.tweaks, s.is_xonly))
    assert aggpk == s.aggpk
    assert PublicKeyXOnly(aggpk).verify(sig, msg)  # libsecp256k1 is the judge
    assert bip340.verify(msg, aggpk, sig)
    if plan == "taproot":
        internal = musig2.get_xonly_pk(musig2.key_agg(s.pubkeys))
        assert aggpk == taproot.output_key(internal)[0]


@SETTINGS
@given(seckeys, seckeys, messages, plans, st.binary(min_size=32, max_size=32),
       st.integers(min_value=1, max_value=N - 1))
def test_tampered_card_psig_is_caught_and_blamed_on_the_card(host_sk, card_sk, msg, plan,
                                                               extra, delta):
    assume(host_sk != card_sk)
    card, s, aggnonce = _open(host_sk, card_sk, msg, plan, extra)
    good = card.sign(aggnonce)
    bad = ((int.from_bytes(good, "big") + delta) % N).to_bytes(32, "big")
    ctx = s.session_ctx()
    for impl in (musig2, signing):
        assert not impl.partial_sig_verify(bad, s.pubnonces, s.pubkeys, s.tweaks, s.is_xonly,
                                           msg, s.card_index)
        assert impl.partial_sig_verify(good, s.pubnonces, s.pubkeys, s.tweaks, s.is_xonly,
                                       msg, s.card_index)
    try:
        s.finish(bad)
    except musig2.InvalidContributionError as e:
        assert (e.signer, e.contrib) == (s.card_index, "psig")
    else:
        raise AssertionError("tampered card partial signature accepted")
    # A tampered *host* partial signature is blamed on the host's index.
    host_psig = signing.sign(s._secnonce, host_sk, ctx)
    psigs = [None, None]
    psigs[s.card_index] = good
    psigs[s.host_index] = ((int.from_bytes(host_psig, "big") + delta) % N).to_bytes(32, "big")
    try:
        signing.verified_partial_sig_agg(psigs, s.pubnonces, ctx)
    except musig2.InvalidContributionError as e:
        assert (e.signer, e.contrib) == (s.host_index, "psig")
    else:
        raise AssertionError("tampered host partial signature accepted")


@SETTINGS
@given(scalars, scalars)
@example(N - 1, 5)
def test_portable_arithmetic_equals_libsecp256k1(k, j):
    Pk = PrivateKey(k.to_bytes(32, "big")).public_key
    assert ec.cbytes(ec.mul_g(k)) == Pk.format()
    Q = ec.cpoint(Pk.format())
    assert ec.cbytes(ec.mul(Q, j)) == Pk.multiply(j.to_bytes(32, "big")).format()
    # j*G + j*Q = j*(1 + k)*G: infinity exactly when k = n - 1
    got = ec.mul_g_add(j, Q, j)
    if k == N - 1:
        assert got is None
    else:
        Pj = PrivateKey(j.to_bytes(32, "big")).public_key
        assert ec.cbytes(got) == PublicKey.combine_keys([Pj, Pk.multiply(j.to_bytes(32, "big"))]).format()


@SETTINGS
@given(scalars, scalars, scalars, st.booleans())
@example(1, 1, N - 6, True)  # 1*G + 5*G + (N-6)*G: a sum at infinity
@example(3, 2, 1, False)
def test_backend_interface_equals_libsecp256k1(s, j, k, skip_middle):
    """The card's curve backend (secp256k1) against the host's (ec_coincurve, libsecp256k1) on
    every operation the protocol uses, with sums at infinity and None (infinity) entries."""
    backends = (ec, ec_coincurve)

    def enc(be, pt):
        return None if pt is None else be.cbytes(pt)

    def same(fn):
        assert fn(ec) == fn(ec_coincurve)

    same(lambda be: enc(be, be.mul_g(j)))
    same(lambda be: [enc(be, pt) for pt in be.mul_g2(j, k)])
    same(lambda be: be.xbytes(be.mul_g(j)))
    same(lambda be: be.has_even_y(be.mul_g(j)))
    same(lambda be: enc(be, be.negate(be.mul_g(j))))
    same(lambda be: enc(be, be.cpoint(be.cbytes(be.mul_g(j)))))
    same(lambda be: (be.cpoint_ext(bytes(33)), be.cbytes_ext(None)))
    same(lambda be: enc(be, be.to_affine(be.jmul(be.mul_g(j), k))))
    # s*G + 5*(j*G) + 7*G + k*G, the middle term possibly infinity
    same(lambda be: enc(be, be.to_affine(be.jadd(be.jmul_g(s), be.jmul_multi(
        [be.mul_g(j), None if skip_middle else be.G, be.G], [5, 7, k])))))
    for be in backends:
        for bad in (bytes(33), b"\x04" + bytes(32), b"\x02" + b"\xff" * 32):
            with pytest.raises(ValueError, match="x is not a valid compressed point"):
                be.cpoint(bad)
        P = be.mul_g(j)
        assert be.jmul_multi([P, be.G], [N - 1, j]) is None  # sums at infinity
        assert be.jadd(be.to_jacobian(P), be.to_jacobian(be.negate(P))) is None
        assert be.jadd(be.jmul_g(s), None) is not None and be.jadd(None, None) is None


@SETTINGS
@given(seckeys, messages, st.binary(min_size=32, max_size=32))
def test_portable_bip340_equals_libsecp256k1(sk, msg, aux):
    sig = bip340.sign(msg, sk, aux)
    assert sig == PrivateKey(sk).sign_schnorr(msg, aux)
    assert PublicKeyXOnly(bip340.pubkey_gen(sk)).verify(sig, msg)


def test_card_second_sign_refused_even_with_host_help():
    card, s, aggnonce = _open(b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, "taproot", b"\x00" * 32)
    card.sign(aggnonce)
    try:
        card.sign(aggnonce)
    except ValueError as e:
        assert "nonce" in str(e)
    else:
        raise AssertionError("second sign with one nonce was allowed")
