# MuSig2 (BIP-327): the BIP's algorithms under the BIP's names and argument order.
#
#   key_sort, key_agg, get_xonly_pk, get_plain_pk, apply_tweak, key_agg_and_tweak,
#   nonce_gen, nonce_agg, SessionContext, sign, deterministic_sign, partial_sig_verify,
#   partial_sig_verify_internal, partial_sig_agg
#
# Errors as in the BIP: ValueError for malformed input (messages match the official vectors),
# InvalidContributionError(signer, contrib) naming who sent something invalid.
#
# The one implementation of the protocol, for the card and the host: every function with curve
# arithmetic takes the curve backend as a last argument `ec`, by default the card's
# pure-Python secp256k1; host/bioshard/signing.py binds ec to libsecp256k1 (ec_coincurve).
# The backend interface is described in musig2_keyagg.py.
#
# Values in the signing session are contexts as plain tuples (MicroPython has no NamedTuple):
#   KeyAggContext  = (Q, gacc, tacc)
#   SessionContext = (aggnonce, pubkeys, tweaks, is_xonly, msg)
#
# Split for a small heap (compiling from source needs ~4x the source size): key
# aggregation in musig2_keyagg.py, nonces in musig2_nonce.py, sessions and signing here.
#
# Speed: everything derived from *public* inputs only (aggregate key, session values R, b, e)
# is memoised in a one-entry cache, so the card's sign() and its own self-verification do not
# aggregate keys twice, and the host verifying then aggregating does not either. Nothing
# derived from a secret is ever cached.
from . import secp256k1
from .hashes import tagged_hash
from .musig2_keyagg import (  # noqa: F401  (re-exported BIP-327 names)
    InvalidContributionError, N, _b32, _int, _xor, apply_tweak, get_plain_pk,
    get_xonly_pk, individual_pk, key_agg, key_agg_and_tweak, key_agg_coeff, key_sort)
from .musig2_nonce import nonce_agg, nonce_gen, nonce_gen_internal, nonce_pair  # noqa: F401


def SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg):
    return (aggnonce, pubkeys, tweaks, is_xonly, msg)


_session_cache = [None, None]  # [key, values]: public data only


def get_session_values(session_ctx, ec=secp256k1):
    """(Q, gacc, tacc, b, R, e) of a session."""
    aggnonce, pubkeys, tweaks, is_xonly, msg = session_ctx
    key = (ec, aggnonce, tuple(pubkeys), tuple(tweaks), tuple(bool(x) for x in is_xonly), msg)
    if _session_cache[0] == key:
        return _session_cache[1]
    Q, gacc, tacc = key_agg_and_tweak(pubkeys, tweaks, is_xonly, ec)
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


def sign(secnonce, sk, session_ctx, pk=None, pubnonce=None, ec=secp256k1):
    """Partial signature. Zeroes secnonce[0:64] first, so a second call with the same
    secnonce raises ValueError.

    Optional, not in the BIP: `pk`, the caller's known plain public key for sk (saves a k*G;
    still checked against the secnonce), and `pubnonce`, the public nonce the caller sent in
    round 1 (saves two k*G). The self-verification then checks the signature against what the
    other signers actually hold, so a secnonce corrupted in RAM between the rounds is caught
    too, which recomputing the pubnonce from that corrupted secnonce would not catch."""
    Q, gacc, _, b, R, e = get_session_values(session_ctx, ec)
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
    if pubnonce is None:
        R_s1, R_s2 = ec.mul_g2(k_1_, k_2_)
        pubnonce = ec.cbytes(R_s1) + ec.cbytes(R_s2)
    # Correctness check (fault attacks, bugs): never release a partial signature that does
    # not verify. Costs about as much as the signature itself.
    if not partial_sig_verify_internal(psig, pubnonce, pk, session_ctx, ec):
        raise RuntimeError("partial signature failed self-verification")
    return psig


