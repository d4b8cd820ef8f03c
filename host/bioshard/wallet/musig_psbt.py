"""BIP-373 MuSig2 fields on the host: which session a key-path input asks for, each
participant's public nonce and partial signature, and their aggregation into the final
BIP-340 key-path signature.

Key layout (BIP-373): PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS = 0x1a <aggregate 33> -> participants
(the untweaked BIP-327 aggregate); PSBT_IN_MUSIG2_PUB_NONCE = 0x1b <participant 33> <key 33>
and PSBT_IN_MUSIG2_PARTIAL_SIG = 0x1c <participant 33> <key 33>, no leaf hash for a key-path
spend, where <key> is the aggregate carried through every tweak of the session — the BIP-328
derivation named by PSBT_IN_TAP_BIP32_DERIVATION (fingerprint = hash160 of the aggregate) and
the BIP-341 Taproot tweak — i.e. the output key with its parity, as btclib and Bitcoin Core
file them. Curve arithmetic is libsecp256k1 (coincurve, through bioshard.signing); the
session's key must equal the input's output key or the input is refused.
"""
from bioshard_card.btc.compact import Reader
from bioshard_card.btc.errors import PSBTError

from . import finalize as fin
from .descriptor import BIP328_CHAINCODE, DescriptorError, ckd_pub_tweak
from .keyagg import taproot_tweak
from .psbt_build import aggregate_fingerprint
from .psbt_io import PsbtMaps

PUB_NONCE = b"\x1b"
PARTIAL_SIG = b"\x1c"
PARTICIPANTS = b"\x1a"
TAP_BIP32 = b"\x16"
TAP_INTERNAL_KEY = b"\x17"
TAP_MERKLE_ROOT = b"\x18"


def musig_keys(p: PsbtMaps, index: int):
    """(aggregate 33 bytes, [participants]) of input `index` (exactly one MuSig2 aggregate)."""
    found = [(k[1:], v) for k, v in p.inputs[index].items() if k[:1] == PARTICIPANTS and len(k) == 34]
    if len(found) != 1 or len(found[0][1]) % 33 or not found[0][1]:
        raise PSBTError("input %d: needs exactly one MuSig2 participant list" % index)
    agg, raw = found[0]
    return agg, [raw[i:i + 33] for i in range(0, len(raw), 33)]


