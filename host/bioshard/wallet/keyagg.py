"""The wallet's keys: BIP-327 KeySort/KeyAgg and the BIP-341 key-path Taproot tweak, on
libsecp256k1 (coincurve).

KeyAgg is the card's one BIP-327 implementation run on libsecp256k1 (bioshard.signing), not a
second copy: the official BIP-327 and BIP-328 vectors (tests/host/test_btc_descriptor.py) and
btclib's addresses check it.
"""
from coincurve import PublicKey

from bioshard_card.crypto.hashes import tagged_hash  # noqa: F401  (descriptor.py uses it)
from bioshard_card.crypto.secp256k1 import N

from .. import signing


def key_sort(pubkeys):
    return signing.key_sort([bytes(k) for k in pubkeys])


def key_agg(pubkeys) -> bytes:
    """Aggregate key (33-byte compressed) of the keys in the given order (sort them first)."""
    pubkeys = [bytes(k) for k in pubkeys]
    if not pubkeys:
        raise ValueError("no keys")
    try:
        return signing.get_plain_pk(signing.key_agg(pubkeys))
    except signing.InvalidContributionError:
        raise ValueError("participant keys must be 33-byte compressed points") from None


def taproot_tweak(internal_xonly: bytes, merkle_root: bytes = b"") -> bytes:
    return tagged_hash("TapTweak", internal_xonly + merkle_root)


def taproot_output_key(agg_key: bytes) -> bytes:
    """x-only output key Q = lift_x(P) + H_TapTweak(P)·G for a key-path-only output."""
    x = bytes(agg_key[-32:])
    t = taproot_tweak(x)
    if int.from_bytes(t, "big") >= N:
        raise ValueError("tweak out of range")
    return PublicKey(b"\x02" + x).add(t).format(compressed=True)[1:]


def wallet_keys(pubkeys):
    """(sorted participants, aggregate 33 bytes, output x-only 32 bytes) of a MuSig2 wallet."""
    parts = key_sort(pubkeys)
    agg = key_agg(parts)
    return parts, agg, taproot_output_key(agg)
