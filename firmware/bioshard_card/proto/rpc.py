# CBOR request/response messages (Blockstream Jade style) and the card's dispatcher.
#
#   request: {"id": str, "method": str, "params": map}
#   reply:   {"id": str, "result": any}  |  {"id": str|null, "error": {"code": int, "message": str}}
#
# The codes follow JSON-RPC 2.0 (-32700..-32603) and Jade (-32000..); docs/protocol.md has the
# table. Error messages sent to the host never carry exception text from inside a handler
# (it could quote data); handlers that want the host to see a reason raise RpcError.
import gc
import sys

from bioshard_card.proto import cbor, frames

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


PARSE_ERROR = const(-32700)  # payload is not CBOR in our subset
INVALID_REQUEST = const(-32600)  # CBOR, but not a well-formed request map
METHOD_NOT_FOUND = const(-32601)
INVALID_PARAMS = const(-32602)
INTERNAL_ERROR = const(-32603)
USER_CANCELLED = const(-32000)  # the user rejected on the card (button)
PROTOCOL_ERROR = const(-32001)  # request not allowed in the card's current state
NOT_PAIRED = const(-32002)
BIOMETRIC_MISMATCH = const(-32003)  # the fingers did not re-derive the share
USER_TIMEOUT = const(-32004)  # the user did not act in time
CHANNEL_ERROR = const(-32005)  # the secure channel refused the frame (sent unsealed)
BUSY = const(-32006)

ERROR_NAMES = {
    PARSE_ERROR: "parse error",
    INVALID_REQUEST: "invalid request",
    METHOD_NOT_FOUND: "method not found",
    INVALID_PARAMS: "invalid params",
    INTERNAL_ERROR: "internal error",
    USER_CANCELLED: "user cancelled",
    PROTOCOL_ERROR: "protocol error",
    NOT_PAIRED: "not paired",
    BIOMETRIC_MISMATCH: "biometric mismatch",
    USER_TIMEOUT: "user timeout",
    CHANNEL_ERROR: "secure channel error",
    BUSY: "busy",
}

MAX_ID_LEN = const(32)
# Refusal texts are capped: a handler that quotes a parameter back (or a long PSBT/blob
# reason) must not make a reply larger than one frame, which the link would refuse.
MAX_MESSAGE_LEN = const(160)
_MICROPYTHON = sys.implementation.name == "micropython"
_REQUEST_KEYS = ("id", "method", "params")


class RpcError(Exception):
    """Raised by a handler (or the parser) to send {"error": {code, message}} to the host."""

    def __init__(self, code, message=None):
        if message is None:
            message = ERROR_NAMES.get(code, "error")
        super().__init__(code, message)
        self.code = code
        self.message = message


def request(id_, method, params=None):
    return cbor.dumps({"id": id_, "method": method, "params": {} if params is None else params})


def result_reply(id_, result):
    return cbor.dumps({"id": id_, "result": result})


def error_reply(id_, code, message=None):
    if message is None:
        message = ERROR_NAMES.get(code, "error")
    if type(message) is not str:
        message = ERROR_NAMES.get(code, "error")
    elif len(message) > MAX_MESSAGE_LEN:
        message = message[: MAX_MESSAGE_LEN - 3] + "..."
    return cbor.dumps({"id": id_, "error": {"code": code, "message": message}})


def parse_request(payload, max_len=frames.MAX_FRAME):
    """(id, method, params) from a request payload, or RpcError. The error's .id is the
    request id when it could be read (so the reply can name it), else None."""
    try:
        msg = cbor.loads(payload, max_len=max_len)
    except cbor.CBORDecodeError as e:
        err = RpcError(PARSE_ERROR, "parse error: " + str(e))
        err.id = None
        raise err
    id_ = msg.get("id") if type(msg) is dict else None
    if type(id_) is not str or not 0 < len(id_) <= MAX_ID_LEN:
        id_ = None
    err = None
    if type(msg) is not dict:
        err = "request must be a map"
    elif id_ is None:
        err = "id must be a text string of 1..%d characters" % MAX_ID_LEN
    elif type(msg.get("method")) is not str:
        err = "method must be a text string"
    elif type(msg.get("params", {})) is not dict:
        err = "params must be a map"
    else:
        for k in msg:
            if k not in _REQUEST_KEYS:
                err = "unexpected key in request"
                break
    if err:
        e = RpcError(INVALID_REQUEST, err)
        e.id = id_
        raise e
    return id_, msg["method"], msg.get("params", {})


def _is_awaitable(r):
    # Coroutines (CPython) and generators (MicroPython's async def) both have send/throw.
    return hasattr(r, "send") and hasattr(r, "throw")


