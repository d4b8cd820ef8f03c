"""Co-sign a PSBT with the card: the host half of the one-round MuSig2 protocol.

For every input the host draws its nonce first (nonce_gen with fresh randomness, Secret A,
the aggregate key and the BIP-341 sighash); the card, as BIP-327's stateless last signer,
answers with its public nonce and partial signature from `deterministic_sign`. The host then
verifies the card's partial signature (blaming the card if bad), adds its own, aggregates,
verifies the final signature with libsecp256k1, and finalizes the PSBT.
"""
from bioshard_card.btc.errors import PSBTError

from .errors import BadInputError, CardRefusedError
from .signing import InvalidContributionError, TwoOfTwo, get_xonly_pk, individual_pk, key_agg, key_sort
from .wallet import finalize as fin
from .wallet import psbt_io
from .wallet.keyagg import taproot_tweak


def cosign(card, psbt_bytes, secret_a, card_pubkey, blob):
    try:
        p = psbt_io.parse(psbt_bytes)
        cache, types = fin.sighashes(p)
    except PSBTError as e:
        raise BadInputError("bad PSBT: %s" % e.reason) from None
    n = len(p.inputs)
    pubkeys = key_sort([individual_pk(secret_a), bytes(card_pubkey)])
    tweaks = [taproot_tweak(get_xonly_pk(key_agg(pubkeys)))]  # BIP-341 key-path tweak
    sessions = [TwoOfTwo(secret_a, card_pubkey, cache.sighash(i, types[i]), tweaks, [True])
                for i in range(n)]
    nonces = [s.host_nonce() for s in sessions]
    # Only what the card reads crosses the link: less BLE time, less card heap.
    res = card.call("sign", {"psbt": psbt_io.for_card(p), "blob": bytes(blob), "nonces": nonces})
    card_nonces, psigs = _answer(res, n)
    for i, s in enumerate(sessions):
        try:
            s.aggregate_nonces(card_nonces[i])
        except (InvalidContributionError, ValueError):
            raise CardRefusedError("the card's nonce for input %d is invalid" % i) from None
        try:
            sig = s.finish(psigs[i])
        except (InvalidContributionError, ValueError):
            raise CardRefusedError("the card's partial signature for input %d is invalid" % i) from None
        fin.add_key_sig(p, i, sig)
    fin.finalize(p)
    return p, fin.extract(p)


def _answer(res, n):
    """(nonces, psigs) from the card's reply, or CardRefusedError: whatever a card (or anything
    impersonating one) answers ends as a named refusal, never a traceback."""
    if not isinstance(res, dict):
        raise CardRefusedError("card answered sign with something other than a map")
    nonces, psigs = res.get("nonces"), res.get("psigs")
    if not isinstance(nonces, list) or not isinstance(psigs, list) or len(nonces) != n or len(psigs) != n:
        raise CardRefusedError("card answered with the wrong number of signatures")
    for x, size in [(x, 66) for x in nonces] + [(x, 32) for x in psigs]:
        if not isinstance(x, bytes) or len(x) != size:
            raise CardRefusedError("card answered with a malformed nonce or partial signature")
    return nonces, psigs
