"""The card's address.show for HD children: the card derives receive/change #N of its own
aggregate itself (the host only names the index), shows the index, and matches the host's
descriptor (itself checked against btclib in test_wallet_hd.py)."""
import pytest

from bioshard.wallet.descriptor import Descriptor
from bioshard_card.flows.fingers import FINGER
from bioshard_card.proto import rpc
from bioshard_card.wallet_record import WalletRecord

from test_review_card_app import CARD_KEY, HOST_KEY, Session

D = pytest.importorskip("btclib_wallet.descriptors.descriptors")


@pytest.fixture
def session(tmp_path):
    return Session(tmp_path / "flash", WalletRecord(CARD_KEY, [HOST_KEY, CARD_KEY], "regtest"))


def test_address_show_derives_the_child_the_host_names(session):
    desc = Descriptor.hd_from_keys([HOST_KEY, CARD_KEY], "regtest")
    receive, change = (D.parse(x, "regtest") for x in D.multipath_descriptors(str(desc)))
    shown = []
    session.card.display.show_async = _recorder(shown, session.card.display.show_async)
    for index, is_change, theirs in ((0, False, receive), (1, True, change), (7, False, receive)):
        r = session.call("address.show", {"index": index, "change": is_change}, answers=[FINGER])
        assert r["result"] == {"address": theirs.address(index), "confirmed": True}
    labels = [args for fn, args in shown if fn.__name__ == "address_verify"]
    assert [a[1:] for a in labels] == [("Receive address", "receive #0"), ("Change address", "change #1"),
                                       ("Receive address", "receive #7")]
    # without an index: the single-key wallet's one address, as before
    r = session.call("address.show", {}, answers=[FINGER])
    assert r["result"]["address"] == Descriptor.from_keys([HOST_KEY, CARD_KEY]).address(network="regtest")


@pytest.mark.parametrize("index", [-1, 100000, "5", 2**31])
def test_address_show_refuses_a_bad_index(session, index):
    r = session.call("address.show", {"index": index}, answers=[FINGER])
    assert r["error"]["code"] == rpc.INVALID_PARAMS
    assert "index" in r["error"]["message"]


def _recorder(shown, show_async):
    async def rec(fn, *args):
        shown.append((fn, args))
        return await show_async(fn, *args)

    return rec
