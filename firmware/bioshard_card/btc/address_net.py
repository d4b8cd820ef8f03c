# Which network an address is for, so a wrong-network address is refused by name ("this is a
# testnet address; the wallet is on mainnet"). Used by address_to_script, which only the host
# and tests call: the card shows addresses but never parses one.
from . import base58
from .errors import PSBTError

_NET_NAMES = {"main": "mainnet", "test": "testnet", "signet": "signet", "regtest": "regtest"}
_HRP_NETS = (("bcrt", "regtest"), ("bc", "mainnet"), ("tb", "testnet or signet"))


def address_network(addr):
    """Name of the network(s) an address is for ("mainnet", "testnet or signet",
    "testnet, signet or regtest" for legacy testnet versions, "regtest"), or None."""
    low = addr.lower()
    for hrp, name in _HRP_NETS:
        if low.startswith(hrp + "1"):
            return name
    try:
        b = base58.decode_check(addr)
    except PSBTError:
        return None
    if len(b) != 21:
        return None
    if b[0] in (0x00, 0x05):
        return "mainnet"
    if b[0] in (0x6F, 0xC4):
        return "testnet, signet or regtest"
    return None


def other_network(addr, network):
    found = address_network(addr)
    if found is None:
        return None
    if network == "main" and found == "mainnet":
        return None
    if network != "main" and found != "mainnet" and (found == "testnet, signet or regtest"
                                                     or (found == "regtest") == (network == "regtest")):
        return None
    return PSBTError("this is a %s address; the wallet is on %s" % (found, _NET_NAMES[network]))
