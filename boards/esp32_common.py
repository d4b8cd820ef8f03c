# Bus factories shared by the ESP32 boards: a board file defines PINS (and its panel size)
# and delegates here, so a pin map is the only thing that differs between boards.
from machine import Pin, SPI, UART

SENSOR_BAUD = 57600


def sensor_uart(pins):
    # rxbuf holds a whole ZFM data packet (128 B payload + 11 B framing) with room to spare.
    return UART(2, baudrate=SENSOR_BAUD, tx=pins["sensor_tx"], rx=pins["sensor_rx"], timeout=1000, rxbuf=1024)


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
