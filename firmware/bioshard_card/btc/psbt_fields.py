# Field-level checks for the card's PSBT parser (psbt.py): one handler per map kind, each
# validating key and value lengths of the BIP-174/371/373 fields it knows before reading them.
# Kept apart from the driver so neither module is big to compile in a small heap.
try:
    from micropython import const
except ImportError:

    def const(x):
        return x


from .errors import PSBTError
from .psbt import MAX_INPUTS, MAX_OUTPUTS, MAX_SCRIPT, MAX_PARTICIPANTS, MAX_MUSIG
from .tx import MAX_MONEY, parse_unsigned, txid_of_serialized


# Global keys
_G_UNSIGNED_TX = const(0x00)
_G_XPUB = const(0x01)
_G_VERSION = const(0xFB)

# Input keys
_I_NON_WITNESS_UTXO = const(0x00)
_I_WITNESS_UTXO = const(0x01)
_I_PARTIAL_SIG = const(0x02)
_I_SIGHASH = const(0x03)
_I_REDEEM_SCRIPT = const(0x04)
_I_WITNESS_SCRIPT = const(0x05)
_I_BIP32 = const(0x06)
_I_FINAL_SCRIPTSIG = const(0x07)
_I_FINAL_WITNESS = const(0x08)
_I_RIPEMD160 = const(0x0A)
_I_SHA256 = const(0x0B)
_I_HASH160 = const(0x0C)
_I_HASH256 = const(0x0D)
_I_TAP_KEY_SIG = const(0x13)
_I_TAP_SCRIPT_SIG = const(0x14)
_I_TAP_LEAF_SCRIPT = const(0x15)
_I_TAP_BIP32 = const(0x16)
_I_TAP_INTERNAL_KEY = const(0x17)
_I_TAP_MERKLE_ROOT = const(0x18)
_I_MUSIG_PARTICIPANTS = const(0x1A)
_I_MUSIG_PUB_NONCE = const(0x1B)
_I_MUSIG_PARTIAL_SIG = const(0x1C)

# Output keys
_O_REDEEM_SCRIPT = const(0x00)
_O_WITNESS_SCRIPT = const(0x01)
_O_BIP32 = const(0x02)
_O_TAP_INTERNAL_KEY = const(0x05)
_O_TAP_TREE = const(0x06)
_O_TAP_BIP32 = const(0x07)
_O_MUSIG_PARTICIPANTS = const(0x08)

# Fields PSBT v2 (BIP-370) defines and v0 must not contain.
_V2_GLOBAL = (0x02, 0x03, 0x04, 0x05, 0x06)
_V2_INPUT = (0x0E, 0x0F, 0x10, 0x11, 0x12)
_V2_OUTPUT = (0x03, 0x04)


def _exact(v, n, what):
    if v.remaining() != n:
        raise PSBTError("bad %s length" % what)
    return v.read(n)


def _no_keydata(kd, what):
    if kd:
        raise PSBTError("bad key for %s" % what)


def _is_point33(b):
    return len(b) == 33 and (b[0] == 2 or b[0] == 3)


def _musig_participants(kd, v, what, intern, prev):
    if not _is_point33(kd):
        raise PSBTError("bad key for %s" % what)
    n = v.remaining()
    if n == 0 or n % 33 or n // 33 > MAX_PARTICIPANTS:
        raise PSBTError("bad %s value" % what)
    raw = v.read(n)
    for i in range(0, n, 33):
        if raw[i] != 2 and raw[i] != 3:
            raise PSBTError("bad %s value" % what)
    if prev is None:
        prev = ()
    elif len(prev) >= MAX_MUSIG:
        raise PSBTError("too many MuSig2 aggregate keys")
    return intern(prev + ((intern(kd), intern(raw)),))


def _musig_keydata(kd, what):
    # <33-byte participant> <33-byte aggregate> [<32-byte leaf hash>]
    if len(kd) not in (66, 98) or not _is_point33(kd[:33]) or not _is_point33(kd[33:66]):
        raise PSBTError("bad key for %s" % what)


def _tap_bip32(kd, v, what):
    if len(kd) != 32:
        raise PSBTError("bad key for %s" % what)
    n = v.compact()
    if n > 64 or n * 32 + 4 > v.remaining():
        raise PSBTError("bad %s value" % what)
    v.skip(n * 32 + 4)  # leaf hashes, master fingerprint
    if v.remaining() % 4 or v.remaining() > 4 * 32:
        raise PSBTError("bad %s value" % what)
    v.skip(v.remaining())


def global_handler(state, intern):
    def handle(t, kd, v):
        if t == _G_UNSIGNED_TX:
            _no_keydata(kd, "unsigned tx")
            state[0] = parse_unsigned(v, MAX_INPUTS, MAX_OUTPUTS, MAX_SCRIPT, intern)
        elif t == _G_VERSION:
            _no_keydata(kd, "version")
            if _exact(v, 4, "version") != b"\x00\x00\x00\x00":
                raise PSBTError("only PSBT version 0 is supported")
        elif t == _G_XPUB:
            if len(kd) != 78:
                raise PSBTError("bad key for global xpub")
            if v.remaining() < 4 or v.remaining() % 4:
                raise PSBTError("bad global xpub value")
        elif t in _V2_GLOBAL:
            raise PSBTError("PSBT v2 field in a v0 PSBT")

    return handle


