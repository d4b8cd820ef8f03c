# Bech32 (BIP-173) and Bech32m (BIP-350) strings and segwit addresses.
# Witness v0 uses Bech32, v1+ (Taproot) Bech32m. The card only *encodes* (it shows addresses);
# decoding, which refuses the wrong checksum variant, mixed case, bad padding and bad program
# lengths exactly as BIP-350 specifies, is in bech32_decode.py and loaded only when used. The
# alphabet, checksum and bit regrouping both use are in bech32_core.py; its public names are
# available from this module too.
from .bech32_core import BECH32, BECH32M, CHARSET, AddressError, convertbits, polymod


def encode(hrp, data, spec):
    """hrp (lowercase str), data (5-bit values), spec BECH32 or BECH32M."""
    pm = polymod(hrp, data, 6) ^ spec
    out = [hrp, "1"]
    for d in data:
        out.append(CHARSET[d])
    for i in range(6):
        out.append(CHARSET[(pm >> 5 * (5 - i)) & 31])
    return "".join(out)


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
