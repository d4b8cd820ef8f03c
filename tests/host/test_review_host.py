"""Security review, host side: what a card (or a forger of unsealed error frames) sends back
must end as a named error with its exit code, never a traceback or raw terminal control bytes."""
import cbor2
import pytest

from bioshard import cosign as cosign_mod
from bioshard.client import CardClient
from bioshard.errors import CardRefusedError
from bioshard_card.proto import frames, rpc
from bioshard_card.proto.secure_channel import session_channel


class _Transport:
    def __init__(self, reply):
        self.reply = reply
        self.sent = []

    def connect(self):
        pass

    def disconnect(self):
        pass

    def describe(self):
        return "test"

    def write(self, b):
        self.sent.append(b)

    def read(self, n, timeout):
        r, self.reply = self.reply, b""
        return r


def test_a_forged_unsealed_error_cannot_put_control_bytes_on_the_terminal():
    # Anyone in radio range can inject an unsealed {"id": null, "error": ...} frame, which the
    # client accepts by design (it can only fail the call). Were its text to reach stderr
    # verbatim, ANSI escapes could rewrite what the user sees (e.g. hide a warning).
    k, hn, cn = bytes(32), bytes(16), bytes(16)
    evil = "\x1b[2J\x1b[1;1Hsigned OK\r\n\x07" + "A" * 3000
    frame = frames.encode(cbor2.dumps({"id": None, "error": {"code": rpc.USER_CANCELLED, "message": evil}}))
    c = CardClient(_Transport(frame), channel=session_channel("host", k, hn, cn))
    with pytest.raises(CardRefusedError) as ei:
        c.call("sign", {}, timeout=2)
    text = str(ei.value)
    assert not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text), repr(text[:80])
    assert len(text) < 400
    assert "signed OK" in text  # still shown, as inert text


class _Card:
    def __init__(self, answer):
        self.answer = answer

    def call(self, method, params=None, timeout=None):
        return self.answer(params)


def _setup():
    from bioshard.signing import individual_pk
    from bioshard.wallet import psbt_io
    from bioshard.wallet.keyagg import wallet_keys
    from bioshard.wallet.psbt_build import Utxo, build
    from bioshard_card.btc.address import p2tr_script

    secret_a = (11).to_bytes(32, "big")
    card_sk = (7).to_bytes(32, "big")
    card_pub = individual_pk(card_sk)
    parts, agg, out_key = wallet_keys([individual_pk(secret_a), card_pub])
    own = p2tr_script(out_key)
    p = build([Utxo("11" * 32, 0, 100_000, own)], [(bytes.fromhex("0014") + bytes(20), 99_000)], agg, parts, out_key)
    return p.serialize(), secret_a, card_pub


@pytest.mark.parametrize("answer", [
    lambda p: {"nonces": [(b"\x02" + (5).to_bytes(32, "big")) * 2], "psigs": [bytes(32)]},
    lambda p: {"nonces": [bytes(66)], "psigs": [bytes(32)]},
    lambda p: {"nonces": ["not bytes"], "psigs": [bytes(32)]},
    lambda p: {"nonces": [p["nonces"][0]], "psigs": [5]},
    lambda p: {"nonces": [p["nonces"][0]], "psigs": [b"\xff" * 32]},
    lambda p: [1, 2],
    lambda p: None,
], ids=["nonce-not-on-curve", "nonce-zero", "nonce-str", "psig-int", "psig-out-of-range", "list", "none"])
def test_a_malformed_card_answer_is_a_card_refusal_not_a_traceback(answer):
    psbt, secret_a, card_pub = _setup()
    with pytest.raises(CardRefusedError):
        cosign_mod.cosign(_Card(answer), psbt, secret_a, card_pub, b"blob")


@pytest.mark.parametrize("n,r,p", [(1 << 20, 32, 1), (1 << 20, 8, 16), (1 << 17, 32, 1)])
def test_a_keystore_asking_for_more_scrypt_memory_than_allowed_is_a_named_error(tmp_path, n, r, p):
    # Parameters inside the accepted ranges could still need 4 GB (128*r*n), which hashlib
    # refuses with a bare ValueError: a traceback instead of "keystore damaged" (exit 7).
    # Checked before any scrypt work is done, so this test is cheap.
    import json

    from bioshard import keystore
    from bioshard.errors import BadInputError

    doc = {"version": 1, "kdf": "scrypt", "n": n, "r": r, "p": p, "salt": "00" * 16,
           "pubkey": "02" * 33, "nonce": "00" * 12, "ct": "00" * 48}
    path = tmp_path / "secret_a.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(BadInputError):
        keystore.load(path, "pw")
