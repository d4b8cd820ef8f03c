"""Outputs that give their coins away (btc/script_risk.py) get a danger page the owner must
touch through on the card; nothing pays an empty or OP_TRUE script as an ordinary "Send to".

"Anyone can spend" is checked against python-bitcoinlib's script interpreter (code we did not
write): a script the card calls ANYONE is spent by a scriptSig that holds no signature, and a
push-only script is called ANYONE exactly when such a scriptSig spends it."""
import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bioshard_card.btc import script_risk
from bioshard_card.btc.script_risk import ANYONE, BURN, risk
from bioshard_card.flows import sign as sign_flow
from bioshard_card.flows.fingers import BUTTON, FINGER
from bioshard_card.proto import rpc

scripteval = pytest.importorskip("bitcoin.core.scripteval")
from bitcoin.core import CMutableTransaction, CMutableTxIn, CMutableTxOut, COutPoint  # noqa: E402
from bitcoin.core.script import CScript  # noqa: E402

_TX = CMutableTransaction([CMutableTxIn(COutPoint(b"\x11" * 32, 0))], [CMutableTxOut(0, CScript())])


def spendable_without_a_key(spk):
    """python-bitcoinlib: an empty scriptSig, or a lone OP_1, satisfies the script."""
    for sig in (b"", b"\x51"):
        try:
            scripteval.VerifyScript(CScript(sig), CScript(spk), _TX, 0, flags=(scripteval.SCRIPT_VERIFY_P2SH,))
            return True
        except Exception:
            pass
    return False


P2PKH = bytes.fromhex("76a914") + bytes(range(20)) + bytes.fromhex("88ac")
P2SH = bytes.fromhex("a914") + bytes(range(20)) + b"\x87"
P2WPKH = b"\x00\x14" + bytes(range(20))
P2TR = b"\x51\x20" + bytes(range(32))


@pytest.mark.parametrize("spk,kind", [
    (b"", ANYONE), (b"\x51", ANYONE), (b"\x60", ANYONE), (b"\x4f", ANYONE), (b"\x01\x05", ANYONE),
    (b"\x4c\x01\x05", ANYONE), (b"\x00\x51", ANYONE), (script_risk.P2A, ANYONE),
    (b"\x00", None), (b"\x01\x80", None), (b"\x02\x00\x00", None), (b"\x51\x00", None),
    (P2PKH, None), (P2SH, None), (P2WPKH, None), (P2TR, None), (b"\x51\x75", None), (b"\x01", None),
])
def test_known_scripts(spk, kind):
    got = risk(spk, 1000)
    assert (got and got[0]) == kind
    if kind == ANYONE and spk != script_risk.P2A:  # P2A is anyone-can-spend by the segwit rules
        assert spendable_without_a_key(spk)
    if spk in (P2PKH, P2SH, b"\x00", b"\x01\x80"):  # (witness programs: segwit rules, not these)
        assert not spendable_without_a_key(spk)


def test_op_return_burns_only_what_it_carries():
    assert risk(b"\x6a", 0) is None and risk(b"\x6a\x04abcd", 0) is None  # a data carrier
    assert risk(b"\x6a", 1) == (BURN, "OP_RETURN") and risk(b"\x6a\x04abcd", 546)[0] == BURN
    assert not spendable_without_a_key(b"\x6a")


_push = st.one_of(
    st.just(b"\x00"), st.just(b"\x4f"), st.integers(0x51, 0x60).map(lambda op: bytes([op])),
    st.binary(min_size=1, max_size=75).map(lambda d: bytes([len(d)]) + d),
    st.sampled_from([b"\x01\x80", b"\x02\x00\x80", b"\x01\x00", b"\x02\x00\x00", b"\x03\x00\x00\x01"]),
    st.binary(max_size=80).map(lambda d: b"\x4c" + bytes([len(d)]) + d),
    st.binary(max_size=80).map(lambda d: b"\x4d" + len(d).to_bytes(2, "little") + d),
)


