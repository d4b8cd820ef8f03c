# ESP32-WROVER devkit (4 MB PSRAM) + R307 optical sensor (UART2) + Waveshare 2.13" V4 (SSD1680).
#
#   R307  TX -> GPIO16 (U2 RX)    RX <- GPIO17 (U2 TX)    VCC 3V3, TOUCH (WAKEUP) -> GPIO4
#   Panel SCK GPIO18, MOSI GPIO23, CS GPIO5, DC GPIO15, RST GPIO2, BUSY GPIO13.
#   Reject button GPIO0 (BOOT key, active low, internal pull-up).
from machine import Pin, SPI, UART

NAME = "esp32_wrover_r307"
PANEL_WIDTH = 122
PANEL_HEIGHT = 250
SENSOR_BAUD = 57600

PINS = {
    "sensor_tx": 17, "sensor_rx": 16, "sensor_touch": 4,
    "epd_sck": 18, "epd_mosi": 23, "epd_cs": 5, "epd_dc": 15, "epd_rst": 2, "epd_busy": 13,
    "button": 0,
}


def sensor_uart():
    # rxbuf holds a whole ZFM data packet (128 B payload + 11 B framing) with room to spare.
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
    return Pin(PINS["button"], Pin.IN, Pin.PULL_UP)


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
