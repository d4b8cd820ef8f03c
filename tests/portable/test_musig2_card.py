# heapsize: 100k
# The card's signing path (CardSigner) inside the ESP32-WROOM heap: a full 2-of-2 session
# against a host party, nonce single use, session binding, and the stateless last-signer path.
from ptest import raises

from bioshard_card.crypto import bip340, musig2, taproot
from bioshard_card.crypto.card_signer import CardSigner, SessionError
from bioshard_card.crypto.kdf import card_share

HOST_SK = b"\x11" * 31 + b"\x07"
MSG = b"\x42" * 32


def _setup():
    card = CardSigner(card_share(b"fingerprint-derived secret B...."))
    host_pk = musig2.individual_pk(HOST_SK)
    pubkeys = musig2.key_sort([host_pk, card.pubkey])
    return card, host_pk, pubkeys


def _host_round1(host_pk, pubkeys, tweaks, is_xonly):
    aggpk = musig2.get_xonly_pk(musig2.key_agg_and_tweak(pubkeys, tweaks, is_xonly))
    return musig2.nonce_gen(HOST_SK, host_pk, aggpk, MSG, None)


def _session(tweaks, is_xonly):
    card, host_pk, pubkeys = _setup()
    host_sec, host_pub = _host_round1(host_pk, pubkeys, tweaks, is_xonly)
    card_pub = card.nonce_gen(pubkeys, MSG, tweaks, is_xonly)
    assert card.has_nonce
    aggnonce = musig2.nonce_agg([host_pub, card_pub])
    card_psig = card.sign(aggnonce)
    assert not card.has_nonce
    ctx = musig2.SessionContext(aggnonce, pubkeys, tweaks, is_xonly, MSG)
    host_psig = musig2.sign(host_sec, HOST_SK, ctx)
    i_card = pubkeys.index(card.pubkey)
    pubnonces = [None, None]
    pubnonces[i_card] = card_pub
    pubnonces[1 - i_card] = host_pub
    assert musig2.partial_sig_verify(card_psig, pubnonces, pubkeys, tweaks, is_xonly, MSG, i_card)
    psigs = [None, None]
    psigs[i_card] = card_psig
    psigs[1 - i_card] = host_psig
    sig = musig2.partial_sig_agg(psigs, ctx)
    aggpk = musig2.get_xonly_pk(musig2.key_agg_and_tweak(pubkeys, tweaks, is_xonly))
    return card, aggnonce, sig, aggpk


def test_full_session_gives_valid_bip340_signature():
    _, _, sig, aggpk = _session([], [])
    assert bip340.verify(MSG, aggpk, sig)
    assert not bip340.verify(b"\x43" * 32, aggpk, sig)


def test_full_session_with_taproot_tweak():
    _, host_pk, pubkeys = _setup()
    internal = musig2.get_xonly_pk(musig2.key_agg(pubkeys))
    tweak = taproot.tap_tweak(internal)
    _, _, sig, aggpk = _session([tweak], [True])
    assert aggpk == taproot.output_key(internal)[0]
    assert bip340.verify(MSG, aggpk, sig)


def test_second_sign_with_same_nonce_is_refused():
    card, aggnonce, _, _ = _session([], [])
    e = raises(SessionError, card.sign, aggnonce)
    assert "nonce" in str(e)


def test_nonce_gen_replaces_and_erases_the_previous_nonce():
    card, _, pubkeys = _setup()
    p1 = card.nonce_gen(pubkeys, MSG)
    old = card._secnonce
    p2 = card.nonce_gen(pubkeys, MSG)
    assert p1 != p2  # fresh randomness every time, even for the same message
    assert bytes(old) == bytes(len(old))


def test_nonce_is_erased_even_when_sign_fails():
    card, _, pubkeys = _setup()
    card.nonce_gen(pubkeys, MSG)
    buf = card._secnonce
    raises(musig2.InvalidContributionError, card.sign, b"\x04" + b"\x00" * 65)
    assert bytes(buf) == bytes(len(buf))
    raises(SessionError, card.sign, b"\x00" * 66)


def test_card_refuses_a_session_without_its_key():
    card, host_pk, _ = _setup()
    raises(SessionError, card.nonce_gen, [host_pk, musig2.individual_pk(b"\x22" * 32)], MSG)


def test_deterministic_sign_last_signer():
    card, host_pk, pubkeys = _setup()
    host_sec, host_pub = _host_round1(host_pk, pubkeys, [], [])
    card_pub, card_psig = card.deterministic_sign(host_pub, pubkeys, MSG)
    aggnonce = musig2.nonce_agg([host_pub, card_pub])
    ctx = musig2.SessionContext(aggnonce, pubkeys, [], [], MSG)
    host_psig = musig2.sign(host_sec, HOST_SK, ctx)
    assert musig2.partial_sig_verify_internal(card_psig, card_pub, card.pubkey, ctx)
    sig = musig2.partial_sig_agg([host_psig, card_psig], ctx)
    assert bip340.verify(MSG, musig2.get_xonly_pk(musig2.key_agg(pubkeys)), sig)


def test_wipe_erases_the_key():
    card, _, pubkeys = _setup()
    sk = card._sk
    card.nonce_gen(pubkeys, MSG)
    card.wipe()
    assert bytes(sk) == bytes(32)
    assert not card.has_nonce
