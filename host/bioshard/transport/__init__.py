"""Transports to a card: simulator socket, USB serial, BLE — one interface, as Jade's client."""
from .base import Transport
from .ble import BleTransport
from .serial import SerialTransport
from .sim import SimTransport

__all__ = ["Transport", "SimTransport", "SerialTransport", "BleTransport", "open_transport"]


def open_transport(spec):
    """A transport from a user-facing spec: "sim", "sim:/path/ble.sock", "serial:/dev/ttyUSB0",
    "ble:NAME-or-ADDRESS", or a bare serial device path."""
    kind, _, arg = spec.partition(":")
    if kind == "sim":
        return SimTransport(arg or None)
    if kind == "serial":
        return SerialTransport(arg)
    if kind == "ble":
        return BleTransport(arg)
    return SerialTransport(spec)
