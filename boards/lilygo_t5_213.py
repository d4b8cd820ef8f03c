# LilyGO T5 2.13" (ESP32 + on-board SSD1680 122x250 panel) + R503 sensor on the header pins.
#
#   R503  TX -> GPIO21 (U2 RX)    RX <- GPIO22 (U2 TX)    WAKEUP -> GPIO35 (input only)
#   Panel (on board): SCK 18, MOSI 23, CS 5, DC 17, RST 16, BUSY 4.  Button: GPIO39 (IO39 key).
import esp32_common as _c

NAME = "lilygo_t5_213"
PANEL_WIDTH = 122
PANEL_HEIGHT = 250
SENSOR_BAUD = _c.SENSOR_BAUD

PINS = {
    "sensor_tx": 22, "sensor_rx": 21, "sensor_touch": 35,
    "epd_sck": 18, "epd_mosi": 23, "epd_cs": 5, "epd_dc": 17, "epd_rst": 16, "epd_busy": 4,
    "button": 39,
}


def sensor_uart():
    return _c.sensor_uart(PINS)


def panel_bus():
    return _c.panel_bus(PINS)


def button():
    return _c.button(PINS, pull_up=False)  # GPIO39: input only, the T5 has an external pull-up


sensor_link = _c.sensor_link
ble_peripheral = _c.ble_peripheral
data_dir = _c.data_dir
