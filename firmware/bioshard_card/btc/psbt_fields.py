# Global and output fields of the card's PSBT parser (psbt.py). Input fields are in
# psbt_inputs.py, shared checks in psbt_checks.py: split so no module is big to compile in a
# 100 KB heap.
try:
    from micropython import const
except ImportError:

    def const(x):
        return x


from .errors import PSBTError
from .psbt_limits import MAX_INPUTS, MAX_OUTPUTS, MAX_SCRIPT
from .psbt_checks import exact, musig_participants, no_keydata, pubkey_key, tap_bip32, tap_tree
from .tx import parse_unsigned

_G_UNSIGNED_TX = const(0x00)
_G_XPUB = const(0x01)
_G_VERSION = const(0xFB)
_O_REDEEM_SCRIPT = const(0x00)
_O_WITNESS_SCRIPT = const(0x01)
_O_BIP32 = const(0x02)
_O_TAP_INTERNAL_KEY = const(0x05)
_O_TAP_TREE = const(0x06)
_O_TAP_BIP32 = const(0x07)
_O_MUSIG_PARTICIPANTS = const(0x08)
_V2_GLOBAL = (0x02, 0x03, 0x04, 0x05, 0x06)
_V2_OUTPUT = (0x03, 0x04)


def global_handler(state, intern):
    def handle(t, kd, v):
        if t == _G_UNSIGNED_TX:
            no_keydata(kd, "unsigned tx")
            state[0] = parse_unsigned(v, MAX_INPUTS, MAX_OUTPUTS, MAX_SCRIPT, intern)
        elif t == _G_VERSION:
            no_keydata(kd, "version")
            if exact(v, 4, "version") != b"\x00\x00\x00\x00":
                raise PSBTError("only PSBT version 0 is supported")
        elif t == _G_XPUB:
            if len(kd) != 78:
                raise PSBTError("bad key for global xpub")
            if v.remaining() < 4 or v.remaining() % 4:
                raise PSBTError("bad global xpub value")
        elif t in _V2_GLOBAL:
            raise PSBTError("PSBT v2 field in a v0 PSBT")

    return handle


def output_handler(out, intern):
    def handle(t, kd, v):
        if t == _O_TAP_INTERNAL_KEY:
            no_keydata(kd, "tap internal key")
            out.internal_key = intern(exact(v, 32, "tap internal key"))
        elif t == _O_TAP_TREE:
            no_keydata(kd, "tap tree")
            tap_tree(v)
            out.tap_tree = True
        elif t == _O_TAP_BIP32:
            out.derivations = tap_bip32(kd, v, "tap bip32 derivation", out.derivations)
        elif t == _O_MUSIG_PARTICIPANTS:
            out.musig = musig_participants(kd, v, "musig2 participants", intern, out.musig)
        elif t == _O_REDEEM_SCRIPT or t == _O_WITNESS_SCRIPT:
            no_keydata(kd, "script field")
        elif t == _O_BIP32:
            pubkey_key(kd)
        elif t in _V2_OUTPUT:
            raise PSBTError("PSBT v2 field in a v0 PSBT")

    return handle
