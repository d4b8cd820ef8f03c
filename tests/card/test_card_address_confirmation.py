"""The card's address.show tells the host three answers apart (issue #10 item 6): the owner's
touch (confirmed), the button (not confirmed) and no answer at all (a user-timeout error), so
`bioshard wallet create` can fail with the right exit code instead of reporting success."""
import pytest

from bioshard.client import _card_error
from bioshard.errors import CardTimeoutError
from bioshard_card.flows.fingers import BUTTON, FINGER, TIMEOUT
from bioshard_card.proto import rpc
from bioshard_card.wallet_record import WalletRecord

from test_review_card_app import CARD_KEY, HOST_KEY, Session


@pytest.fixture
def session(tmp_path):
    return Session(tmp_path / "flash", WalletRecord(CARD_KEY, [HOST_KEY, CARD_KEY], "regtest"))


@pytest.mark.parametrize("params", [{}, {"index": 0, "change": False}])
def test_touch_confirms_button_rejects_and_no_answer_is_a_timeout(session, params):
    assert session.call("address.show", params, answers=[FINGER])["result"]["confirmed"] is True
    assert session.call("address.show", params, answers=[BUTTON])["result"]["confirmed"] is False
    r = session.call("address.show", params, answers=[TIMEOUT])
    assert "result" not in r and r["error"]["code"] == rpc.USER_TIMEOUT
    # and the host reads that error as a timeout (exit 6)
    err = _card_error(r["error"]["code"], r["error"]["message"], "address.show")
    assert isinstance(err, CardTimeoutError) and err.exit_code == 6
