# bioshard_card: everything that runs on the Confirmation Device.
# Written in the MicroPython subset that CPython also runs, so the host imports the same
# protocol, crypto and biometric code instead of keeping a second copy.
VERSION = "0.1.0"
