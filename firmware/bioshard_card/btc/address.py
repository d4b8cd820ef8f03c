# scriptPubKey <-> address for the networks the card knows. Used by the review to show every
# output the way the recipient wrote it, and to refuse addresses for another network.
from . import base58, bech32
from .errors import PSBTError

# name: (bech32 hrp, P2PKH version byte, P2SH version byte)
NETWORKS = {
    "main": ("bc", 0x00, 0x05),
    "test": ("tb", 0x6F, 0xC4),
    "signet": ("tb", 0x6F, 0xC4),
    "regtest": ("bcrt", 0x6F, 0xC4),
}


def _net(network):
    p = NETWORKS.get(network)
    if p is None:
        raise PSBTError("unknown network")
    return p


def p2tr_script(xonly):
    if len(xonly) != 32:
        raise PSBTError("x-only key must be 32 bytes")
    return b"\x51\x20" + xonly


def script_to_address(script, network="main"):
    """Address string for standard scripts, None for anything without an address form."""
    hrp, pkh, sh = _net(network)
    n = len(script)
    if n == 25 and script[:3] == b"\x76\xa9\x14" and script[23:] == b"\x88\xac":
        return base58.encode_check(bytes((pkh,)) + script[3:23])
    if n == 23 and script[:2] == b"\xa9\x14" and script[22] == 0x87:
        return base58.encode_check(bytes((sh,)) + script[2:22])
    if 4 <= n <= 42 and (script[0] == 0 or 0x51 <= script[0] <= 0x60) and script[1] == n - 2:
        ver = 0 if script[0] == 0 else script[0] - 0x50
        try:
            return bech32.encode_segwit(hrp, ver, script[2:])
        except PSBTError:
            return None
    return None


def address_to_script(addr, network="main"):
    """scriptPubKey of an address for `network`; an address of another network is refused
    with a message naming both networks."""
    hrp, pkh, sh = _net(network)
    from .address_net import other_network  # host-side parsing only: not in the card's heap

    wrong = other_network(addr, network)
    if wrong is not None:
        raise wrong
    if addr.lower().startswith(hrp + "1"):
        ver, prog = bech32.decode_segwit(hrp, addr)
        return bytes((0 if ver == 0 else 0x50 + ver, len(prog))) + prog
    b = base58.decode_check(addr)
    if len(b) == 21 and b[0] == pkh:
        return b"\x76\xa9\x14" + b[1:] + b"\x88\xac"
    if len(b) == 21 and b[0] == sh:
        return b"\xa9\x14" + b[1:] + b"\x87"
    raise PSBTError("not an address for %s" % network)


def describe_script(script, network="main"):
    """Text the panel shows for an output: its address, or what kind of non-address it is."""
    a = script_to_address(script, network)
    if a is not None:
        return a
    if script[:1] == b"\x6a":
        return "OP_RETURN data (%d bytes)" % (len(script) - 1)
    return "non-standard script (%d bytes)" % len(script)