class Dispatcher:
    """Maps method names to handlers and turns one request frame into one reply frame.

    handler(params) returns the result, or is async and returns it when awaited; it raises
    RpcError to refuse. `channel` (after pairing) is any object with seal(bytes)->bytes and
    open(bytes)->bytes: every request is opened and every reply sealed with it. The channel is
    read once per request, so a handler that installs a new channel (pairing) still has its
    own reply sent under the old one.
    """

    def __init__(self, channel=None, max_frame=frames.MAX_FRAME):
        self.channel = channel
        self.max_frame = max_frame
        self._handlers = {}

    def register(self, method, handler):
        self._handlers[method] = handler

    def unregister(self, method):
        self._handlers.pop(method, None)

    async def handle(self, payload):
        """Reply payload for one request payload. Never raises for bad input.

        Memory: on a 100 KB heap a multi-kilobyte request must not be held in several copies,
        so each stage drops its input (payload = None) before the next allocates."""
        channel = self.channel
        if channel is not None:
            try:
                payload = channel.open(payload)
            except MemoryError:
                payload = None
                return error_reply(None, INTERNAL_ERROR, "out of memory")
            except Exception:
                # Unsealed on purpose: the host must learn that the channel is out of step,
                # and this reply reveals nothing it did not send itself.
                return error_reply(None, CHANNEL_ERROR)
        try:
            id_, method, params = parse_request(payload, self.max_frame)
        except RpcError as e:
            return self._seal(channel, error_reply(e.id, e.code, e.message))
        except MemoryError:
            return self._seal(channel, error_reply(None, INTERNAL_ERROR, "out of memory"))
        payload = None
        # Hand params over in a box so that no frame of ours keeps them alive once the
        # handler has dropped them.
        box = [params]
        params = None
        reply = await self._call(id_, method, box)
        return self._seal(channel, reply, id_)

    @staticmethod
    def _seal(channel, reply, id_=None):
        if channel is None:
            return reply
        try:
            return channel.seal(reply)
        except MemoryError:
            # A seal that fails leaves the channel's counter alone (SecureChannel's contract),
            # so a short error still goes out in order once the large reply is released.
            reply = None
            gc.collect()
            return channel.seal(error_reply(id_, INTERNAL_ERROR, "out of memory"))

    async def _call(self, id_, method, box):
        handler = self._handlers.get(method)
        if handler is None:
            return error_reply(id_, METHOD_NOT_FOUND, "method not found: " + method[:40])
        try:
            result = handler(box.pop())
            if _is_awaitable(result):
                result = await result
        except RpcError as e:
            return error_reply(id_, e.code, e.message)
        except (ValueError, TypeError, KeyError):
            return error_reply(id_, INVALID_PARAMS)
        except MemoryError:
            return error_reply(id_, INTERNAL_ERROR, "out of memory")
        except Exception as e:
            return error_reply(id_, INTERNAL_ERROR, "internal error (%s)" % type(e).__name__)
        try:
            # Straight into a bytearray: no final bytes() copy of a large reply.
            reply = cbor.dump_into(bytearray(), {"id": id_, "result": result})
        except cbor.CBORError:
            return error_reply(id_, INTERNAL_ERROR, "result not encodable")
        except MemoryError:
            result = None
            return error_reply(id_, INTERNAL_ERROR, "out of memory")
        # Leave room for the secure channel's overhead so the sealed reply still fits a frame.
        if len(reply) > self.max_frame - 64:
            return error_reply(id_, INTERNAL_ERROR, "result too large for one frame")
        return reply


async def serve(link, dispatcher):
    """Answer requests on one connected link until it closes (OSError from the link).
    The request is passed straight through so no local here keeps it alive while the
    handler runs."""
    try:
        while True:
            try:
                reply = await dispatcher.handle(await link.read_frame())
            except MemoryError:
                gc.collect()
                reply = error_reply(None, INTERNAL_ERROR, "out of memory")
            try:
                await link.write_frame(reply)
            except ValueError:
                # A reply the link cannot frame (handle() keeps them small, this is the last
                # guard): drop this central rather than let the exception end the app. The
                # host reconnects and starts a fresh session.
                return
            reply = None
            # Free this request's garbage now, while nothing long-lived is being allocated:
            # keeps the heap from fragmenting around kilobyte-sized frames (measured on the
            # 100 KB heap: the largest sealed echo is 3.5 KB with this, 2.75 KB without).
            # CPython's collector is neither needed for that nor cheap, so only on the card.
            if _MICROPYTHON:
                gc.collect()
    except OSError:
        return
