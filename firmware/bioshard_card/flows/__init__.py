# The card's user-facing flows (enrollment, signing, address check), each driving the panel,
# the sensor and the button through small interfaces so tests can run them without hardware.
