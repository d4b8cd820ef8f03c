# Board file for the simulated card (MicroPython unix port, started by `bioshard sim`).
# Same contract as the hardware boards (docs/architecture.md); every peripheral is a bus-level
# stand-in from sim_bus talking to the CPython simulators under $BIOSHARD_SIM_DIR.
import os

NAME = "sim"
PANEL_WIDTH = 122
PANEL_HEIGHT = 250
SENSOR_BAUD = 57600

_DIR = os.getenv("BIOSHARD_SIM_DIR") or "/tmp/bioshard-sim"
_spi = None
_gpio = None


def _path(name):
    return _DIR + "/" + name


def sensor_uart():
    from sim_bus import SimUART

    return SimUART(_path("sensor.sock"), timeout_ms=1000)


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
