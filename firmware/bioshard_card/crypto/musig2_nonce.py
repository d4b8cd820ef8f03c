# BIP-327 nonce generation and aggregation (NonceGen, NonceAgg). Re-exported by musig2.py.
import os

from . import secp256k1 as ec
from .hashes import tagged_hash
from .musig2_keyagg import InvalidContributionError, _b32, _int, _xor

N = ec.N


def nonce_hash(rand, pk, aggpk, i, msg_prefixed, extra_in):
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
    k_1 = nonce_hash(rand, pk, aggpk, 0, msg_prefixed, extra_in) % N
    k_2 = nonce_hash(rand, pk, aggpk, 1, msg_prefixed, extra_in) % N
    # k_1 == 0 or k_2 == 0 cannot occur except with negligible probability.
    if k_1 == 0 or k_2 == 0:
        raise RuntimeError("zero nonce")
    R_s1, R_s2 = ec.mul_g2(k_1, k_2)
    pubnonce = ec.cbytes(R_s1) + ec.cbytes(R_s2)
    ec.remember_point(pubnonce[0:33], R_s1)  # public; saves two square roots in sign()
    ec.remember_point(pubnonce[33:66], R_s2)
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