def _det_nonce_hash(sk_, aggothernonce, aggpk, msg, i):
    buf = sk_ + aggothernonce + aggpk + len(msg).to_bytes(8, "big") + msg + bytes((i,))
    return _int(tagged_hash("MuSig/deterministic/nonce", buf))


def deterministic_sign(sk, aggothernonce, pubkeys, tweaks, is_xonly, msg, rand, ec=secp256k1):
    """(pubnonce, psig) for the last signer, stateless: the nonce is derived from sk, the
    other signers' aggregate nonce, the aggregate key and msg (and optional rand)."""
    if rand is not None:
        sk_ = _xor(sk, tagged_hash("MuSig/aux", rand))
    else:
        sk_ = sk
    aggpk = get_xonly_pk(key_agg_and_tweak(pubkeys, tweaks, is_xonly, ec), ec)
    k_1 = _det_nonce_hash(sk_, aggothernonce, aggpk, msg, 0) % N
    k_2 = _det_nonce_hash(sk_, aggothernonce, aggpk, msg, 1) % N
    if k_1 == 0 or k_2 == 0:
        raise RuntimeError("zero nonce")
    secnonce, pubnonce = nonce_pair(k_1, k_2, individual_pk(sk, ec), ec)
    try:
        aggnonce = nonce_agg([pubnonce, aggothernonce], ec)
    except Exception:
        raise InvalidContributionError(None, "aggothernonce")
    psig = sign(secnonce, sk, SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg),
                pubnonce=pubnonce, ec=ec)
    return (pubnonce, psig)


# --- verification and aggregation ----------------------------------------------------------

def partial_sig_verify(psig, pubnonces, pubkeys, tweaks, is_xonly, msg, i, ec=secp256k1):
    if len(pubnonces) != len(pubkeys):
        raise ValueError("The `pubnonces` and `pubkeys` arrays must have the same length.")
    if len(tweaks) != len(is_xonly):
        raise ValueError("The `tweaks` and `is_xonly` arrays must have the same length.")
    aggnonce = nonce_agg(pubnonces, ec)
    session_ctx = SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg)
    return partial_sig_verify_internal(psig, pubnonces[i], pubkeys[i], session_ctx, ec)


def partial_sig_verify_internal(psig, pubnonce, pk, session_ctx, ec=secp256k1):
    Q, gacc, _, b, R, e = get_session_values(session_ctx, ec)
    s = _int(psig)
    if s >= N:
        return False
    R_s1 = ec.cpoint(pubnonce[0:33])
    R_s2 = ec.cpoint(pubnonce[33:66])
    P = ec.cpoint(pk)
    a = _session_key_agg_coeff(session_ctx, pk)
    g = 1 if ec.has_even_y(Q) else N - 1
    # Check s*G == Re_s + c*P with Re_s = +-(R_s1 + b*R_s2), c = e*a*g*gacc, rearranged as
    #   s*G - c*P -+ b*R_s2 == +-R_s1
    # so the two variable-base products share one run of doublings (jmul_multi), and compared
    # as lhs + -+R_s1 == infinity, which needs no inversion.
    c = e * a * g * gacc % N
    even = ec.has_even_y(R)
    lhs = ec.jadd(ec.jmul_g(s), ec.jmul_multi((P, R_s2), (N - c, N - b if even else b)))
    return ec.jadd(lhs, ec.to_jacobian(ec.negate(R_s1) if even else R_s1)) is None


def partial_sig_agg(psigs, session_ctx, ec=secp256k1):
    Q, _, tacc, _, R, e = get_session_values(session_ctx, ec)
    s = 0
    for i in range(len(psigs)):
        s_i = _int(psigs[i])
        if s_i >= N:
            raise InvalidContributionError(i, "psig")
        s = (s + s_i) % N
    g = 1 if ec.has_even_y(Q) else N - 1
    s = (s + e * g * tacc) % N
    return ec.xbytes(R) + _b32(s)
