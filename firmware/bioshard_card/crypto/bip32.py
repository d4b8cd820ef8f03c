# BIP-32 extended public keys: serialization and public child derivation (CKDpub) only.
#
# The card never holds a BIP-32 seed (its key share comes from the fingerprints, see kdf.py);
# it needs xpubs only to follow a MuSig2 aggregate key's unhardened derivation (BIP-328), so
# there is no private derivation here on purpose.
from . import secp256k1 as ec
from .sha512 import hmac_sha512

XPUB_MAIN = b"\x04\x88\xb2\x1e"
TPUB_TEST = b"\x04\x35\x87\xcf"
HARDENED = 0x80000000


def ckd_pub(pubkey, chaincode, index):
    """(child_pubkey, child_chaincode, tweak) for unhardened `index`.

    `tweak` is the scalar I_L added to the parent key: BIP-328 applies exactly these as plain
    (non x-only) MuSig2 tweaks so the signers can sign for the derived child key."""
    if index >= HARDENED:
        raise ValueError("hardened derivation needs the private key")
    I = hmac_sha512(chaincode, pubkey + index.to_bytes(4, "big"))
    il = int.from_bytes(I[:32], "big")
    if il >= ec.N:
        raise ValueError("invalid child (I_L >= n): use the next index")
    child = ec.to_affine(ec.jadd(ec.jmul_g(il), ec.to_jacobian(ec.cpoint(pubkey))))
    if child is None:
        raise ValueError("invalid child (infinity): use the next index")
    return ec.cbytes(child), I[32:], I[:32]


def serialize_xpub(pubkey, chaincode, depth=0, parent_fpr=b"\x00\x00\x00\x00", child=0,
                   version=XPUB_MAIN):
    """The 78-byte BIP-32 serialization (before Base58Check)."""
    if len(pubkey) != 33 or len(chaincode) != 32:
        raise ValueError("bad xpub fields")
    return version + bytes((depth,)) + parent_fpr + child.to_bytes(4, "big") + chaincode + pubkey


def xpub_string(raw78):
    from ..btc.base58 import encode_check

    return encode_check(raw78)