def derivation_path(p: PsbtMaps, index: int, agg: bytes, internal: bytes):
    """The BIP-328 path from `agg` to the internal key, from PSBT_IN_TAP_BIP32_DERIVATION."""
    v = p.inputs[index].get(TAP_BIP32 + internal)
    if v is None:
        raise PSBTError("input %d: internal key is neither the aggregate nor derived from it" % index)
    r = Reader(v)
    n = r.compact()
    if n or r.remaining() < 4 or r.remaining() % 4:
        raise PSBTError("input %d: bad key-path derivation" % index)
    if r.read(4) != aggregate_fingerprint(agg):
        raise PSBTError("input %d: derivation does not start at the MuSig2 aggregate" % index)
    return [r.u32() for _ in range(r.remaining() // 4)]


def session_keys(p: PsbtMaps, index: int):
    """(aggregate, participants, tweaks, is_xonly, tweaked key 33 bytes, path) of a key-path
    input, checked: the tweaked key must be the input's Taproot output key."""
    from .. import signing

    agg, parts = musig_keys(p, index)
    m = p.inputs[index]
    utxo = m.get(b"\x01")
    if utxo is None:
        raise PSBTError("input %d: missing witness utxo" % index)
    spk = utxo[9:]
    if len(spk) != 34 or spk[:2] != b"\x51\x20":
        raise PSBTError("input %d: not a Taproot key-path input" % index)
    internal = m.get(TAP_INTERNAL_KEY, agg[1:])
    tweaks, path = [], []
    if internal != agg[1:]:
        path = derivation_path(p, index, agg, internal)
        key, cc = agg, BIP328_CHAINCODE
        try:
            for n in path:
                key, cc, t = ckd_pub_tweak(key, cc, n)
                tweaks.append(t)
        except DescriptorError as e:
            raise PSBTError("input %d: %s" % (index, e)) from None
        if key[1:] != internal:
            raise PSBTError("input %d: derivation does not lead to the internal key" % index)
    tweaks.append(taproot_tweak(internal, m.get(TAP_MERKLE_ROOT, b"")))
    is_xonly = [False] * (len(tweaks) - 1) + [True]
    try:
        ctx = signing.key_agg_and_tweak(parts, tweaks, is_xonly)
    except (ValueError, signing.InvalidContributionError):
        raise PSBTError("input %d: MuSig2 participants are not valid keys" % index) from None
    q = signing.cbytes(ctx[0])
    if q[1:] != spk[2:]:
        raise PSBTError("input %d: MuSig2 session key is not the output key" % index)
    return agg, parts, tweaks, is_xonly, q, path


def _field(prefix, participant, q):
    return prefix + bytes(participant) + q


def add_pub_nonce(p: PsbtMaps, index: int, participant: bytes, nonce: bytes):
    _, parts, _, _, q, _ = session_keys(p, index)
    if participant not in parts or len(nonce) != 66:
        raise PSBTError("input %d: nonce from a non-participant or of the wrong size" % index)
    p.inputs[index][_field(PUB_NONCE, participant, q)] = bytes(nonce)


def add_partial_sig(p: PsbtMaps, index: int, participant: bytes, psig: bytes):
    _, parts, _, _, q, _ = session_keys(p, index)
    if participant not in parts or len(psig) != 32:
        raise PSBTError("input %d: partial signature from a non-participant or of the wrong size" % index)
    p.inputs[index][_field(PARTIAL_SIG, participant, q)] = bytes(psig)


def pub_nonces(p: PsbtMaps, index: int):
    """{participant: nonce} filed for this input's session."""
    _, parts, _, _, q, _ = session_keys(p, index)
    return {k: p.inputs[index][_field(PUB_NONCE, k, q)] for k in parts
            if _field(PUB_NONCE, k, q) in p.inputs[index]}


def _collect(p, index, prefix, parts, q):
    got = []
    for k in parts:
        v = p.inputs[index].get(_field(prefix, k, q))
        if v is None:
            return None
        got.append(v)
    return got


def session(p: PsbtMaps, index: int):
    """(msg, pubkeys, tweaks, is_xonly, aggnonce or None) for input `index`."""
    from .. import signing

    _, parts, tweaks, is_xonly, q, _ = session_keys(p, index)
    cache, types = fin.sighashes(p)
    msg = cache.sighash(index, types[index])
    nonces = _collect(p, index, PUB_NONCE, parts, q)
    try:
        aggnonce = signing.nonce_agg(nonces) if nonces else None
    except signing.InvalidContributionError as e:
        raise PSBTError("input %d: public nonce of participant %s is invalid" % (index, e.signer)) from None
    return msg, parts, tweaks, is_xonly, aggnonce


def aggregate(p: PsbtMaps, index: int) -> bytes:
    """Verify every partial signature, aggregate, store PSBT_IN_TAP_KEY_SIG; return it."""
    from .. import signing

    _, parts, _, _, q, _ = session_keys(p, index)
    msg, pubkeys, tweaks, is_xonly, aggnonce = session(p, index)
    nonces = _collect(p, index, PUB_NONCE, parts, q)
    psigs = _collect(p, index, PARTIAL_SIG, parts, q)
    if nonces is None or psigs is None:
        raise PSBTError("input %d: missing MuSig2 nonces or partial signatures" % index)
    ctx = signing.SessionContext(aggnonce, pubkeys, tweaks, is_xonly, msg)
    try:
        sig = signing.verified_partial_sig_agg(psigs, nonces, ctx)
    except signing.InvalidContributionError as e:
        # Names the culprit instead of producing an invalid aggregate.
        raise PSBTError("input %d: partial signature of participant %d is invalid" % (index, e.signer)) from None
    except ValueError:
        raise PSBTError("input %d: a MuSig2 nonce or partial signature is invalid" % index) from None
    fin.add_key_sig(p, index, sig)
    return sig
