# heapsize: 100k
# Hostile input on the card's own interpreter: mutations of valid RPC messages must decode to
# something or raise CBORDecodeError — no other exception, no MemoryError in a 100 KB heap.
# (Under CPython, tests/card/test_cbor_vs_cbor2.py does the same with hypothesis and cbor2.)
from bioshard_card.proto import cbor
from bioshard_card.proto.cbor import CBORDecodeError

SEEDS = [
    {"id": "1", "method": "ping", "params": {}},
    {"id": "2", "method": "echo", "params": {"data": b"\x00\xff" * 40, "n": [1, -2, 3 << 40]}},
    {"id": "3", "error": {"code": -32601, "message": "method not found \u00e9"}},
    [None, True, False, "", b"", {}, [[[]]], 18446744073709551615, -18446744073709551616],
]


class _Rng:
    # xorshift32: deterministic and identical on both interpreters.
    def __init__(self, seed):
        self.s = seed

    def next(self, n):
        s = self.s
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.s = s
        return s % n


def test_mutations_raise_only_decode_error():
    rng = _Rng(0x12345678)
    accepted = rejected = 0
    for seed in SEEDS:
        base = cbor.dumps(seed)
        for _ in range(300):
            m = base
            for _ in range(1 + rng.next(3)):
                op = rng.next(3)
                i = rng.next(len(m) + 1)
                if op == 0 and i < len(m):
                    m = m[:i] + bytes([m[i] ^ (1 + rng.next(255))]) + m[i + 1 :]
                elif op == 1:
                    m = m[:i]
                else:
                    m = m[:i] + bytes([rng.next(256)]) + m[i:]
            try:
                v = cbor.loads(m)
            except CBORDecodeError:
                rejected += 1
            else:
                accepted += 1
                # Whatever the strict decoder accepts re-encodes to the same item.
                assert cbor.loads(cbor.dumps(v)) == v
    assert rejected > 100 and accepted > 10, (accepted, rejected)


def test_every_prefix_of_a_message_is_rejected():
    enc = cbor.dumps(SEEDS[1])
    for i in range(len(enc)):
        try:
            cbor.loads(enc[:i])
        except CBORDecodeError:
            pass
        else:
            raise AssertionError("prefix of %d bytes accepted" % i)
