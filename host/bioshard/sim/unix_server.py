"""A Unix-socket server for the simulated peripherals: one connection at a time (the card
process's), each handed to `handle(conn)` on the server's thread; a card that reboots
reconnects. The sim runner serves sensor.sock, panel.sock and gpio.sock with it, and
`python -m bioshard.sim.sensor` its one socket."""
import socket
import threading
from pathlib import Path


class UnixServer(threading.Thread):
    """Accept connections on one Unix socket and hand each to `handle(conn)` in this thread."""

    def __init__(self, path, handle):
        super().__init__(daemon=True, name="sim:" + Path(path).name)
        self.path = path
        self.handle = handle
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.conn = None
        self._closing = False

    def run(self):
        while not self._closing:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conn = conn
            try:
                self.handle(conn)
            except OSError:
                pass
            finally:
                conn.close()
                self.conn = None

    def close(self):
        self._closing = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        if self.conn:
            try:
                self.conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
