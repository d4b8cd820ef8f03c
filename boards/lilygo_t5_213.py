# LilyGO T5 2.13" (ESP32 + on-board SSD1680 122x250 panel) + R503 sensor on the header pins.
#
#   R503  TX -> GPIO21 (U2 RX)    RX <- GPIO22 (U2 TX)    WAKEUP -> GPIO35 (input only)
#   Panel (on board): SCK 18, MOSI 23, CS 5, DC 17, RST 16, BUSY 4.  Button: GPIO39 (IO39 key).
from machine import Pin, SPI, UART

NAME = "lilygo_t5_213"
PANEL_WIDTH = 122
PANEL_HEIGHT = 250
SENSOR_BAUD = 57600

PINS = {
    "sensor_tx": 22, "sensor_rx": 21, "sensor_touch": 35,
    "epd_sck": 18, "epd_mosi": 23, "epd_cs": 5, "epd_dc": 17, "epd_rst": 16, "epd_busy": 4,
    "button": 39,
}


def sensor_uart():
    return UART(2, baudrate=SENSOR_BAUD, tx=PINS["sensor_tx"], rx=PINS["sensor_rx"],
                timeout=1000, rxbuf=1024)


def panel_bus():
    spi = SPI(2, baudrate=4000000, polarity=0, phase=0,
              sck=Pin(PINS["epd_sck"]), mosi=Pin(PINS["epd_mosi"]))
    cs = Pin(PINS["epd_cs"], Pin.OUT, value=1)
    dc = Pin(PINS["epd_dc"], Pin.OUT, value=0)
    rst = Pin(PINS["epd_rst"], Pin.OUT, value=1)
    busy = Pin(PINS["epd_busy"], Pin.IN)
    return spi, cs, dc, rst, busy


def button():
    # GPIO39 is input-only with no internal pull-up; the T5 has an external one.
    return Pin(PINS["button"], Pin.IN)


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
