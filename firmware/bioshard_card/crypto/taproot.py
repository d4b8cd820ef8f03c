# BIP-341 Taproot: the tweak that turns the MuSig2 aggregate (internal) key into the output
# key, script-tree hashes, and the output script. The 2-of-2 wallet spends by key path only,
# so the tree is usually empty (merkle_root None), but the tree hashes are here so the card
# can check an output that commits to a recovery script.
from . import secp256k1 as ec
from .hashes import tagged_hash


def _ser_script(script):
    n = len(script)
    if n < 0xFD:
        return bytes((n,)) + script
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little") + script
    return b"\xfe" + n.to_bytes(4, "little") + script


def tap_leaf_hash(script, leaf_version=0xC0):
    return tagged_hash("TapLeaf", bytes((leaf_version,)) + _ser_script(script))


def tap_branch_hash(a, b):
    if b < a:
        a, b = b, a
    return tagged_hash("TapBranch", a + b)


def tree_hashes(tree):
    """(merkle_root, {leaf_hash: control-path list}) of a BIP-341 vector-style tree: a leaf is
    {"script": bytes, "leafVersion": int}, a branch is a 2-element list."""
    if isinstance(tree, dict):
        h = tap_leaf_hash(tree["script"], tree["leafVersion"])
        return h, [(h, b"")]
    left, lpaths = tree_hashes(tree[0])
    right, rpaths = tree_hashes(tree[1])
    paths = [(h, p + right) for h, p in lpaths] + [(h, p + left) for h, p in rpaths]
    return tap_branch_hash(left, right), paths


def tap_tweak(internal_xonly, merkle_root=None):
    """The 32-byte tweak t = hash_TapTweak(P || root) (root omitted for key-path-only)."""
    return tagged_hash("TapTweak", internal_xonly + (merkle_root or b""))


def output_key(internal_xonly, merkle_root=None):
    """(output x-only key, parity of its y) = lift_x(P) + t*G."""
    t = int.from_bytes(tap_tweak(internal_xonly, merkle_root), "big")
    if t >= ec.N:
        raise ValueError("tweak out of range")
    P = ec.lift_x(int.from_bytes(internal_xonly, "big"))
    if P is None:
        raise ValueError("internal key is not a valid x coordinate")
    Q = ec.to_affine(ec.jadd(ec.to_jacobian(P), ec.jmul_g(t)))
    return ec.xbytes(Q), Q[1] & 1


def output_script(internal_xonly, merkle_root=None):
    """scriptPubKey of the P2TR output: OP_1 <32-byte output key>."""
    return b"\x51\x20" + output_key(internal_xonly, merkle_root)[0]


def control_block(internal_xonly, merkle_root, path, leaf_version=0xC0):
    _, parity = output_key(internal_xonly, merkle_root)
    return bytes((leaf_version | parity,)) + internal_xonly + path


def tweak_seckey(seckey, merkle_root=None):
    """Single-key tweaked secret key (for the BIP-341 vectors; MuSig2 applies the same tweak
    as an x-only tweak to the aggregate key instead, see signing.md)."""
    d = int.from_bytes(seckey, "big")
    if not 0 < d < ec.N:
        raise ValueError("secret key out of range")
    P = ec.mul_g(d)
    if not ec.has_even_y(P):
        d = ec.N - d
    t = int.from_bytes(tap_tweak(ec.xbytes(P), merkle_root), "big")
    if t >= ec.N:
        raise ValueError("tweak out of range")
    out = (d + t) % ec.N
    if out == 0:
        raise ValueError("tweaked key is zero")
    return out.to_bytes(32, "big")
