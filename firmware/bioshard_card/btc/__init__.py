# Bitcoin transactions on the card: bounded PSBT parsing, BIP-341 sighash, addresses and the
# "what am I signing" review. Pure MicroPython subset (hashlib.sha256 only), also runs on CPython.
