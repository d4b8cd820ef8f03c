"""BIP-327 KeySort/KeyAgg and the BIP-341 key-path Taproot tweak, on libsecp256k1 (coincurve).

The host computes the wallet's keys with coincurve — not with the card's pure-Python
secp256k1 — so the two sides check each other: a bug in either shows up as a mismatch.
"""
import hashlib

from coincurve import PublicKey

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def tagged_hash(tag: str, msg: bytes) -> bytes:
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + msg).digest()


def key_sort(pubkeys):
    return sorted(bytes(k) for k in pubkeys)


def _check(pk: bytes) -> PublicKey:
    if len(pk) != 33 or pk[0] not in (2, 3):
        raise ValueError("participant keys must be 33-byte compressed points")
    return PublicKey(pk)


def key_agg_coeffs(pubkeys):
    L = tagged_hash("KeyAgg list", b"".join(pubkeys))
    pk2 = next((k for k in pubkeys[1:] if k != pubkeys[0]), None)
    out = []
    for k in pubkeys:
        out.append(1 if k == pk2 else int.from_bytes(tagged_hash("KeyAgg coefficient", L + k), "big") % N)
    return out


def key_agg(pubkeys) -> bytes:
    """Aggregate key (33-byte compressed) of the keys in the given order (sort them first)."""
    pubkeys = [bytes(k) for k in pubkeys]
    if not pubkeys:
        raise ValueError("no keys")
    terms = []
    for k, a in zip(pubkeys, key_agg_coeffs(pubkeys)):
        terms.append(_check(k).multiply(a.to_bytes(32, "big")))
    return PublicKey.combine_keys(terms).format(compressed=True)


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
