# BIP-328: an extended public key for a MuSig2 aggregate key, so the 2-of-2 wallet can use
# ordinary descriptors (musig(A, B)/0/*) and unhardened derivation.
#
# The synthetic xpub has depth 0, parent fingerprint 0, child number 0, the plain (33-byte)
# aggregate key from BIP-327 KeyAgg, and a fixed chain code defined by BIP-328.
from . import bip32, musig2

CHAINCODE = (b"\x86\x80\x87\xca\x02\xa6\xf9\x74\xc4\x59\x89\x24\xc3\x6b\x57\x76"
             b"\x2d\x32\xcb\x45\x71\x71\x67\xe3\x00\x62\x2c\x71\x67\xe3\x89\x65")


def aggregate_pubkey(pubkeys):
    """Plain aggregate key of `pubkeys` in the order given (sort them first if the
    descriptor says so)."""
    return musig2.get_plain_pk(musig2.key_agg(pubkeys))


def aggregate_xpub_raw(pubkeys, version=bip32.XPUB_MAIN):
    return bip32.serialize_xpub(aggregate_pubkey(pubkeys), CHAINCODE, version=version)


def aggregate_xpub(pubkeys, version=bip32.XPUB_MAIN):
    return bip32.xpub_string(aggregate_xpub_raw(pubkeys, version))


def derive_tweaks(pubkeys, path):
    """Plain tweaks (list of 32-byte values) and the child plain key for the unhardened
    `path` (list of ints) below the aggregate xpub. Pass the tweaks to MuSig2 signing with
    is_xonly False, then add the BIP-341 x-only tweak last."""
    pk = aggregate_pubkey(pubkeys)
    cc = CHAINCODE
    tweaks = []
    for index in path:
        pk, cc, t = bip32.ckd_pub(pk, cc, index)
        tweaks.append(t)
    return tweaks, pk
