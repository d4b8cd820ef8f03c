"""A wire-level simulator of an R307 / R503 / AS608 ("ZFM") fingerprint sensor.

`ZFMSensorSim` answers ZFM packets on a byte stream exactly as the module would on its UART:
the card's driver (firmware/bioshard_card/drivers/zfm.py, via boards/sim.py's sensor.sock)
and the unmodified `adafruit_fingerprint` library both talk to it. What the module does with
each command is `ZFMSensor` (zfm_commands.py: the finger, the buffers, the library); this
module puts it on the line (uart_line.py: the baud rate modelled, a mismatched UART reads
garbage) and can damage the next reply (zfm_faults.py: corrupt checksum, truncation, dropped
bytes, garbage, delay, silence) to test the driver.

Framing is shared with the card: bioshard_card.drivers.zfm_packet.
"""
from __future__ import annotations

import argparse
import os
import socket
import threading
import time

from bioshard_card.drivers import zfm_codes as C
from bioshard_card.drivers import zfm_packet as P

from .uart_line import LineStream, SocketUART, resample
from .unix_server import UnixServer
from .zfm_commands import LEGAL_BAUDS, MODELS, ZFMSensor
from .zfm_faults import apply_faults, check_kind


class ZFMSensorSim(ZFMSensor):
    def __init__(self, realtime: bool = False, **kw):
        """`kw` as ZFMSensor (model, address, password, packet_size, baud, unknown_reply,
        baud_applies); realtime: pace replies at the UART's byte rate."""
        super().__init__(**kw)
        self.realtime = realtime
        self._faults: list[tuple[str, int, object]] = []
        self._server: UnixServer | None = None
        self._stop = threading.Event()

    def inject_fault(self, kind: str, packet: int = 0, arg=None) -> None:
        """Damage packet number `packet` (0 = the acknowledge) of the NEXT reply, once
        (the kinds: zfm_faults.py)."""
        check_kind(kind)
        with self._lock:
            self._faults.append((kind, packet, arg))

    # ---- byte stream -------------------------------------------------------------------

    def serve(self, conn) -> None:
        """Answer packets on `conn` (a socket, or a (reader, writer) pair of binary files)
        until it closes or stop() is called."""
        io = LineStream(conn, self._line_in)
        while not self._stop.is_set():
            try:
                if not io.sync():
                    return
                hdr = bytes((P.START_HI, P.START_LO)) + io.read_exact(P.HEADER_LEN - 2)
                try:
                    addr, pid, n = P.parse_header(hdr)
                except C.ZFMProtocolError:
                    continue  # resync on the next start code
                body = io.read_exact(n + P.CHECKSUM_LEN)
            except EOFError:
                return
            if addr != self.address:
                continue  # addressed to another module on the bus
            try:
                P.check(pid, body[:n], body[n:])
            except C.ZFMChecksumError:
                self._send(io, self._ack(C.PACKET_RECEIVE_ERR))
                continue
            if pid in (C.PID_DATA, C.PID_END) and self.expecting_data:
                self.receive_data(pid, body[:n])
                continue
            if pid != C.PID_COMMAND or n == 0:
                self._send(io, self._ack(C.PACKET_RECEIVE_ERR))
                continue
            self._send(io, self.handle(body[0], body[1:n]))

    def _send(self, io: LineStream, packets: list[bytes]) -> None:
        # This reply goes out at the current rate; a baud change it acknowledges takes effect
        # right after it (switched before the bytes leave, so nobody can observe the old
        # rate after having seen the ack).
        rate = self.baud
        if self.baud_applies == "ack":
            self.baud = self.baud_setting
        with self._lock:
            faults, self._faults = self._faults, []
        for item in apply_faults(packets, faults):
            if isinstance(item, float):
                time.sleep(item)
                continue
            # A card UART at another rate decodes garbage (or nothing) from the burst.
            io.write(item if io.rate in (None, rate) else resample(item, rate, io.rate))
            if self.realtime:
                time.sleep(len(item) * 10 / rate)

    def _line_in(self, rate: int | None, data: bytes) -> bytes:
        """What the sensor's UART decodes from bytes the card sent at `rate`."""
        return data if rate in (None, self.baud) else resample(data, rate, self.baud)

    def serve_socket(self, conn) -> None:
        """One card connection (the sim runner's per-connection handler): a fresh link
        means a power-cycled card (and sensor): the password must be verified again, a baud
        change waiting for the power-up applies."""
        self.power_cycle()
        self.serve(conn)

    def start(self, conn) -> threading.Thread:
        """serve(conn) on a daemon thread."""
        t = threading.Thread(target=self.serve, args=(conn,), name="zfm-sim", daemon=True)
        t.start()
        return t

    def serve_unix(self, path: str) -> None:
        """Listen on a Unix socket (BIOSHARD_SIM_DIR/sensor.sock) and serve each card
        connection in turn (a rebooting card reconnects), until stop()."""
        self._listen(path).run()

    def start_unix(self, path: str) -> threading.Thread:
        """serve_unix(path) on a daemon thread, listening when this returns."""
        srv = self._listen(path)
        srv.start()
        return srv

    def _listen(self, path: str) -> UnixServer:
        if os.path.exists(path):
            os.unlink(path)
        self._server = UnixServer(path, self.serve_socket)
        return self._server

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.close()

    @classmethod
    def loopback(cls, timeout: float = 1.0, uart_baud: int | None = None, **kw) -> tuple["ZFMSensorSim", "SocketUART"]:
        """A simulator on a thread and the UART that talks to it (a socketpair). With
        uart_baud the UART has a rate (init(baudrate=...) / .baudrate change it) and the
        simulator garbles what crosses at a mismatched rate; without, it always matches."""
        a, b = socket.socketpair()
        sim = cls(**kw)
        sim.start(a)
        return sim, SocketUART(b, timeout, baudrate=uart_baud)


def main(argv=None) -> None:
    """python -m bioshard.sim.sensor --sock DIR/sensor.sock [--finger IMAGE]"""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--sock", required=True, help="Unix socket path to listen on")
    ap.add_argument("--finger", help="image kept on the sensor (any PIL-readable file)")
    ap.add_argument("--model", default="R307", choices=sorted(MODELS))
    ap.add_argument("--realtime", action="store_true", help="pace replies at the sensor's current baud rate")
    ap.add_argument("--baud", type=int, default=57600, choices=LEGAL_BAUDS, help="rate the module starts at (factory 57600)")
    ap.add_argument("--packet-size", type=int, default=128, choices=P.PACKET_SIZES)
    args = ap.parse_args(argv)
    sim = ZFMSensorSim(model=args.model, realtime=args.realtime, baud=args.baud, packet_size=args.packet_size)
    if args.finger:
        sim.place_finger(args.finger)
    sim.serve_unix(args.sock)


if __name__ == "__main__":
    main()
