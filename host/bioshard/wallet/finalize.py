"""Finalizer + extractor: put each input's key-path signature into its witness, return the
raw transaction. Only P2TR key-path inputs (this wallet's) are finalized; the PSBT must fit
the card's parser limits, as every PSBT the card co-signs does.

A signature is checked (BIP-340 verify with libsecp256k1 against the BIP-341 sighash) before
it goes in: a bad MuSig2 aggregate signature must fail here, not on the network.
"""
from coincurve import PublicKeyXOnly

from bioshard_card.btc import psbt as card_psbt
from bioshard_card.btc.compact import var_bytes
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.sighash import SighashCache

from .psbt_io import PsbtMaps

TAP_KEY_SIG = b"\x13"
FINAL_WITNESS = b"\x08"
# BIP-174 finalizer: keep UTXOs and final fields, drop everything else a signer used.
_KEEP = (b"\x00", b"\x01", b"\x07", b"\x08")


def sighashes(p: PsbtMaps):
    """(cache, [sighash type per input]) computed by the card's own BIP-341 code."""
    parsed = card_psbt.parse(p.serialize())
    for n, i in enumerate(parsed.inputs):
        if i.amount is None:
            raise PSBTError("input %d: missing witness utxo" % n)
    cache = SighashCache(parsed.tx, [i.amount for i in parsed.inputs], [i.script for i in parsed.inputs])
    return cache, [i.sighash or 0 for i in parsed.inputs]


def add_key_sig(p: PsbtMaps, index: int, sig64: bytes) -> None:
    """Record an aggregate signature as PSBT_IN_TAP_KEY_SIG (appending a non-default hash type)."""
    cache, types = sighashes(p)
    t = types[index]
    sig = bytes(sig64) + (bytes((t,)) if t else b"")
    _verify(cache, p, index, sig, t)
    p.inputs[index][TAP_KEY_SIG] = sig


def _verify(cache, p, index, sig, t):
    if len(sig) != (65 if t else 64) or (t and sig[64] != t):
        raise PSBTError("input %d: signature has the wrong length or hash type" % index)
    spk = cache.scripts[index]
    if len(spk) != 34 or spk[:2] != b"\x51\x20":
        raise PSBTError("input %d: not a Taproot key-path input" % index)
    msg = cache.sighash(index, t)
    try:
        ok = PublicKeyXOnly(spk[2:]).verify(sig[:64], msg)
    except ValueError:  # the output key is not a point: nothing can spend it by key path
        ok = False
    if not ok:
        raise PSBTError("input %d: signature does not verify" % index)


def finalize(p: PsbtMaps) -> PsbtMaps:
    cache, types = sighashes(p)
    for n, m in enumerate(p.inputs):
        if FINAL_WITNESS in m:
            continue
        sig = m.get(TAP_KEY_SIG)
        if sig is None:
            raise PSBTError("input %d: no key-path signature yet" % n)
        _verify(cache, p, n, sig, types[n])
        for k in list(m):
            if k not in _KEEP:
                del m[k]
        m[FINAL_WITNESS] = b"\x01" + var_bytes(sig)
    return p


def extract(p: PsbtMaps) -> bytes:
    """Raw signed transaction (BIP-144 serialization) of a finalized PSBT."""
    tx = p.tx
    witnesses = []
    for n, m in enumerate(p.inputs):
        w = m.get(FINAL_WITNESS)
        if w is None or b"\x07" in m and m[b"\x07"]:
            raise PSBTError("input %d: not finalized for a Taproot key path" % n)
        witnesses.append(_parse_stack(w))
    return tx.serialize(witnesses)


def _parse_stack(w: bytes):
    from bioshard_card.btc.compact import Reader

    r = Reader(w)
    items = [r.var_bytes(10000) for _ in range(r.compact())]
    if r.remaining():
        raise PSBTError("bad final witness")
    return items
