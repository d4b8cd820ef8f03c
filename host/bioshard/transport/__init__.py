"""Transports to a card: simulator socket, USB serial, BLE — one interface, as Jade\x27s client."""
