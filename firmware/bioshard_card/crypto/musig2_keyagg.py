# BIP-327 key aggregation and tweaking (KeyAgg, ApplyTweak) and the protocol error type.
# Re-exported by musig2.py, which is what callers import.
#
# BIP-327 is implemented once, for the card and the host. Every function that does curve
# arithmetic takes the backend as its last argument `ec`: by default the card's pure-Python
# secp256k1 module; the host passes libsecp256k1 (host/bioshard/ec_coincurve.py). The backend
# is these public names of secp256k1.py (points are opaque here, None = infinity):
#   G, cpoint, cpoint_ext, cbytes, cbytes_ext, xbytes, has_even_y, negate, remember_point
#   mul_g, mul_g2      k*G: the only operations that see SECRET scalars (keys, nonces); on the
#                      card the comb, whose operation sequence does not depend on the scalar
#   jmul_g, jmul, jmul_multi, jadd, to_jacobian, to_affine
#                      sums in the backend's working form (Jacobian on the card: no inversion
#                      until to_affine), for PUBLIC scalars only (coefficients, tweaks, challenges)
from . import secp256k1
from .hashes import tagged_hash

N = secp256k1.N
_ZERO33 = bytes(33)


class InvalidContributionError(Exception):
    """A signer (index `signer`, or None for the aggregator) sent an invalid `contrib`:
    one of "pubkey", "pubnonce", "aggnonce", "aggothernonce", "psig"."""

    def __init__(self, signer, contrib):
        super().__init__("invalid %s from signer %r" % (contrib, signer))
        self.signer = signer
        self.contrib = contrib


def _int(b):
    return int.from_bytes(b, "big")


def _b32(x):
    return x.to_bytes(32, "big")


def _xor(a, b):
    return bytes(a[i] ^ b[i] for i in range(len(a)))


def individual_pk(seckey, ec=secp256k1):
    d0 = _int(seckey)
    if not 1 <= d0 <= N - 1:
        raise ValueError("The secret key must be an integer in the range 1..n-1.")
    return ec.cbytes(ec.mul_g(d0))


def key_sort(pubkeys):
    return sorted(pubkeys)


def get_xonly_pk(keyagg_ctx, ec=secp256k1):
    return ec.xbytes(keyagg_ctx[0])


def get_plain_pk(keyagg_ctx, ec=secp256k1):
    return ec.cbytes(keyagg_ctx[0])


def hash_keys(pubkeys):
    return tagged_hash("KeyAgg list", b"".join(pubkeys))


def get_second_key(pubkeys):
    for j in range(1, len(pubkeys)):
        if pubkeys[j] != pubkeys[0]:
            return pubkeys[j]
    return _ZERO33


def key_agg_coeff_internal(L, pk_, pk2):
    if pk_ == pk2:
        return 1
    return _int(tagged_hash("KeyAgg coefficient", L + pk_)) % N


def key_agg_coeff(pubkeys, pk_):
    return key_agg_coeff_internal(hash_keys(pubkeys), pk_, get_second_key(pubkeys))


def key_agg(pubkeys, ec=secp256k1):
    pk2 = get_second_key(pubkeys)
    L = hash_keys(pubkeys)
    Q = None  # Jacobian accumulator: one inversion for the whole sum
    pts = []
    coeffs = []
    for i in range(len(pubkeys)):
        try:
            P_i = ec.cpoint(pubkeys[i])
        except ValueError:
            raise InvalidContributionError(i, "pubkey")
        a_i = key_agg_coeff_internal(L, pubkeys[i], pk2)
        if a_i == 1:
            Q = ec.jadd(Q, ec.to_jacobian(P_i))
        else:
            pts.append(P_i)
            coeffs.append(a_i)
    Q = ec.to_affine(ec.jadd(Q, ec.jmul_multi(pts, coeffs)))
    # Q is not infinity except with negligible probability.
    if Q is None:
        raise RuntimeError("aggregate key is infinity")
    return (Q, 1, 0)


def apply_tweak(keyagg_ctx, tweak, is_xonly, ec=secp256k1):
    if len(tweak) != 32:
        raise ValueError("The tweak must be a 32-byte array.")
    Q, gacc, tacc = keyagg_ctx
    g = N - 1 if (is_xonly and not ec.has_even_y(Q)) else 1
    t = _int(tweak)
    if t >= N:
        raise ValueError("The tweak must be less than n.")
    gQ = Q if g == 1 else ec.negate(Q)
    Q_ = ec.to_affine(ec.jadd(ec.to_jacobian(gQ), ec.jmul_g(t)))
    if Q_ is None:
        raise ValueError("The result of tweaking cannot be infinity.")
    return (Q_, g * gacc % N, (t + g * tacc) % N)


_agg_cache = [None, None]  # [key, KeyAggContext]: public data only


def key_agg_and_tweak(pubkeys, tweaks, is_xonly, ec=secp256k1):
    if len(tweaks) != len(is_xonly):
        raise ValueError("The `tweaks` and `is_xonly` arrays must have the same length.")
    key = (ec, tuple(pubkeys), tuple(tweaks), tuple(bool(x) for x in is_xonly))
    if _agg_cache[0] == key:
        return _agg_cache[1]
    ctx = key_agg(pubkeys, ec)
    for i in range(len(tweaks)):
        ctx = apply_tweak(ctx, tweaks[i], is_xonly[i], ec)
    _agg_cache[0] = key
    _agg_cache[1] = ctx
    return ctx