def input_handler(inp, txin, intern):
    def handle(t, kd, v):
        if t == _I_WITNESS_UTXO:
            _no_keydata(kd, "witness utxo")
            amount = v.u64()
            if amount > MAX_MONEY:
                raise PSBTError("input amount out of range")
            n = v.compact()
            if n > MAX_SCRIPT:
                raise PSBTError("input script too long")
            script = v.read(n)
            if v.remaining():
                raise PSBTError("bad witness utxo length")
            inp.amount, inp.script = amount, intern(script)
        elif t == _I_NON_WITNESS_UTXO:
            _no_keydata(kd, "non-witness utxo")
            # Not needed for Taproot, but if present it must be the transaction it claims.
            if txid_of_serialized(v) != txin.txid:
                raise PSBTError("non-witness utxo does not match the input")
        elif t == _I_SIGHASH:
            _no_keydata(kd, "sighash type")
            b = _exact(v, 4, "sighash type")
            inp.sighash = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)
        elif t == _I_TAP_INTERNAL_KEY:
            _no_keydata(kd, "tap internal key")
            inp.internal_key = intern(_exact(v, 32, "tap internal key"))
        elif t == _I_TAP_MERKLE_ROOT:
            _no_keydata(kd, "tap merkle root")
            inp.merkle_root = _exact(v, 32, "tap merkle root")
        elif t == _I_TAP_KEY_SIG:
            _no_keydata(kd, "tap key sig")
            if v.remaining() not in (64, 65):
                raise PSBTError("bad tap key sig length")
            inp.tap_key_sig = True
        elif t == _I_TAP_SCRIPT_SIG:
            if len(kd) != 64:
                raise PSBTError("bad key for tap script sig")
            if v.remaining() not in (64, 65):
                raise PSBTError("bad tap script sig length")
        elif t == _I_TAP_LEAF_SCRIPT:
            if len(kd) < 33 or (len(kd) - 33) % 32 or len(kd) > 33 + 128 * 32:
                raise PSBTError("bad key for tap leaf script")
            if v.remaining() < 1:
                raise PSBTError("bad tap leaf script value")
        elif t == _I_TAP_BIP32:
            _tap_bip32(kd, v, "tap bip32 derivation")
        elif t == _I_MUSIG_PARTICIPANTS:
            inp.musig = _musig_participants(kd, v, "musig2 participants", intern, inp.musig)
        elif t == _I_MUSIG_PUB_NONCE:
            _musig_keydata(kd, "musig2 pub nonce")
            _exact(v, 66, "musig2 pub nonce")
            inp.pub_nonces += 1
        elif t == _I_MUSIG_PARTIAL_SIG:
            _musig_keydata(kd, "musig2 partial sig")
            _exact(v, 32, "musig2 partial sig")
            inp.partial_sigs += 1
        elif t == _I_FINAL_SCRIPTSIG or t == _I_FINAL_WITNESS:
            _no_keydata(kd, "final script")
            inp.finalized = True
        elif t == _I_REDEEM_SCRIPT or t == _I_WITNESS_SCRIPT:
            _no_keydata(kd, "script field")
        elif t == _I_RIPEMD160 or t == _I_HASH160:
            if len(kd) != 20:
                raise PSBTError("bad key for hash preimage")
        elif t == _I_SHA256 or t == _I_HASH256:
            if len(kd) != 32:
                raise PSBTError("bad key for hash preimage")
        elif t == _I_PARTIAL_SIG or t == _I_BIP32:
            if len(kd) not in (33, 65):
                raise PSBTError("bad key for pubkey field")
        elif t in _V2_INPUT:
            raise PSBTError("PSBT v2 field in a v0 PSBT")

    return handle


def output_handler(out, intern):
    def handle(t, kd, v):
        if t == _O_TAP_INTERNAL_KEY:
            _no_keydata(kd, "tap internal key")
            out.internal_key = intern(_exact(v, 32, "tap internal key"))
        elif t == _O_TAP_TREE:
            _no_keydata(kd, "tap tree")
            if v.remaining() == 0:
                raise PSBTError("empty tap tree")
            out.tap_tree = True
        elif t == _O_TAP_BIP32:
            _tap_bip32(kd, v, "tap bip32 derivation")
        elif t == _O_MUSIG_PARTICIPANTS:
            out.musig = _musig_participants(kd, v, "musig2 participants", intern, out.musig)
        elif t == _O_REDEEM_SCRIPT or t == _O_WITNESS_SCRIPT:
            _no_keydata(kd, "script field")
        elif t == _O_BIP32:
            if len(kd) not in (33, 65):
                raise PSBTError("bad key for pubkey field")
        elif t in _V2_OUTPUT:
            raise PSBTError("PSBT v2 field in a v0 PSBT")

    return handle


