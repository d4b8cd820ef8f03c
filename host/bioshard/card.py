"""One connected, authenticated card: transport by name, secure session, typed calls.

    with connect("sim") as card:          # or "serial:/dev/ttyUSB0", "ble:bioshard-1A2B"
        card.call("address.show", {})

`connect` opens the transport, then the session hello with the stored pairing record, so every
call after it is encrypted and authenticated; `connect(..., secure=False)` is for pairing.
"""
from . import pairing
from .client import CardClient
from .errors import BadInputError, NoCardError, TransportError

# How long the card may take for a step that waits for a person.
USER_TIMEOUT = 600.0


def open_transport(spec):
    kind, _, arg = (spec or "sim").partition(":")
    if kind == "sim":
        from .transport.sim import SimTransport

        return SimTransport(arg or None)
    if kind == "serial":
        if not arg:
            raise BadInputError("serial needs a port: --card serial:/dev/ttyUSB0")
        from .transport.serial import SerialTransport

        return SerialTransport(arg)
    if kind == "ble":
        from .transport.ble import BleTransport

        return BleTransport(arg or None)
    raise BadInputError("unknown card %r: use sim[:SOCKET], serial:PORT or ble[:NAME]" % spec)


class Card:
    def __init__(self, client):
        self.client = client

    def call(self, method, params=None, timeout=USER_TIMEOUT):
        return self.client.call(method, params or {}, timeout=timeout)

    def info(self):
        return self.call("get_version_info", {}, timeout=10)

    def close(self):
        self.client.disconnect()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def connect(spec="sim", home=None, secure=True, transport=None):
    t = transport or open_transport(spec)
    client = CardClient(t)
    try:
        client.connect()
    except TransportError as e:
        if getattr(e, "dead_card", False):  # it was there and died: a transport fault, not "no card"
            raise
        raise NoCardError("no card at %s: %s" % (t.describe(), e)) from None
    card = Card(client)
    if secure:
        record = pairing.load_record(home)
        if record is None:
            client.disconnect()
            raise NoCardError("no card is paired with this computer: run `bioshard pair` first")
        try:
            pairing.open_session(client, record)
        except Exception:
            client.disconnect()
            raise
    return card
