# ESP32-WROVER devkit (4 MB PSRAM) + R307 optical sensor (UART2) + Waveshare 2.13" V4 (SSD1680).
#
#   R307  TX -> GPIO16 (U2 RX)    RX <- GPIO17 (U2 TX)    VCC 3V3, TOUCH (WAKEUP) -> GPIO4
#   Panel SCK GPIO18, MOSI GPIO23, CS GPIO5, DC GPIO15, RST GPIO2, BUSY GPIO13.
#   Reject button GPIO0 (BOOT key, active low, internal pull-up).
import esp32_common as _c

NAME = "esp32_wrover_r307"
PANEL_WIDTH = 122
PANEL_HEIGHT = 250
SENSOR_BAUD = _c.SENSOR_BAUD

PINS = {
    "sensor_tx": 17, "sensor_rx": 16, "sensor_touch": 4,
    "epd_sck": 18, "epd_mosi": 23, "epd_cs": 5, "epd_dc": 15, "epd_rst": 2, "epd_busy": 13,
    "button": 0,
}


def sensor_uart():
    return _c.sensor_uart(PINS)


def panel_bus():
    return _c.panel_bus(PINS)


def button():
    return _c.button(PINS)


sensor_link = _c.sensor_link
ble_peripheral = _c.ble_peripheral
data_dir = _c.data_dir
