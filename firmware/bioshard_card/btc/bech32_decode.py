# Decoding bech32/bech32m strings and segwit addresses (BIP-173/350), for the host and the
# tests: the card shows addresses but never parses one, so this is not on its signing path.
from .bech32_core import BECH32, BECH32M, CHARSET, AddressError, convertbits, polymod


def decode(s):
    """Return (hrp, data 5-bit values, spec); raise AddressError for any invalid string."""
    if len(s) > 90:
        raise AddressError("bech32 string too long")
    for c in s:
        if ord(c) < 33 or ord(c) > 126:
            raise AddressError("bech32 character out of range")
    if s.lower() != s and s.upper() != s:
        raise AddressError("bech32 mixed case")
    s = s.lower()
    pos = s.rfind("1")
    if pos < 1 or pos + 7 > len(s):
        raise AddressError("bech32 separator or checksum missing")
    hrp = s[:pos]
    data = bytearray(len(s) - pos - 1)
    for i, c in enumerate(s[pos + 1 :]):
        d = CHARSET.find(c)
        if d < 0:
            raise AddressError("bech32 invalid data character")
        data[i] = d
    pm = polymod(hrp, data)
    if pm == BECH32:
        spec = BECH32
    elif pm == BECH32M:
        spec = BECH32M
    else:
        raise AddressError("bech32 checksum mismatch")
    return hrp, data[:-6], spec


def decode_segwit(hrp, addr):
    """Return (witness version, program bytes) of a segwit address for `hrp`."""
    h, data, spec = decode(addr)
    if h != hrp:
        raise AddressError("address is for another network")
    if not data:
        raise AddressError("empty witness data")
    ver = data[0]
    if ver > 16:
        raise AddressError("invalid witness version")
    prog = bytes(convertbits(data[1:], 5, 8, False))
    if len(prog) < 2 or len(prog) > 40:
        raise AddressError("invalid witness program length")
    if ver == 0 and len(prog) not in (20, 32):
        raise AddressError("invalid v0 program length")
    if (ver == 0) != (spec == BECH32):
        raise AddressError("wrong checksum variant for witness version")
    return ver, prog
