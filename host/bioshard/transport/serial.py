"""SerialTransport: the card's USB serial port, carrying the framed RPC stream directly
(no GATT records: USB has no MTU to respect). pyserial, as Jade's JadeSerialImpl."""
from ..errors import NoCardError, TransportError
from .base import Transport, require_connected

DEFAULT_BAUDRATE = 115200


class SerialTransport(Transport):
    kind = "serial"

    def __init__(self, port, baudrate=DEFAULT_BAUDRATE):
        self.port = port
        self.baudrate = baudrate
        self._ser = None

    def describe(self):
        return "serial:%s" % self.port

    @property
    def connected(self):
        return self._ser is not None

    def connect(self):
        if self._ser:
            return
        import serial  # pyserial: imported here so the sim and BLE paths never need it

        try:
            # No DTR/RTS toggling: on ESP32 dev boards those lines reset the chip.
            ser = serial.Serial()
            ser.port = self.port
            ser.baudrate = self.baudrate
            ser.timeout = 0
            ser.dtr = False
            ser.rts = False
            ser.open()
        except (serial.SerialException, OSError, ValueError) as e:
            raise NoCardError("cannot open %s: %s" % (self.port, e))
        ser.reset_input_buffer()
        self._ser = ser

    def disconnect(self):
        if self._ser:
            try:
                self._ser.close()
            finally:
                self._ser = None

    def write(self, data):
        require_connected(self)
        import serial

        try:
            self._ser.write(data)
            self._ser.flush()
        except (serial.SerialException, OSError) as e:
            self.disconnect()
            raise TransportError("%s: write failed (%s)" % (self.describe(), e))

    def read(self, n, timeout):
        require_connected(self)
        import serial

        try:
            self._ser.timeout = timeout
            first = self._ser.read(1)  # waits up to timeout for the first byte
            if not first:
                return b""
            waiting = min(self._ser.in_waiting, n - 1)
            return first + (self._ser.read(waiting) if waiting else b"")
        except (serial.SerialException, OSError) as e:
            self.disconnect()
            raise TransportError("%s: read failed (%s)" % (self.describe(), e))


def list_serial_ports():
    """[(device, description)] of the serial ports pyserial can see."""
    from serial.tools import list_ports

    return [(p.device, p.description or "") for p in sorted(list_ports.comports(), key=lambda p: p.device)]
