"""'Never a signature': every hostile PSBT of the corpus, sent to the card's real sign flow
(bioshard_card.flows.sign), ends in an INVALID_PARAMS refusal naming the corpus reason, before
a single page is drawn or a finger is asked for — so no key share is ever derived for it.
A valid PSBT through the same harness does reach the review pages (the harness can see them)."""
import asyncio
import json
from pathlib import Path

import pytest

from bioshard_card.flows import sign as sign_flow
from bioshard_card.flows.fingers import BUTTON
from bioshard_card.proto.rpc import INVALID_PARAMS, USER_CANCELLED, RpcError
from bioshard_card.wallet_record import WalletRecord

CORPUS = Path(__file__).resolve().parents[1] / "psbt_corpus"
W = json.loads((CORPUS / "wallet.json").read_text())
HOSTILE = [line.split("\t") for line in (CORPUS / "hostile.tsv").read_text().splitlines() if line]


class Display:
    def __init__(self):
        self.shown = []

    async def show_async(self, screen, *args, **kw):
        self.shown.append(screen.__name__)


class Fingers:
    """Answers every question with the button (reject) and counts the questions."""

    def __init__(self):
        self.asked = 0

    async def _no(self, *a):
        self.asked += 1
        return BUTTON

    tap = wait_finger = wait_lift = _no


def _wallet():
    return WalletRecord(bytes.fromhex(W["card_key"]), [bytes.fromhex(k) for k in W["participants"]], W["network"])


def _blob():
    """A structurally valid one-finger helper blob (a synthetic finger's presses): the card
    checks the blob's structure before the review, so a placeholder would be refused first."""
    from bioshard_card.bio import sequence
    from test_fuzzy_synth import finger, impression

    e = sequence.Enrollment()
    e.add(1, [impression(finger(7), i) for i in range(1, 7)])
    return e.finish()[1]


def _run(psbt, n_nonces):
    display, fingers = Display(), Fingers()
    with pytest.raises(RpcError) as e:
        asyncio.run(sign_flow.sign(display, fingers, _wallet(), psbt, _blob(), [b"\x02" * 66] * n_nonces))
    return e.value, display, fingers


def test_wallet_record_matches_the_corpus_wallet():
    w = _wallet()
    assert w.agg_key.hex() == W["agg_key"] and w.output_key.hex() == W["output_key"]


@pytest.mark.parametrize("name,reason", HOSTILE, ids=[n for n, _ in HOSTILE])
def test_hostile_psbt_refused_before_any_page_or_finger(name, reason):
    err, display, fingers = _run((CORPUS / "hostile" / name).read_bytes(), 2)
    assert err.code == INVALID_PARAMS
    assert err.message == "PSBT refused: " + reason
    assert display.shown == [] and fingers.asked == 0


def test_valid_psbt_reaches_the_review_pages():
    err, display, fingers = _run((CORPUS / "valid" / "00_send_with_change.psbt").read_bytes(), 2)
    assert err.code == USER_CANCELLED  # the harness rejected on the first page
    assert display.shown and display.shown[0] == "sign_output" and fingers.asked == 1
