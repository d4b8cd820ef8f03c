# Value and key checks shared by the PSBT field handlers (psbt_fields.py, psbt_inputs.py).
# Each raises PSBTError naming the field; none allocates more than the value it returns.
from .errors import PSBTError
from .psbt_limits import MAX_MUSIG, MAX_PARTICIPANTS


def exact(v, n, what):
    if v.remaining() != n:
        raise PSBTError("bad %s length" % what)
    return v.read(n)


def no_keydata(kd, what):
    if kd:
        raise PSBTError("bad key for %s" % what)


def is_point33(b):
    return len(b) == 33 and (b[0] == 2 or b[0] == 3)


def musig_participants(kd, v, what, intern, prev):
    if not is_point33(kd):
        raise PSBTError("bad key for %s" % what)
    n = v.remaining()
    if n == 0 or n % 33 or n // 33 > MAX_PARTICIPANTS:
        raise PSBTError("bad %s value" % what)
    raw = v.read(n)
    for i in range(0, n, 33):
        if raw[i] != 2 and raw[i] != 3:
            raise PSBTError("bad %s value" % what)
    if prev is None:
        prev = ()
    elif len(prev) >= MAX_MUSIG:
        raise PSBTError("too many MuSig2 aggregate keys")
    return intern(prev + ((intern(kd), intern(raw)),))


def musig_keydata(kd, what):
    # <33-byte participant> <33-byte aggregate> [<32-byte leaf hash>]
    if len(kd) not in (66, 98) or not is_point33(kd[:33]) or not is_point33(kd[33:66]):
        raise PSBTError("bad key for %s" % what)


ECDSA_TYPES = (0x01, 0x02, 0x03, 0x81, 0x82, 0x83)


def schnorr_sig(v, what):
    # 64 bytes (SIGHASH_DEFAULT) or 64 + an explicit, valid, non-zero hash type (BIP-341).
    n = v.remaining()
    if n == 65:
        t = v.buf[v.pos + 64]
        if t not in (0x01, 0x02, 0x03, 0x81, 0x82, 0x83):
            raise PSBTError("bad %s hash type" % what)
    elif n != 64:
        raise PSBTError("bad %s length" % what)


def pubkey_key(kd):
    # PSBT_IN_PARTIAL_SIG / BIP32_DERIVATION keys: a compressed or uncompressed SEC pubkey.
    if not ((len(kd) == 33 and kd[0] in (2, 3)) or (len(kd) == 65 and kd[0] == 4)):
        raise PSBTError("bad key for pubkey field")


def witness_stack(v, what):
    for _ in range(v.compact()):
        v.skip(v.compact())
    if v.remaining():
        raise PSBTError("bad %s value" % what)


def tap_tree(v):
    # BIP-371: one or more <depth u8 (<= 128)> <leaf version u8 (even)> <compact script>, the
    # leaves of one complete binary tree in depth-first order. Checked as rust-bitcoin's
    # TaprootBuilder builds it: `branch` holds, per depth, whether a finished subtree waits there.
    if not v.remaining():
        raise PSBTError("empty tap tree")
    branch = bytearray(129)  # a stack of n flags (MicroPython's bytearray has no pop)
    n = 0
    while v.remaining():
        depth = v.u8()
        ver = v.u8()
        if depth > 128 or ver & 1:
            raise PSBTError("bad tap tree value")
        v.skip(v.compact())
        if depth + 1 < n:
            raise PSBTError("bad tap tree value")  # not in depth-first order
        while n == depth + 1:
            if not branch[n - 1]:
                break
            n -= 1
            branch[n] = 0
            if depth == 0:
                raise PSBTError("bad tap tree value")  # more leaves than one tree holds
            depth -= 1
        while n < depth + 1:
            branch[n] = 0
            n += 1
        branch[depth] = 1
    if n != 1 or not branch[0]:
        raise PSBTError("bad tap tree value")  # incomplete tree


MAX_DERIVATIONS = 4  # key-path TAP_BIP32 entries kept per input/output


def tap_bip32(kd, v, what, prev):
    """Checks a TAP_BIP32_DERIVATION field; returns `prev` plus (x-only key, path tuple) when
    the key is not in a script leaf (no leaf hashes) and the path has exactly 2 steps: the
    only ones that can name a child of the wallet (see hd.py)."""
    if len(kd) != 32:
        raise PSBTError("bad key for %s" % what)
    n = v.compact()
    if n > 64 or n * 32 + 4 > v.remaining():
        raise PSBTError("bad %s value" % what)
    v.skip(n * 32 + 4)  # leaf hashes, master fingerprint
    steps = v.remaining()
    if steps % 4 or steps > 4 * 32:
        raise PSBTError("bad %s value" % what)
    if n or steps != 8:
        v.skip(steps)
        return prev
    path = tuple(v.u32() for _ in range(steps // 4))
    if prev is None:
        prev = ()
    elif len(prev) >= MAX_DERIVATIONS:
        raise PSBTError("too many key-path derivations")
    return prev + ((bytes(kd), path),)
