# heapsize: 100k
# The card's RPC dispatcher: request validation, error codes, sync/async handlers, no leaking of
# handler internals, the secure-channel hook, and serve() over a link.
import asyncio

from ptest import raises

from bioshard_card.proto import cbor, frames, rpc
from bioshard_card.proto.rpc import Dispatcher, RpcError


def _run(coro):
    return asyncio.run(coro)


def _dispatcher():
    d = Dispatcher()
    d.register("ping", lambda params: "pong")

    async def echo(params):
        await asyncio.sleep_ms(1) if hasattr(asyncio, "sleep_ms") else await asyncio.sleep(0.001)
        return params["data"]

    def refuse(params):
        raise RpcError(rpc.USER_CANCELLED, "rejected on card")

    def leaky(params):
        raise RuntimeError("secret 0123456789abcdef")

    def bad_params(params):
        return 1 + params["n"]  # TypeError/KeyError on bad params

    d.register("echo", echo)
    d.register("refuse", refuse)
    d.register("leaky", leaky)
    d.register("add1", bad_params)
    d.register("float", lambda params: 1.5)
    d.register("huge", lambda params: bytes(frames.MAX_FRAME + 100))
    return d


def _call(d, payload):
    return cbor.loads(_run(d.handle(payload)))


def _req(id_, method, params=None):
    return rpc.request(id_, method, params)


def test_request_shape():
    assert cbor.loads(_req("7", "ping")) == {"id": "7", "method": "ping", "params": {}}
    assert cbor.loads(rpc.result_reply("7", [1])) == {"id": "7", "result": [1]}
    assert cbor.loads(rpc.error_reply(None, rpc.BUSY)) == {
        "id": None, "error": {"code": -32006, "message": "busy"}}


def test_error_codes_are_distinct_and_named():
    codes = [rpc.PARSE_ERROR, rpc.INVALID_REQUEST, rpc.METHOD_NOT_FOUND, rpc.INVALID_PARAMS,
             rpc.INTERNAL_ERROR, rpc.USER_CANCELLED, rpc.PROTOCOL_ERROR, rpc.NOT_PAIRED,
             rpc.BIOMETRIC_MISMATCH, rpc.USER_TIMEOUT, rpc.CHANNEL_ERROR, rpc.BUSY]
    assert len(set(codes)) == len(codes) == len(rpc.ERROR_NAMES)
    assert rpc.PARSE_ERROR == -32700 and rpc.METHOD_NOT_FOUND == -32601  # JSON-RPC values


def test_sync_and_async_handlers():
    d = _dispatcher()
    assert _call(d, _req("1", "ping")) == {"id": "1", "result": "pong"}
    data = bytes(range(200))
    assert _call(d, _req("abc", "echo", {"data": data})) == {"id": "abc", "result": data}
    # params may be omitted
    assert _call(d, cbor.dumps({"id": "2", "method": "ping"}))["result"] == "pong"


def _error(reply):
    assert "result" not in reply
    return reply["error"]["code"]


def test_method_not_found():
    r = _call(_dispatcher(), _req("9", "nope"))
    assert r["id"] == "9" and _error(r) == rpc.METHOD_NOT_FOUND


def test_parse_error_has_null_id():
    for junk in (b"\xff", b"\x18", b"\xa1\x61", bytes(10)):
        r = _call(_dispatcher(), junk)
        assert r["id"] is None and _error(r) == rpc.PARSE_ERROR


def test_invalid_requests():
    cases = [
        ([1, 2], None),
        ({"method": "ping"}, None),
        ({"id": 5, "method": "ping"}, None),
        ({"id": "", "method": "ping"}, None),
        ({"id": "x" * 33, "method": "ping"}, None),
        ({"id": "4", "method": b"ping"}, "4"),
        ({"id": "4"}, "4"),
        ({"id": "4", "method": "ping", "params": [1]}, "4"),
        ({"id": "4", "method": "ping", "params": {}, "extra": 1}, "4"),
    ]
    for msg, id_ in cases:
        r = _call(_dispatcher(), cbor.dumps(msg))
        assert r["id"] == id_ and _error(r) == rpc.INVALID_REQUEST, msg


def test_handler_errors():
    d = _dispatcher()
    r = _call(d, _req("1", "refuse"))
    assert r["error"] == {"code": rpc.USER_CANCELLED, "message": "rejected on card"}
    assert _error(_call(d, _req("2", "add1", {}))) == rpc.INVALID_PARAMS
    assert _error(_call(d, _req("3", "add1", {"n": "x"}))) == rpc.INVALID_PARAMS
    assert _call(d, _req("4", "add1", {"n": 41}))["result"] == 42
    assert _error(_call(d, _req("5", "float"))) == rpc.INTERNAL_ERROR
    assert _error(_call(d, _req("6", "huge"))) == rpc.INTERNAL_ERROR


def test_internal_error_does_not_leak_exception_text():
    raw = _run(_dispatcher().handle(_req("1", "leaky")))
    assert b"secret" not in raw and b"0123456789" not in raw
    assert cbor.loads(raw)["error"]["code"] == rpc.INTERNAL_ERROR


class XorChannel:
    """Stand-in for proto.secure_channel: a counter and a one-byte XOR, enough to see that
    every frame goes through open()/seal() exactly once."""

    def __init__(self, k):
        self.k = k
        self.sealed = 0

    def seal(self, b):
        self.sealed += 1
        return b"S" + bytes(x ^ self.k for x in b)

    def open(self, b):
        if b[:1] != b"S":
            raise ValueError("not sealed")
        return bytes(x ^ self.k for x in b[1:])


def test_channel_seals_replies_and_opens_requests():
    d = _dispatcher()
    ch = XorChannel(0x5A)
    d.channel = ch
    raw = _run(d.handle(ch.seal(_req("1", "ping"))))
    assert raw[:1] == b"S"
    assert cbor.loads(ch.open(raw)) == {"id": "1", "result": "pong"}


def test_channel_refusal_is_an_unsealed_channel_error():
    d = _dispatcher()
    d.channel = XorChannel(1)
    r = cbor.loads(_run(d.handle(_req("1", "ping"))))  # plaintext while a channel is set
    assert r["id"] is None and r["error"]["code"] == rpc.CHANNEL_ERROR


def test_handler_installing_a_channel_answers_under_the_old_one():
    d = _dispatcher()
    new = XorChannel(7)

    def pair(params):
        d.channel = new
        return "paired"

    d.register("pair", pair)
    r = cbor.loads(_run(d.handle(_req("1", "pair"))))
    assert r["result"] == "paired" and new.sealed == 0
    assert cbor.loads(new.open(_run(d.handle(new.seal(_req("2", "ping"))))))["result"] == "pong"


class ListLink:
    def __init__(self, frames):
        self.inbox = list(frames)
        self.outbox = []

    async def read_frame(self):
        if not self.inbox:
            raise OSError("closed")
        return self.inbox.pop(0)

    async def write_frame(self, payload):
        self.outbox.append(payload)


def test_serve_answers_until_the_link_closes():
    link = ListLink([_req("1", "ping"), b"\x00garbage", _req("2", "echo", {"data": b"x"})])
    _run(rpc.serve(link, _dispatcher()))
    replies = [cbor.loads(p) for p in link.outbox]
    assert [r["id"] for r in replies] == ["1", None, "2"]
    assert replies[0]["result"] == "pong" and replies[2]["result"] == b"x"


def test_rpc_error_defaults():
    e = RpcError(rpc.NOT_PAIRED)
    assert e.code == -32002 and e.message == "not paired"
    raises(RpcError, rpc.parse_request, b"\xff")
