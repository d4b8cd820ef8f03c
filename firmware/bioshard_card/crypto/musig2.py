# MuSig2 (BIP-327): the BIP's algorithms under the BIP's names and argument order.
#
#   key_sort, key_agg, get_xonly_pk, get_plain_pk, apply_tweak, key_agg_and_tweak,
#   nonce_gen, nonce_agg, SessionContext, sign, deterministic_sign, partial_sig_verify,
#   partial_sig_verify_internal, partial_sig_agg
#
# Errors as in the BIP: ValueError for malformed input (messages match the official vectors),
# InvalidContributionError(signer, contrib) naming who sent something invalid.
#
# Values in the signing session are contexts as plain tuples (MicroPython has no NamedTuple):
#   KeyAggContext  = (Q, gacc, tacc)
#   SessionContext = (aggnonce, pubkeys, tweaks, is_xonly, msg)
#
# Speed: everything derived from *public* inputs only (aggregate key, session values R, b, e)
# is memoised in a one-entry cache, so the card's sign() and its own self-verification do not
# aggregate keys twice, and the host verifying then aggregating does not either. Nothing
# derived from a secret is ever cached.
import os

from . import secp256k1 as ec
from .hashes import tagged_hash

N = ec.N
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


def individual_pk(seckey):
    d0 = _int(seckey)
    if not 1 <= d0 <= N - 1:
        raise ValueError("The secret key must be an integer in the range 1..n-1.")
    return ec.cbytes(ec.mul_g(d0))


def key_sort(pubkeys):
    return sorted(pubkeys)


# --- key aggregation ---------------------------------------------------------------------

def get_xonly_pk(keyagg_ctx):
    return ec.xbytes(keyagg_ctx[0])


def get_plain_pk(keyagg_ctx):
    return ec.cbytes(keyagg_ctx[0])


def _hash_keys(pubkeys):
    return tagged_hash("KeyAgg list", b"".join(pubkeys))


def _get_second_key(pubkeys):
    for j in range(1, len(pubkeys)):
        if pubkeys[j] != pubkeys[0]:
            return pubkeys[j]
    return _ZERO33


def _key_agg_coeff_internal(L, pk_, pk2):
    if pk_ == pk2:
        return 1
    return _int(tagged_hash("KeyAgg coefficient", L + pk_)) % N


def key_agg_coeff(pubkeys, pk_):
    return _key_agg_coeff_internal(_hash_keys(pubkeys), pk_, _get_second_key(pubkeys))


def key_agg(pubkeys):
    pk2 = _get_second_key(pubkeys)
    L = _hash_keys(pubkeys)
    Q = None  # Jacobian accumulator: one inversion for the whole sum
    for i in range(len(pubkeys)):
        try:
            P_i = ec.cpoint(pubkeys[i])
        except ValueError:
            raise InvalidContributionError(i, "pubkey")
        a_i = _key_agg_coeff_internal(L, pubkeys[i], pk2)
        Q = ec.jadd(Q, ec.to_jacobian(P_i) if a_i == 1 else ec.jmul(P_i, a_i))
    Q = ec.to_affine(Q)
    # Q is not infinity except with negligible probability.
    if Q is None:
        raise RuntimeError("aggregate key is infinity")
    return (Q, 1, 0)


def apply_tweak(keyagg_ctx, tweak, is_xonly):
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


def key_agg_and_tweak(pubkeys, tweaks, is_xonly):
    if len(tweaks) != len(is_xonly):
        raise ValueError("The `tweaks` and `is_xonly` arrays must have the same length.")
    key = (tuple(pubkeys), tuple(tweaks), tuple(bool(x) for x in is_xonly))
    if _agg_cache[0] == key:
        return _agg_cache[1]
    ctx = key_agg(pubkeys)
    for i in range(len(tweaks)):
        ctx = apply_tweak(ctx, tweaks[i], is_xonly[i])
    _agg_cache[0] = key
    _agg_cache[1] = ctx
    return ctx


# --- nonces ------------------------------------------------------------------------------

def _nonce_hash(rand, pk, aggpk, i, msg_prefixed, extra_in):
    buf = (rand + bytes((len(pk),)) + pk + bytes((len(aggpk),)) + aggpk + msg_prefixed
           + len(extra_in).to_bytes(4, "big") + extra_in + bytes((i,)))
    return _int(tagged_hash("MuSig/nonce", buf))


