"""The 2-of-2 MuSig2 Taproot wallet on the host: descriptor, PSBT building and finalizing."""
