# AES-256-CTR (NIST SP 800-38A) built on a raw AES block encryption.
#
# MicroPython's cryptolib offers only ECB and CBC, so CTR is built here: the keystream is
# AES_K(counter block), XORed into the data. On the card the block cipher is
# `cryptolib.aes(key, 1)` (ECB); on CPython (host, tests) it is the `cryptography` package's
# AES-ECB, so the CTR code itself is the same on both sides.
#
# Counter block layout: nonce (12 bytes) || block counter (32-bit big-endian), the GCM-style
# split. The 32-bit counter is never allowed to wrap into the nonce: one (key, nonce) pair can
# encrypt at most 2**32 blocks (64 GiB), far beyond any message here, and a wrap raises.
# Callers must never reuse a (key, nonce) pair; proto/secure_channel.py derives the nonce from
# its strictly increasing message counter.
try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

_BLOCK = const(16)
_CHUNK_BLOCKS = const(16)  # 256 bytes of keystream per AES call: bounded temporaries
_MAX_BLOCKS = const(0x100000000)

try:
    import cryptolib

    def _ecb(key):
        return cryptolib.aes(key, 1)

    def _ecb_encrypt(ecb, src, dst):
        ecb.encrypt(src, dst)

except ImportError:  # CPython: the host uses `cryptography` as the block primitive
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    def _ecb(key):
        return Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor()

    def _ecb_encrypt(ecb, src, dst):
        dst[:] = ecb.update(bytes(src))


class AesCtrError(ValueError):
    pass


class AesCtr:
    """AES-256-CTR keyed once; `crypt(nonce, data)` encrypts or decrypts (same operation)."""

    def __init__(self, key):
        if len(key) != 32:
            raise AesCtrError("AES-256 needs a 32-byte key")
        self._ecb = _ecb(key)
        self._ctr = bytearray(_BLOCK * _CHUNK_BLOCKS)
        self._ks = bytearray(_BLOCK * _CHUNK_BLOCKS)

    def crypt(self, nonce, data, initial_counter=0):
        """Return data XOR keystream(nonce || counter...). Works for any data length."""
        if len(nonce) != 12:
            raise AesCtrError("CTR nonce must be 12 bytes")
        n = len(data)
        nblocks = (n + _BLOCK - 1) // _BLOCK
        if initial_counter < 0 or initial_counter + nblocks > _MAX_BLOCKS:
            raise AesCtrError("CTR block counter would wrap")
        out = bytearray(n)
        ctr = self._ctr
        ks = self._ks
        # The nonce part of every counter block in the chunk buffer is constant.
        for b in range(_CHUNK_BLOCKS):
            ctr[b * _BLOCK:b * _BLOCK + 12] = nonce
        counter = initial_counter
        pos = 0
        mv = memoryview(data)
        while pos < n:
            take = n - pos
            if take > len(ks):
                take = len(ks)
            blocks = (take + _BLOCK - 1) // _BLOCK
            for b in range(blocks):
                o = b * _BLOCK + 12
                c = counter + b
                ctr[o] = c >> 24
                ctr[o + 1] = (c >> 16) & 0xFF
                ctr[o + 2] = (c >> 8) & 0xFF
                ctr[o + 3] = c & 0xFF
            nb = blocks * _BLOCK
            if nb == len(ks):
                _ecb_encrypt(self._ecb, ctr, ks)
            else:
                # Short final chunk: encrypt only the blocks needed.
                tmp = bytearray(nb)
                _ecb_encrypt(self._ecb, memoryview(ctr)[:nb], tmp)
                ks[:nb] = tmp
            # XOR as big integers: one bignum op instead of a per-byte Python loop, which is
            # what makes CTR affordable on the card's interpreter.
            x = int.from_bytes(mv[pos:pos + take], "big") ^ int.from_bytes(ks[:take], "big")
            out[pos:pos + take] = x.to_bytes(take, "big")
            counter += blocks
            pos += take
        # Do not leave keystream lying in the scratch buffer.
        for i in range(len(ks)):
            ks[i] = 0
        return bytes(out)


def aes256_ctr(key, nonce, data, initial_counter=0):
    """One-shot AES-256-CTR."""
    return AesCtr(key).crypt(nonce, data, initial_counter)
