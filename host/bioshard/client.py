"""CardClient: CBOR RPC to a card over any Transport (Blockstream Jade's JadeInterface shape).

    with CardClient(SimTransport()) as card:
        card.call("ping")

Each request is {"id", "method", "params"} in a length-prefixed frame; the reply with the same
id is returned (its "result") or turned into a named error. Replies with another id are stale
answers to calls that timed out earlier and are skipped. After pairing, set `channel` to an
object with seal(bytes)->bytes / open(bytes)->bytes (proto.secure_channel.SecureChannel): every
request payload is sealed and every reply opened.

The host encodes and decodes with cbor2 — an implementation independent of the card's
proto/cbor — so every exchange also cross-checks the two codecs.
"""
import itertools
import time

import cbor2

from bioshard_card.proto import rpc
from bioshard_card.proto.frames import MAX_FRAME, FrameDecoder, FrameError, encode

from .errors import CardRefusedError, CardTimeoutError, TransportError

DEFAULT_TIMEOUT = 10.0


MAX_CARD_MESSAGE = 200


def _printable(message):
    # Refusal texts can come unsealed from anyone in radio range (see _decode): shown as inert
    # text only, without control characters (terminal escapes) and of bounded length.
    s = "".join(ch if ch.isprintable() else "?" for ch in str(message)[:MAX_CARD_MESSAGE + 1])
    return s if len(s) <= MAX_CARD_MESSAGE else s[:MAX_CARD_MESSAGE - 3] + "..."


def _card_error(code, message, method):
    message = _printable(message)
    if not isinstance(code, int) or isinstance(code, bool):
        code = None
    text = "card refused %s: %s (%s)" % (method, message, rpc.ERROR_NAMES.get(code, code))
    if code == rpc.USER_TIMEOUT:
        err = CardTimeoutError(text)
    elif code == rpc.CHANNEL_ERROR:
        err = TransportError("card could not open our %s request: secure channel out of step" % method)
    else:
        err = CardRefusedError(text)
    err.code = code
    err.card_message = message
    return err


class CardClient:
    def __init__(self, transport, channel=None, max_frame=MAX_FRAME):
        self.transport = transport
        self.channel = channel
        self.max_frame = max_frame
        self._dec = FrameDecoder(max_frame)
        self._ids = itertools.count(1)

    def connect(self):
        self.transport.connect()
        self._dec.reset()
        while self._dec.pop() is not None:  # nothing from a previous connection survives
            pass
        return self

    def disconnect(self):
        self.transport.disconnect()

    def __enter__(self):
        return self.connect()

    def __exit__(self, *exc):
        self.disconnect()

    def _read_frame(self, deadline, method):
        while True:
            f = self._dec.pop()
            if f is not None:
                return f
            left = deadline - time.monotonic()
            if left <= 0:
                raise CardTimeoutError("no reply to %s from %s" % (method, self.transport.describe()))
            chunk = self.transport.read(4096, left)
            if chunk:
                try:
                    self._dec.feed(chunk)
                except FrameError as e:
                    raise TransportError("garbled reply stream from the card: %s" % e)

    def _decode(self, frame, method):
        channel = self.channel
        if channel is not None:
            try:
                frame = channel.open(frame)
            except Exception:
                # The card answers in the clear, with id null, when it cannot open our frame
                # (CHANNEL_ERROR) or runs out of memory before sealing. Only such *errors* are
                # taken unsealed — never a result — so a forger can at most fail this call,
                # which dropping the frame would do anyway.
                msg = self._loads(frame)
                if isinstance(msg, dict) and msg.get("id", 0) is None and isinstance(msg.get("error"), dict):
                    err = msg["error"]
                    raise _card_error(err.get("code"), str(err.get("message", "")), method)
                raise TransportError("reply to %s failed secure-channel authentication" % method)
        msg = self._loads(frame)
        if msg is None or not isinstance(msg, dict) or "id" not in msg:
            raise TransportError("malformed reply to %s" % method)
        return msg

    @staticmethod
    def _loads(frame):
        try:
            return cbor2.loads(frame)
        except Exception:  # cbor2 raises several types for bad input
            return None

    def call(self, method, params=None, timeout=DEFAULT_TIMEOUT):
        """Send one request; return its result, or raise CardRefusedError (card said no),
        CardTimeoutError (no reply in `timeout` s, or the user did not act) or TransportError."""
        id_ = str(next(self._ids))
        payload = cbor2.dumps({"id": id_, "method": method, "params": {} if params is None else params},
                              canonical=True)
        if self.channel is not None:
            payload = self.channel.seal(payload)
        try:
            frame = encode(payload, self.max_frame)
        except FrameError:
            raise TransportError("request %s is too large for one frame (%d bytes)" % (method, len(payload)))
        self.transport.write(frame)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._decode(self._read_frame(deadline, method), method)
            rid = msg["id"]
            if rid != id_ and not (rid is None and "error" in msg):
                continue  # a late reply to an earlier call that timed out
            if "error" in msg:
                err = msg["error"]
                if not isinstance(err, dict):
                    raise TransportError("malformed error reply to %s" % method)
                raise _card_error(err.get("code"), str(err.get("message", "")), method)
            if "result" not in msg:
                raise TransportError("reply to %s has neither result nor error" % method)
            return msg["result"]
