"""Wire-level simulators of the card\x27s peripherals (sensor, panel, BLE) and the sim runner."""
