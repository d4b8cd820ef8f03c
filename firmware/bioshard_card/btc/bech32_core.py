# The bech32 alphabet, the BIP-173/350 checksum and the 8<->5-bit regrouping: what the encoder
# (bech32.py, on the card) and the decoder (bech32_decode.py, host and tests) share.
from .errors import PSBTError

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32 = 1
BECH32M = 0x2BC830A3
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


class AddressError(PSBTError):
    pass


def _step(chk, v):
    b = chk >> 25
    chk = ((chk & 0x1FFFFFF) << 5) ^ v
    for i in range(5):
        if (b >> i) & 1:
            chk ^= _GEN[i]
    return chk


def polymod(hrp, data, zeros=0):
    """BIP-173 checksum state over the hrp expansion, `data` and `zeros` trailing zeros."""
    # Runs over hrp-expansion, data and trailing zeros in place: no concatenated lists, so an
    # address costs a few small objects on the card's heap.
    chk = 1
    for c in hrp:
        chk = _step(chk, ord(c) >> 5)
    chk = _step(chk, 0)
    for c in hrp:
        chk = _step(chk, ord(c) & 31)
    for v in data:
        chk = _step(chk, v)
    for _ in range(zeros):
        chk = _step(chk, 0)
    return chk


def convertbits(data, frombits, tobits, pad):
    acc = 0
    bits = 0
    out = bytearray()
    maxv = (1 << tobits) - 1
    for v in data:
        if v < 0 or v >> frombits:
            raise AddressError("bech32 bad value")
        acc = ((acc << frombits) | v) & 0xFFFFFF
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        raise AddressError("bech32 bad padding")
    return out
