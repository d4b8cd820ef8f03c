# Board file for the simulated card (MicroPython unix port, started by `bioshard sim`).
# Same contract as the hardware boards (docs/architecture.md); every peripheral is a bus-level
# stand-in from sim_bus talking to the CPython simulators under $BIOSHARD_SIM_DIR.
import os

NAME = "sim"
PANEL_WIDTH = 122
PANEL_HEIGHT = 250
SENSOR_BAUD = 115200  # negotiated at boot, as on hardware (esp32_common.sensor_uart)
SENSOR_LINK = None  # after sensor_uart(): the SensorLink, or the exception that ended the bring-up

_DIR = os.getenv("BIOSHARD_SIM_DIR") or "/tmp/bioshard-sim"
_spi = None
_gpio = None


def _path(name):
    return _DIR + "/" + name


def sensor_uart():
    # The same bring-up as the ESP32 boards: the simulator models the baud rate on the wire
    # (a UART at the wrong rate hears nothing valid), so the probing is really exercised.
    global SENSOR_LINK
    from sim_bus import SimUART
    from bioshard_card.drivers.zfm_link_setup import board_bring_up

    uart = SimUART(_path("sensor.sock"), timeout_ms=1000, baudrate=SENSOR_BAUD)
    SENSOR_LINK = board_bring_up(uart, timeout_ms=1000)
    return uart


def sensor_link():
    """What sensor_uart() negotiated: a SensorLink, the exception, or None before it ran."""
    return SENSOR_LINK


def panel_bus():
    global _spi
    if _spi is None:
        from sim_bus import SimSPI

        _spi = SimSPI(_path("panel.sock"))
    return _spi, _spi.cs, _spi.dc, _spi.rst, _spi.busy


def _gpio_bus():
    global _gpio
    if _gpio is None:
        from sim_bus import SimGPIO

        _gpio = SimGPIO(_path("gpio.sock"))
    return _gpio


def button():
    return _gpio_bus().pin("btn", 1)


def screen_shown(name, args):
    """Display's optional hook: the simulator's owner reads the screen the card shows (the
    screen function's name and arguments, what the glass shows anyway). Sent before the panel
    refresh, hence before the card next looks at its sensor."""
    _gpio_bus().screen(name, args)


def ble_peripheral(name):
    from bioshard_card.drivers.ble_link import SocketPeripheral

    return SocketPeripheral(name, _path("ble.sock"))


def data_dir():
    d = os.getenv("BIOSHARD_FLASH_DIR") or _path("flash")
    try:
        os.mkdir(d)
    except OSError:
        pass
    return d
