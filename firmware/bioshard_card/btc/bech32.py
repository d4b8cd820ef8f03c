# Bech32 (BIP-173) and Bech32m (BIP-350) strings and segwit addresses.
# Witness v0 uses Bech32, v1+ (Taproot) Bech32m. The card only *encodes* (it shows addresses);
# decoding, which refuses the wrong checksum variant, mixed case, bad padding and bad program
# lengths exactly as BIP-350 specifies, is in bech32_decode.py and loaded only when used.
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


def _polymod(hrp, data, zeros=0):
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


def encode(hrp, data, spec):
    """hrp (lowercase str), data (5-bit values), spec BECH32 or BECH32M."""
    pm = _polymod(hrp, data, 6) ^ spec
    out = [hrp, "1"]
    for d in data:
        out.append(CHARSET[d])
    for i in range(6):
        out.append(CHARSET[(pm >> 5 * (5 - i)) & 31])
    return "".join(out)


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


def encode_segwit(hrp, ver, prog):
    # Refuse what no valid address can carry (the same rules decode_segwit enforces).
    if ver > 16 or len(prog) < 2 or len(prog) > 40 or (ver == 0 and len(prog) not in (20, 32)):
        raise AddressError("invalid witness program")
    spec = BECH32 if ver == 0 else BECH32M
    addr = encode(hrp, bytes((ver,)) + convertbits(prog, 8, 5, True), spec)
    if len(addr) > 90:
        raise AddressError("bech32 string too long")
    return addr


def decode(s):
    """(hrp, 5-bit data, spec) of a bech32/bech32m string; see bech32_decode."""
    from .bech32_decode import decode as _decode

    return _decode(s)


def decode_segwit(hrp, addr):
    """(witness version, program) of a segwit address for `hrp`; see bech32_decode."""
    from .bech32_decode import decode_segwit as _decode_segwit

    return _decode_segwit(hrp, addr)