@settings(max_examples=400)
@given(st.lists(_push, min_size=1, max_size=4))
def test_a_push_only_script_is_anyone_can_spend_exactly_when_the_interpreter_says_so(pushes):
    spk = b"".join(pushes)
    if script_risk._witness_program(spk):
        return  # spent under the segwit rules, not by a scriptSig
    assert (risk(spk, 1) is not None) == spendable_without_a_key(spk), spk.hex()


@settings(max_examples=300)
@given(st.binary(max_size=40))
def test_anything_called_anyone_can_spend_is_spent_without_a_key(spk):
    r = risk(spk, 1)
    if r is not None and r[0] == ANYONE and spk != script_risk.P2A and not script_risk._witness_program(spk):
        assert spendable_without_a_key(spk), spk.hex()


# ---- the card's review and signing flow -----------------------------------------------------

def _psbt(extra_outputs):
    from bioshard.wallet import psbt_io
    from bioshard.wallet.keyagg import wallet_keys
    from bioshard.wallet.psbt_build import Utxo, build
    from bioshard_card.btc.address import p2tr_script
    from test_review_card_app import CARD_KEY, HOST_KEY

    parts, agg, out_key = wallet_keys([HOST_KEY, CARD_KEY])
    own = p2tr_script(out_key)
    outs = [(bytes.fromhex("0014") + bytes(20), 50_000)] + list(extra_outputs) + [(own, 20_000)]
    p = build([Utxo("11" * 32, 0, 100_000, own)], outs, agg, parts, out_key)
    return psbt_io.for_card(p)


def _review(psbt):
    from bioshard_card.btc.review import Wallet, review_psbt
    from test_review_card_app import CARD_KEY, HOST_KEY
    from bioshard_card.wallet_record import WalletRecord

    w = WalletRecord(CARD_KEY, [HOST_KEY, CARD_KEY], "regtest")
    return script_risk.mark_review(review_psbt(psbt, Wallet(w.output_key, w.agg_key, w.participants,
                                                           w.card_key, w.network)))


def test_the_card_marks_the_reviewed_outputs_that_give_coins_away():
    rv = _review(_psbt([(b"", 10_000), (b"\x51", 0), (b"\x6a\x02hi", 0), (b"\x6a", 5_000)]))
    assert [getattr(o, "risk", None) for o in rv.outputs] == [None, (ANYONE, "empty script"), (ANYONE, "OP_TRUE"), None,
                                           (BURN, "OP_RETURN"), None]
    assert rv.outputs[1].risk_line == "ANYONE CAN SPEND #1 (empty script): 0.00010000 BTC"
    assert rv.outputs[4].risk_line == "BURNS #4 (OP_RETURN): 0.00005000 BTC"


def test_the_owner_must_touch_through_a_danger_page_and_can_reject_there(tmp_path, monkeypatch):
    # The empty-script output is not one more "Send to" page, signed like any other.
    from test_review_card_app import CARD_KEY, HOST_KEY, Session, _pubnonce, _screens_of
    from bioshard_card.wallet_record import WalletRecord

    s = Session(tmp_path / "flash", WalletRecord(CARD_KEY, [HOST_KEY, CARD_KEY], "regtest"))
    monkeypatch.setattr(sign_flow, "_reproduction", lambda blob: object())  # never reached here
    shown = _screens_of(s.card)
    psbt = _psbt([(b"", 10_000)])
    r = s.call("sign", {"psbt": psbt, "blob": b"b", "nonces": [_pubnonce()]}, answers=[FINGER, FINGER, BUTTON])
    assert r["error"]["code"] == rpc.USER_CANCELLED
    names = [n for n, _ in shown]
    assert names[:3] == ["sign_output", "sign_output", "sign_danger"]
    assert shown[1][1][-1] == "ANYONE CAN SPEND" and shown[2][1][:4] == (2, True, "empty script", 10_000)
    assert s.card.fingers.asked == 3  # the rejection came on the danger page itself
