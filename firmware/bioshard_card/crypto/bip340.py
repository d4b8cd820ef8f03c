# BIP-340 Schnorr signatures over secp256k1 (sign, verify, x-only public keys).
#
# Follows the BIP's algorithm and error behaviour (ValueError for malformed arguments,
# False for a signature that does not verify). Messages may be any length (the BIP allows it;
# the official vectors include 0-, 1-, 17- and 100-byte messages).
from . import secp256k1 as ec
from .hashes import tagged_hash

N = ec.N


def _xor32(a, b):
    return bytes(a[i] ^ b[i] for i in range(32))


def seckey_int(seckey):
    if len(seckey) != 32:
        raise ValueError("The secret key must be a 32-byte array.")
    d = int.from_bytes(seckey, "big")
    if not 1 <= d <= N - 1:
        raise ValueError("The secret key must be an integer in the range 1..n-1.")
    return d


def pubkey_gen(seckey):
    """32-byte x-only public key of a 32-byte secret key."""
    return ec.xbytes(ec.mul_g(seckey_int(seckey)))


def sign(msg, seckey, aux_rand, self_check=True):
    """BIP-340 signature. self_check=False skips the final verification the BIP recommends
    against fault attacks; it exists for benchmarks against peers that do not verify, and
    the card never uses it."""
    if len(aux_rand) != 32:
        raise ValueError("aux_rand must be 32 bytes instead of %d." % len(aux_rand))
    d0 = seckey_int(seckey)
    pt = ec.mul_g(d0)
    d = d0 if ec.has_even_y(pt) else N - d0
    pbytes = ec.xbytes(pt)
    t = _xor32(d.to_bytes(32, "big"), tagged_hash("BIP0340/aux", aux_rand))
    k0 = int.from_bytes(tagged_hash("BIP0340/nonce", t + pbytes + msg), "big") % N
    if k0 == 0:
        raise RuntimeError("Failure. This happens only with negligible probability.")
    R = ec.mul_g(k0)
    k = k0 if ec.has_even_y(R) else N - k0
    rbytes = ec.xbytes(R)
    e = int.from_bytes(tagged_hash("BIP0340/challenge", rbytes + pbytes + msg), "big") % N
    sig = rbytes + ((k + e * d) % N).to_bytes(32, "big")
    # Fault-attack guard (as the BIP recommends): never release a signature that fails to verify.
    if self_check and not verify(msg, pbytes, sig):
        raise RuntimeError("The created signature does not pass verification.")
    return sig


def verify(msg, pubkey, sig):
    if len(pubkey) != 32:
        raise ValueError("The public key must be a 32-byte array.")
    if len(sig) != 64:
        raise ValueError("The signature must be a 64-byte array.")
    pt = ec.lift_x(int.from_bytes(pubkey, "big"))
    r = int.from_bytes(sig[0:32], "big")
    s = int.from_bytes(sig[32:64], "big")
    if pt is None or r >= ec.P or s >= N:
        return False
    e = int.from_bytes(tagged_hash("BIP0340/challenge", sig[0:32] + pubkey + msg), "big") % N
    R = ec.mul_g_add(s, pt, N - e)
    if R is None or not ec.has_even_y(R) or R[0] != r:
        return False
    return True