def nonce_gen_internal(rand_, sk, pk, aggpk, msg, extra_in):
    if sk is not None:
        rand = _xor(sk, tagged_hash("MuSig/aux", rand_))
    else:
        rand = rand_
    if aggpk is None:
        aggpk = b""
    if msg is None:
        msg_prefixed = b"\x00"
    else:
        msg_prefixed = b"\x01" + len(msg).to_bytes(8, "big") + msg
    if extra_in is None:
        extra_in = b""
    k_1 = _nonce_hash(rand, pk, aggpk, 0, msg_prefixed, extra_in) % N
    k_2 = _nonce_hash(rand, pk, aggpk, 1, msg_prefixed, extra_in) % N
    # k_1 == 0 or k_2 == 0 cannot occur except with negligible probability.
    if k_1 == 0 or k_2 == 0:
        raise RuntimeError("zero nonce")
    pubnonce = ec.cbytes(ec.mul_g(k_1)) + ec.cbytes(ec.mul_g(k_2))
    secnonce = bytearray(_b32(k_1) + _b32(k_2) + pk)
    return secnonce, pubnonce


def nonce_gen(sk, pk, aggpk, msg, extra_in):
    """(secnonce, pubnonce). secnonce is a bytearray that sign() zeroes: never copy it."""
    if sk is not None and len(sk) != 32:
        raise ValueError("The optional byte array sk must have length 32.")
    if aggpk is not None and len(aggpk) != 32:
        raise ValueError("The optional byte array aggpk must have length 32.")
    return nonce_gen_internal(os.urandom(32), sk, pk, aggpk, msg, extra_in)


def nonce_agg(pubnonces):
    aggnonce = b""
    for j in (1, 2):
        R_j = None
        for i in range(len(pubnonces)):
            try:
                R_ij = ec.cpoint(pubnonces[i][(j - 1) * 33:j * 33])
            except ValueError:
                raise InvalidContributionError(i, "pubnonce")
            R_j = ec.jadd(R_j, ec.to_jacobian(R_ij))
        aggnonce += ec.cbytes_ext(ec.to_affine(R_j))
    return aggnonce


# --- sessions ----------------------------------------------------------------------------

def SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg):
    return (aggnonce, pubkeys, tweaks, is_xonly, msg)


_session_cache = [None, None]  # [key, values]: public data only


def get_session_values(session_ctx):
    """(Q, gacc, tacc, b, R, e) of a session."""
    aggnonce, pubkeys, tweaks, is_xonly, msg = session_ctx
    key = (aggnonce, tuple(pubkeys), tuple(tweaks), tuple(bool(x) for x in is_xonly), msg)
    if _session_cache[0] == key:
        return _session_cache[1]
    Q, gacc, tacc = key_agg_and_tweak(pubkeys, tweaks, is_xonly)
    qx = ec.xbytes(Q)
    b = _int(tagged_hash("MuSig/noncecoef", aggnonce + qx + msg)) % N
    try:
        R_1 = ec.cpoint_ext(aggnonce[0:33])
        R_2 = ec.cpoint_ext(aggnonce[33:66])
    except ValueError:
        # Nonce aggregator sent invalid nonces
        raise InvalidContributionError(None, "aggnonce")
    if len(aggnonce) != 66:
        raise InvalidContributionError(None, "aggnonce")
    jR2 = None if R_2 is None else ec.jmul(R_2, b)
    R = ec.to_affine(ec.jadd(ec.to_jacobian(R_1), jR2))
    if R is None:
        R = ec.G
    e = _int(tagged_hash("BIP0340/challenge", ec.xbytes(R) + qx + msg)) % N
    vals = (Q, gacc, tacc, b, R, e)
    _session_cache[0] = key
    _session_cache[1] = vals
    return vals


def _session_key_agg_coeff(session_ctx, pk):
    pubkeys = session_ctx[1]
    if pk not in pubkeys:
        raise ValueError("The signer's pubkey must be included in the list of pubkeys.")
    return key_agg_coeff(pubkeys, pk)


def _wipe(buf, n):
    for i in range(n):
        buf[i] = 0


def sign(secnonce, sk, session_ctx, pk=None):
    """Partial signature. Zeroes secnonce[0:64] first, so a second call with the same
    secnonce raises ValueError. `pk` (optional, not in the BIP) is the caller's already
    known plain public key for sk, which saves one k*G; it is still checked against the
    secnonce and the result is still self-verified."""
    Q, gacc, _, b, R, e = get_session_values(session_ctx)
    k_1_ = _int(secnonce[0:32])
    k_2_ = _int(secnonce[32:64])
    # Overwrite the secnonce with zeros so that a subsequent sign() with it raises.
    _wipe(secnonce, 64)
    if not 0 < k_1_ < N:
        raise ValueError("first secnonce value is out of range.")
    if not 0 < k_2_ < N:
        raise ValueError("second secnonce value is out of range.")
    even_R = ec.has_even_y(R)
    k_1 = k_1_ if even_R else N - k_1_
    k_2 = k_2_ if even_R else N - k_2_
    d_ = _int(sk)
    if not 0 < d_ < N:
        raise ValueError("secret key value is out of range.")
    if pk is None:
        pk = ec.cbytes(ec.mul_g(d_))
    if pk != bytes(secnonce[64:97]):
        raise ValueError("Public key does not match nonce_gen argument")
    a = _session_key_agg_coeff(session_ctx, pk)
    g = 1 if ec.has_even_y(Q) else N - 1
    d = g * gacc * d_ % N
    s = (k_1 + b * k_2 + e * a * d) % N
    psig = _b32(s)
    pubnonce = ec.cbytes(ec.mul_g(k_1_)) + ec.cbytes(ec.mul_g(k_2_))
    # Correctness check (fault attacks, bugs): never release a partial signature that does
    # not verify. Costs about as much as the signature itself.
    if not partial_sig_verify_internal(psig, pubnonce, pk, session_ctx):
        raise RuntimeError("partial signature failed self-verification")
    return psig


