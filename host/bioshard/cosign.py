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
    if len(res.get("nonces", ())) != n or len(res.get("psigs", ())) != n:
        raise CardRefusedError("card answered with the wrong number of signatures")
    for i, s in enumerate(sessions):
        s.aggregate_nonces(res["nonces"][i])
        try:
            sig = s.finish(res["psigs"][i])
        except InvalidContributionError:
            raise CardRefusedError("the card's partial signature for input %d is invalid" % i) from None
        fin.add_key_sig(p, i, sig)
    fin.finalize(p)
    return p, fin.extract(p)

