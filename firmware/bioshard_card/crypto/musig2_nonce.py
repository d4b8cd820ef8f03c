# BIP-327 nonce generation and aggregation (NonceGen, NonceAgg). Re-exported by musig2.py.
# `ec` is the curve backend (see musig2_keyagg.py).
import os

from . import secp256k1
from .hashes import tagged_hash
from .musig2_keyagg import InvalidContributionError, N, _b32, _int, _xor


def nonce_hash(rand, pk, aggpk, i, msg_prefixed, extra_in):
    buf = (rand + bytes((len(pk),)) + pk + bytes((len(aggpk),)) + aggpk + msg_prefixed
           + len(extra_in).to_bytes(4, "big") + extra_in + bytes((i,)))
    return _int(tagged_hash("MuSig/nonce", buf))


def nonce_pair(k_1, k_2, pk, ec):
    """(secnonce, pubnonce) of the secret scalars k_1, k_2 (both nonzero)."""
    R_s1, R_s2 = ec.mul_g2(k_1, k_2)
    pubnonce = ec.cbytes(R_s1) + ec.cbytes(R_s2)
    ec.remember_point(pubnonce[0:33], R_s1)  # public; saves two square roots in sign()
    ec.remember_point(pubnonce[33:66], R_s2)
    return bytearray(_b32(k_1) + _b32(k_2) + pk), pubnonce


def nonce_gen_internal(rand_, sk, pk, aggpk, msg, extra_in, ec=secp256k1):
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
    k_1 = nonce_hash(rand, pk, aggpk, 0, msg_prefixed, extra_in) % N
    k_2 = nonce_hash(rand, pk, aggpk, 1, msg_prefixed, extra_in) % N
    # k_1 == 0 or k_2 == 0 cannot occur except with negligible probability.
    if k_1 == 0 or k_2 == 0:
        raise RuntimeError("zero nonce")
    return nonce_pair(k_1, k_2, pk, ec)


def nonce_gen(sk, pk, aggpk, msg, extra_in, ec=secp256k1):
    """(secnonce, pubnonce). secnonce is a bytearray that sign() zeroes: never copy it."""
    if sk is not None and len(sk) != 32:
        raise ValueError("The optional byte array sk must have length 32.")
    if aggpk is not None and len(aggpk) != 32:
        raise ValueError("The optional byte array aggpk must have length 32.")
    return nonce_gen_internal(os.urandom(32), sk, pk, aggpk, msg, extra_in, ec)


def nonce_agg(pubnonces, ec=secp256k1):
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