def _det_nonce_hash(sk_, aggothernonce, aggpk, msg, i):
    buf = sk_ + aggothernonce + aggpk + len(msg).to_bytes(8, "big") + msg + bytes((i,))
    return _int(tagged_hash("MuSig/deterministic/nonce", buf))


def deterministic_sign(sk, aggothernonce, pubkeys, tweaks, is_xonly, msg, rand):
    """(pubnonce, psig) for the last signer, stateless: the nonce is derived from sk, the
    other signers' aggregate nonce, the aggregate key and msg (and optional rand)."""
    if rand is not None:
        sk_ = _xor(sk, tagged_hash("MuSig/aux", rand))
    else:
        sk_ = sk
    aggpk = get_xonly_pk(key_agg_and_tweak(pubkeys, tweaks, is_xonly))
    k_1 = _det_nonce_hash(sk_, aggothernonce, aggpk, msg, 0) % N
    k_2 = _det_nonce_hash(sk_, aggothernonce, aggpk, msg, 1) % N
    if k_1 == 0 or k_2 == 0:
        raise RuntimeError("zero nonce")
    pubnonce = ec.cbytes(ec.mul_g(k_1)) + ec.cbytes(ec.mul_g(k_2))
    secnonce = bytearray(_b32(k_1) + _b32(k_2) + individual_pk(sk))
    try:
        aggnonce = nonce_agg([pubnonce, aggothernonce])
    except Exception:
        raise InvalidContributionError(None, "aggothernonce")
    psig = sign(secnonce, sk, SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg))
    return (pubnonce, psig)


# --- verification and aggregation ----------------------------------------------------------

def partial_sig_verify(psig, pubnonces, pubkeys, tweaks, is_xonly, msg, i):
    if len(pubnonces) != len(pubkeys):
        raise ValueError("The `pubnonces` and `pubkeys` arrays must have the same length.")
    if len(tweaks) != len(is_xonly):
        raise ValueError("The `tweaks` and `is_xonly` arrays must have the same length.")
    aggnonce = nonce_agg(pubnonces)
    session_ctx = SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg)
    return partial_sig_verify_internal(psig, pubnonces[i], pubkeys[i], session_ctx)


def partial_sig_verify_internal(psig, pubnonce, pk, session_ctx):
    Q, gacc, _, b, R, e = get_session_values(session_ctx)
    s = _int(psig)
    if s >= N:
        return False
    R_s1 = ec.cpoint(pubnonce[0:33])
    R_s2 = ec.cpoint(pubnonce[33:66])
    P = ec.cpoint(pk)
    a = _session_key_agg_coeff(session_ctx, pk)
    g = 1 if ec.has_even_y(Q) else N - 1
    g_ = g * gacc % N
    # Check s*G == Re_s + (e*a*g_)*P, Re_s = +-(R_s1 + b*R_s2), as
    # s*G - (e*a*g_)*P == Re_s, with one inversion on each side compared projectively.
    Re = ec.jadd(ec.to_jacobian(R_s1), ec.jmul(R_s2, b))
    if not ec.has_even_y(R) and Re is not None:
        Re = (Re[0], ec.P - Re[1], Re[2])
    lhs = ec.jadd(ec.jmul_g(s), ec.jmul(P, N - e * a * g_ % N))
    return _jeq(lhs, Re)


def _jeq(a, b):
    """Equality of two Jacobian points without inversions."""
    if a is None or b is None:
        return a is None and b is None
    p = ec.P
    za2 = a[2] * a[2] % p
    zb2 = b[2] * b[2] % p
    return ((a[0] * zb2 - b[0] * za2) % p == 0
            and (a[1] * zb2 * b[2] - b[1] * za2 * a[2]) % p == 0)


def partial_sig_agg(psigs, session_ctx):
    Q, _, tacc, _, R, e = get_session_values(session_ctx)
    s = 0
    for i in range(len(psigs)):
        s_i = _int(psigs[i])
        if s_i >= N:
            raise InvalidContributionError(i, "psig")
        s = (s + s_i) % N
    g = 1 if ec.has_even_y(Q) else N - 1
    s = (s + e * g * tacc) % N
    return ec.xbytes(R) + _b32(s)
