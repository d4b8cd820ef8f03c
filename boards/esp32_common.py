# Bus factories shared by the ESP32 boards: a board file defines PINS (and its panel size)
# and delegates here, so a pin map is the only thing that differs between boards.
from machine import Pin, SPI, UART

SENSOR_BAUD = 115200  # negotiated at boot (sensor_uart); factory sensors start at 57600
SENSOR_LINK = None  # after sensor_uart(): the SensorLink, or the exception that ended the bring-up


def sensor_uart(pins):
    """The sensor UART, already at the fastest link the sensor accepts (115200 baud, 256-byte
    packets; drivers/zfm_link_setup). A sensor that does not answer is not fatal here: the
    UART is returned anyway and the app's own VfyPwd shows the error on the panel."""
    global SENSOR_LINK
    from bioshard_card.drivers.zfm_link_setup import board_bring_up

    # rxbuf holds three whole 256-byte data packets (+ 11 B framing each): at 115200 baud a
    # packet lasts 23 ms, so the app may be late by ~50 ms without losing a byte.
    uart = UART(2, baudrate=SENSOR_BAUD, tx=pins["sensor_tx"], rx=pins["sensor_rx"], timeout=1000, rxbuf=1024)
    SENSOR_LINK = board_bring_up(uart, timeout_ms=1000)
    return uart


def sensor_link():
    """What sensor_uart() negotiated: a SensorLink, the exception, or None before it ran."""
    return SENSOR_LINK


def panel_bus(pins):
    spi = SPI(2, baudrate=4000000, polarity=0, phase=0, sck=Pin(pins["epd_sck"]), mosi=Pin(pins["epd_mosi"]))
    cs = Pin(pins["epd_cs"], Pin.OUT, value=1)
    dc = Pin(pins["epd_dc"], Pin.OUT, value=0)
    rst = Pin(pins["epd_rst"], Pin.OUT, value=1)
    busy = Pin(pins["epd_busy"], Pin.IN)
    return spi, cs, dc, rst, busy


def button(pins, pull_up=True):
    if pull_up:
        return Pin(pins["button"], Pin.IN, Pin.PULL_UP)
    return Pin(pins["button"], Pin.IN)  # input-only GPIOs (34-39) have no internal pull-up


def ble_peripheral(name):
    from bioshard_card.drivers.ble_aioble import AiobleNusPeripheral

    return AiobleNusPeripheral(name)


def data_dir():
    import os

    try:
        os.mkdir("/data")
    except OSError:
        pass  # already there
    return "/data"
