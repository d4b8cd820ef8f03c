# Input fields of the card's PSBT parser (psbt.py): BIP-174 basics, BIP-371 Taproot and
# BIP-373 MuSig2 fields, each length-checked before it is read.
try:
    from micropython import const
except ImportError:

    def const(x):
        return x


import hashlib

from .errors import PSBTError
from .psbt_limits import MAX_SCRIPT
from .psbt_checks import (ECDSA_TYPES, exact, musig_keydata, musig_participants, no_keydata,
                          pubkey_key, schnorr_sig, tap_bip32, witness_stack)
from .tx import MAX_MONEY, txid_of_serialized

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
_V2_INPUT = (0x0E, 0x0F, 0x10, 0x11, 0x12)


def input_handler(inp, txin, intern):
    def handle(t, kd, v):
        if t == _I_WITNESS_UTXO:
            no_keydata(kd, "witness utxo")
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
            no_keydata(kd, "non-witness utxo")
            # Not needed for Taproot, but if present it must be the transaction it claims.
            if txid_of_serialized(v) != txin.txid:
                raise PSBTError("non-witness utxo does not match the input")
        elif t == _I_SIGHASH:
            no_keydata(kd, "sighash type")
            b = exact(v, 4, "sighash type")
            inp.sighash = b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)
        elif t == _I_TAP_INTERNAL_KEY:
            no_keydata(kd, "tap internal key")
            inp.internal_key = intern(exact(v, 32, "tap internal key"))
        elif t == _I_TAP_MERKLE_ROOT:
            no_keydata(kd, "tap merkle root")
            inp.merkle_root = exact(v, 32, "tap merkle root")
        elif t == _I_TAP_KEY_SIG:
            no_keydata(kd, "tap key sig")
            schnorr_sig(v, "tap key sig")
            inp.tap_key_sig = True
        elif t == _I_TAP_SCRIPT_SIG:
            if len(kd) != 64:
                raise PSBTError("bad key for tap script sig")
            schnorr_sig(v, "tap script sig")
        elif t == _I_TAP_LEAF_SCRIPT:
            if len(kd) < 33 or (len(kd) - 33) % 32 or len(kd) > 33 + 128 * 32 or (kd[0] & 0xFE) == 0x50:
                raise PSBTError("bad key for tap leaf script")
            if v.remaining() < 1:
                raise PSBTError("bad tap leaf script value")
        elif t == _I_TAP_BIP32:
            inp.derivations = tap_bip32(kd, v, "tap bip32 derivation", inp.derivations)
        elif t == _I_MUSIG_PARTICIPANTS:
            inp.musig = musig_participants(kd, v, "musig2 participants", intern, inp.musig)
        elif t == _I_MUSIG_PUB_NONCE:
            musig_keydata(kd, "musig2 pub nonce")
            exact(v, 66, "musig2 pub nonce")
            inp.pub_nonces += 1
        elif t == _I_MUSIG_PARTIAL_SIG:
            musig_keydata(kd, "musig2 partial sig")
            exact(v, 32, "musig2 partial sig")
            inp.partial_sigs += 1
        elif t == _I_FINAL_SCRIPTSIG or t == _I_FINAL_WITNESS:
            no_keydata(kd, "final script")
            if t == _I_FINAL_WITNESS:
                witness_stack(v, "final witness")
            inp.finalized = True
        elif t == _I_REDEEM_SCRIPT or t == _I_WITNESS_SCRIPT:
            no_keydata(kd, "script field")
        elif t == _I_RIPEMD160 or t == _I_HASH160:
            if len(kd) != 20:
                raise PSBTError("bad key for hash preimage")
        elif t == _I_SHA256 or t == _I_HASH256:
            if len(kd) != 32:
                raise PSBTError("bad key for hash preimage")
            h = hashlib.sha256(v.read(v.remaining())).digest()
            if t == _I_HASH256:
                h = hashlib.sha256(h).digest()
            if h != kd:
                raise PSBTError("hash preimage does not match")
        elif t == _I_PARTIAL_SIG or t == _I_BIP32:
            pubkey_key(kd)
            if t == _I_PARTIAL_SIG and (not v.remaining() or v.buf[v.end - 1] not in ECDSA_TYPES):
                raise PSBTError("bad partial sig hash type")
        elif t in _V2_INPUT:
            raise PSBTError("PSBT v2 field in a v0 PSBT")

    return handle
