"""`bioshard portfolio push --esplora URL`: balance and recent transactions of the wallet's own
addresses from a local HTTP server on 127.0.0.1 answering in Esplora's documented format
(GET /address/:address -> chain_stats/mempool_stats, GET /address/:address/txs -> txs with
vin[].prevout, vout[], status). The card is a stand-in recording what it is pushed."""
import contextlib
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from coincurve import PrivateKey

from bioshard import cli, state
from bioshard.commands import portfolio
from bioshard.wallet.descriptor import Descriptor

A = PrivateKey(hashlib.sha256(b"esplora A").digest()).public_key.format()
B = PrivateKey(hashlib.sha256(b"esplora B").digest()).public_key.format()
NET = "regtest"
FRIEND = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"


def _stats(funded=0, spent=0, mem_funded=0, mem_spent=0, txs=0, mem_txs=0):
    def part(f, s, n):
        return {"funded_txo_count": int(f > 0), "funded_txo_sum": f, "spent_txo_count": int(s > 0),
                "spent_txo_sum": s, "tx_count": n}
    return {"chain_stats": part(funded, spent, txs), "mempool_stats": part(mem_funded, mem_spent, mem_txs)}


def _out(addr, value):
    return {"scriptpubkey": "5120" + "00" * 32, "scriptpubkey_type": "v1_p2tr",
            "scriptpubkey_address": addr, "value": value}


def _tx(txid, vin, vout, height=None):
    status = {"confirmed": False} if height is None else {
        "confirmed": True, "block_height": height, "block_hash": "00" * 32, "block_time": 1700000000 + height}
    return {"txid": txid, "version": 2, "locktime": 0, "size": 200, "weight": 600, "fee": 1000,
            "vin": [{"txid": t, "vout": n, "prevout": p, "scriptsig": "", "witness": ["00" * 64],
                     "is_coinbase": False, "sequence": 4294967293} for t, n, p in vin],
            "vout": vout, "status": status}


class Chain:
    """A wallet history: receive #0 funded, receive #3 funded (beyond the recorded next index),
    then an unconfirmed spend of receive #0 with change to change #0."""

    def __init__(self, desc):
        r0, r3 = desc.address(0, False, NET), desc.address(3, False, NET)
        c0 = desc.address(0, True, NET)
        t1, t2, t3 = "11" * 32, "22" * 32, "33" * 32
        tx1 = _tx(t1, [("aa" * 32, 0, _out(FRIEND, 200_000))], [_out(r0, 100_000), _out(FRIEND, 99_000)], 101)
        tx2 = _tx(t2, [("bb" * 32, 1, _out(FRIEND, 60_000))], [_out(r3, 50_000)], 105)
        tx3 = _tx(t3, [(t1, 0, _out(r0, 100_000))], [_out(FRIEND, 60_000), _out(c0, 39_000)])
        self.addresses = {
            r0: (_stats(funded=100_000, mem_spent=100_000, txs=1, mem_txs=1), [tx3, tx1]),
            r3: (_stats(funded=50_000, txs=1), [tx2]),
            c0: (_stats(mem_funded=39_000, mem_txs=1), [tx3]),
        }
        self.requests = []


def _serve(chain):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            chain.requests.append(self.path)
            parts = self.path.strip("/").split("/")
            if parts[0] != "address" or len(parts) not in (2, 3):
                self.send_error(404)
                return
            stats, txs = chain.addresses.get(parts[1], (_stats(), []))
            body = dict(stats, address=parts[1]) if len(parts) == 2 else txs
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Card:
    def __init__(self):
        self.pushed = []

    def call(self, method, params, timeout=None):
        assert method == "portfolio.push"
        self.pushed.append(params)
        return {}


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path))
    desc = Descriptor.hd_from_keys([A, B], NET)
    state.save({"descriptor": str(desc), "network": NET, "next_receive": 1}, tmp_path)
    card = Card()
    monkeypatch.setattr(portfolio, "connect", lambda spec: contextlib.nullcontext(card))
    chain = Chain(desc)
    server = _serve(chain)
    yield desc, chain, card, "http://127.0.0.1:%d" % server.server_address[1], tmp_path
    server.shutdown()


def test_balance_and_newest_transactions_from_the_chain(setup, capsys):
    desc, chain, card, url, home = setup
    assert cli.main(["portfolio", "push", "--esplora", url]) == 0
    (pushed,) = card.pushed
    assert pushed["balance"] == 50_000 + 39_000  # receive #0 spent (mempool), receive #3, change #0
    assert pushed["txs"] == [["sent 33333333 *", -61_000], ["received 22222222", 50_000],
                             ["received 11111111", 100_000]]
    # receive #3 was found past the recorded next index, within the gap limit: recorded as used
    doc = state.load(home)
    assert doc["next_receive"] == 4 and doc["next_change"] == 1
    # the scan stopped 20 unused children after the last used one, on both branches
    asked = {p.split("/")[2] for p in chain.requests if p.count("/") == 2}
    assert desc.address(3 + 20, False, NET) in asked and desc.address(3 + 21, False, NET) not in asked
    assert desc.address(20, True, NET) in asked and desc.address(21, True, NET) not in asked
    assert "0.00089000 BTC" in capsys.readouterr().out


def test_esplora_failures_are_named(setup, capsys):
    _, _, card, url, _ = setup
    assert cli.main(["portfolio", "push", "--esplora", "ftp://x"]) == 7
    assert cli.main(["portfolio", "push", "--esplora", url + "/nothing-here"]) == 9
    assert "HTTP 404" in capsys.readouterr().err
    assert cli.main(["portfolio", "push", "--esplora", "http://127.0.0.1:9"]) == 9
    assert "unreachable" in capsys.readouterr().err
    assert cli.main(["portfolio", "push", "--esplora", url, "--tx", "x:+1"]) == 7
    assert card.pushed == []


def test_single_key_wallet_is_one_address(setup):
    desc, chain, card, url, home = setup
    legacy = desc.single_key()
    chain.addresses[legacy.address(network=NET)] = (_stats(funded=7_000, txs=1), [])
    state.save({"descriptor": str(legacy), "network": NET}, home)
    assert cli.main(["portfolio", "push", "--esplora", url]) == 0
    assert card.pushed[-1] == {"balance": 7_000, "txs": []}
    assert len([p for p in chain.requests if p.count("/") == 2]) == 1


def test_manual_values_still_work(setup):
    _, _, card, _, _ = setup
    assert cli.main(["portfolio", "push", "--balance", "0.015", "--tx", "sent:-0.01"]) == 0
    assert card.pushed[-1] == {"balance": 1_500_000, "txs": [["sent", -1_000_000]]}


def test_migrated_wallet_counts_its_old_address_too(setup):
    desc, chain, card, url, home = setup
    legacy = desc.single_key()
    chain.addresses[legacy.address(network=NET)] = (_stats(funded=7_000, txs=1), [])
    state.save({"descriptor": str(desc), "legacy_descriptor": str(legacy), "network": NET,
                "next_receive": 1}, home)
    assert cli.main(["portfolio", "push", "--esplora", url]) == 0
    assert card.pushed[-1]["balance"] == 7_000 + 50_000 + 39_000
