"""Balance and recent transactions of the wallet's own addresses from an Esplora HTTP API
(Blockstream's esplora / electrs REST: `GET /address/:address`, `GET /address/:address/txs`).

Addresses scanned: the single-key address (old wallets, and a migrated wallet's legacy
address), and for an HD wallet receive and change children from index 0 up to the next unused
index recorded in wallet.json, then on until GAP consecutive children have no history (the
usual gap limit). Only public data leaves the host: the addresses themselves.
"""
import json
import urllib.error
import urllib.parse
import urllib.request

from ..errors import BadInputError, TransportError

GAP = 20
MAX_INDEX = 10000  # stop scanning here whatever the chain says (a lying server cannot loop us)
TIMEOUT = 30


class Esplora:
    def __init__(self, url, timeout=TIMEOUT):
        u = urllib.parse.urlparse(url)
        if u.scheme not in ("http", "https") or not u.netloc:
            raise BadInputError("--esplora wants an http(s) URL, got %r" % url)
        self.base = url.rstrip("/")
        self.timeout = timeout

    def _get(self, path):
        url = self.base + path
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as r:
                body = r.read(8 << 20)
        except urllib.error.HTTPError as e:
            raise TransportError("esplora %s answered HTTP %d" % (url, e.code)) from None
        except (urllib.error.URLError, OSError) as e:
            raise TransportError("esplora %s unreachable: %s" % (self.base, getattr(e, "reason", e))) from None
        try:
            return json.loads(body)
        except ValueError:
            raise TransportError("esplora %s answered something that is not JSON" % url) from None

    def address(self, addr):
        d = self._get("/address/" + urllib.parse.quote(addr))
        try:
            chain, mem = d["chain_stats"], d["mempool_stats"]
            balance = (chain["funded_txo_sum"] - chain["spent_txo_sum"]
                       + mem["funded_txo_sum"] - mem["spent_txo_sum"])
            count = chain["tx_count"] + mem["tx_count"]
        except (KeyError, TypeError):
            raise TransportError("esplora: unexpected /address answer for %s" % addr) from None
        if not isinstance(balance, int) or not isinstance(count, int):
            raise TransportError("esplora: unexpected /address answer for %s" % addr)
        return balance, count

    def txs(self, addr):
        d = self._get("/address/%s/txs" % urllib.parse.quote(addr))
        if not isinstance(d, list):
            raise TransportError("esplora: unexpected /address/txs answer for %s" % addr)
        return d


def wallet_addresses(desc, network, next_receive=0, next_change=0, legacy=None, used=None):
    """Yield (address, (branch, index) or None) for the scan; `used(address)` decides the gap."""
    if legacy is not None:
        yield legacy.address(network=network), None
    if not desc.ranged():
        yield desc.address(network=network), None
        return
    for branch, start in ((0, next_receive), (1, next_change)):
        unused = 0
        i = 0
        while i < MAX_INDEX and (i < start or unused < GAP):
            addr = desc.address(i, bool(branch), network)
            yield addr, (branch, i)
            unused = 0 if used is not None and used(addr) else unused + 1
            i += 1


def scan(esplora, desc, network, next_receive=0, next_change=0, legacy=None):
    """(balance sats, [(label, delta sats)] newest first, {branch: next unused index})."""
    stats = {}

    def used(addr):
        return stats[addr][1] > 0

    ours = {}
    for addr, path in wallet_addresses(desc, network, next_receive, next_change, legacy,
                                       used=lambda a: used(a)):
        if addr not in stats:
            stats[addr] = esplora.address(addr)
        ours[addr] = path
    balance = sum(b for b, _ in stats.values())
    nxt = {0: next_receive, 1: next_change}
    txs = {}
    for addr, path in ours.items():
        if not used(addr):
            continue
        if path is not None:
            nxt[path[0]] = max(nxt[path[0]], path[1] + 1)
        for tx in esplora.txs(addr):
            if isinstance(tx, dict) and isinstance(tx.get("txid"), str):
                txs[tx["txid"]] = tx
    rows = []
    for tx in txs.values():
        delta = _delta(tx, ours)
        status = tx.get("status") or {}
        confirmed = bool(status.get("confirmed"))
        height = status.get("block_height") or 0
        rows.append((not confirmed, height, tx["txid"], delta))
    rows.sort(reverse=True)  # unconfirmed first, then the highest block
    out = [(_label(delta, txid, pending), delta) for pending, _, txid, delta in rows]
    return balance, out, nxt


def _delta(tx, ours):
    got = 0
    for o in tx.get("vout") or ():
        if isinstance(o, dict) and o.get("scriptpubkey_address") in ours:
            got += int(o.get("value") or 0)
    for i in tx.get("vin") or ():
        prev = i.get("prevout") if isinstance(i, dict) else None
        if isinstance(prev, dict) and prev.get("scriptpubkey_address") in ours:
            got -= int(prev.get("value") or 0)
    return got


def _label(delta, txid, pending):
    word = "received" if delta > 0 else "sent"
    return "%s %s%s" % (word, txid[:8], " *" if pending else "")
