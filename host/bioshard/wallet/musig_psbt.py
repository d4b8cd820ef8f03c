"""BIP-373 MuSig2 fields on the host: record each participant's public nonce and partial
signature in the PSBT, and turn them into the final BIP-340 key-path signature.

Key layout (BIP-373): PSBT_IN_MUSIG2_PUB_NONCE = 0x1b <participant 33> <aggregate 33>,
PSBT_IN_MUSIG2_PARTIAL_SIG = 0x1c <participant 33> <aggregate 33>; no leaf hash for a key-path
spend. The aggregate named is the untweaked MuSig2 aggregate from
PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS; the Taproot tweak is applied by every signer (x-only).
Aggregation uses the BIP-327 code the card runs (bioshard_card.crypto.musig2), then the
finalizer checks the result with libsecp256k1 before it goes into PSBT_IN_TAP_KEY_SIG.
"""
from bioshard_card.btc.errors import PSBTError
from bioshard_card.btc.signing import taproot_tweak

from . import finalize as fin
from .psbt_io import PsbtMaps

PUB_NONCE = b"\x1b"
PARTIAL_SIG = b"\x1c"
PARTICIPANTS = b"\x1a"


def musig_keys(p: PsbtMaps, index: int):
    """(aggregate 33 bytes, [participants]) of input `index` (exactly one MuSig2 aggregate)."""
    found = [(k[1:], v) for k, v in p.inputs[index].items() if k[:1] == PARTICIPANTS and len(k) == 34]
    if len(found) != 1 or len(found[0][1]) % 33 or not found[0][1]:
        raise PSBTError("input %d: needs exactly one MuSig2 participant list" % index)
    agg, raw = found[0]
    return agg, [raw[i:i + 33] for i in range(0, len(raw), 33)]


def add_pub_nonce(p: PsbtMaps, index: int, participant: bytes, nonce: bytes):
    agg, parts = musig_keys(p, index)
    if participant not in parts or len(nonce) != 66:
        raise PSBTError("input %d: nonce from a non-participant or of the wrong size" % index)
    p.inputs[index][PUB_NONCE + participant + agg] = bytes(nonce)


def add_partial_sig(p: PsbtMaps, index: int, participant: bytes, psig: bytes):
    agg, parts = musig_keys(p, index)
    if participant not in parts or len(psig) != 32:
        raise PSBTError("input %d: partial signature from a non-participant or of the wrong size" % index)
    p.inputs[index][PARTIAL_SIG + participant + agg] = bytes(psig)


def _collect(p, index, prefix, parts, agg):
    got = []
    for k in parts:
        v = p.inputs[index].get(prefix + k + agg)
        if v is None:
            return None
        got.append(v)
    return got


def session(p: PsbtMaps, index: int):
    """(msg, pubkeys, tweaks, is_xonly, aggnonce or None) for input `index`."""
    from bioshard_card.crypto import musig2

    agg, parts = musig_keys(p, index)
    cache, types = fin.sighashes(p)
    msg = cache.sighash(index, types[index])
    nonces = _collect(p, index, PUB_NONCE, parts, agg)
    try:
        aggnonce = musig2.nonce_agg(nonces) if nonces else None
    except musig2.InvalidContributionError as e:
        raise PSBTError("input %d: public nonce of participant %s is invalid" % (index, e.signer)) from None
    return msg, parts, [taproot_tweak(agg)], [True], aggnonce


def aggregate(p: PsbtMaps, index: int) -> bytes:
    """Verify every partial signature, aggregate, store PSBT_IN_TAP_KEY_SIG; return it."""
    from bioshard_card.crypto import musig2

    agg, parts = musig_keys(p, index)
    msg, pubkeys, tweaks, is_xonly, aggnonce = session(p, index)
    nonces = _collect(p, index, PUB_NONCE, parts, agg)
    psigs = _collect(p, index, PARTIAL_SIG, parts, agg)
    if nonces is None or psigs is None:
        raise PSBTError("input %d: missing MuSig2 nonces or partial signatures" % index)
    for i, psig in enumerate(psigs):
        # Names the culprit instead of producing an invalid aggregate.
        try:
            ok = musig2.partial_sig_verify(psig, nonces, pubkeys, tweaks, is_xonly, msg, i)
        except (ValueError, musig2.InvalidContributionError):
            ok = False
        if not ok:
            raise PSBTError("input %d: partial signature of participant %d is invalid" % (index, i))
    ctx = musig2.SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg)
    sig = musig2.partial_sig_agg(psigs, ctx)
    fin.add_key_sig(p, index, sig)
    return sig
