"""Co-sign a PSBT with the card: the host's half of the one-round MuSig2 protocol.

Two modes, both with the card as BIP-327's stateless last signer (`deterministic_sign` on the
other participants' nonce, so no nonce outlives one card request):

  all-in-one (`cosign`): the host holds the other key (Secret A). For every input it draws its
  nonce first (nonce_gen with fresh randomness, Secret A, the session key and the BIP-341
  sighash); the card answers with its public nonce and partial signature; the host verifies
  the card's partial signature (blaming the card if bad), adds its own, aggregates, verifies
  the final signature with libsecp256k1, and (unless asked not to) finalizes.

  participant (`cosign_participant`): another BIP-373 signer (btclib, Bitcoin Core...) holds
  the other key and has already put its public nonce in the PSBT; the host asks the card for
  its nonce and partial signature, checks the partial signature, and writes both as
  PSBT_IN_MUSIG2_PUB_NONCE / PSBT_IN_MUSIG2_PARTIAL_SIG, leaving aggregation to the other
  software.

Each input's session (BIP-328 derivation tweaks, then the Taproot tweak) is read from its
BIP-373 / BIP-371 fields and checked against its output key (wallet/musig_psbt.py); the card
derives the same session itself from the wallet it was paired into.
"""
from bioshard_card.btc.errors import PSBTError

from .errors import BadInputError, CardRefusedError
from .signing import (InvalidContributionError, TwoOfTwo, individual_pk, key_agg, key_sort,
                      partial_sig_verify)
from .wallet import finalize as fin
from .wallet import musig_psbt, psbt_io


def _sessions(p, participants):
    """[(msg, tweaks, is_xonly)] per input, each checked to be a session of `participants`."""
    try:
        cache, types = fin.sighashes(p)
    except PSBTError as e:
        raise BadInputError("bad PSBT: %s" % e.reason) from None
    want = key_sort(participants)
    agg = None
    out = []
    for i, m in enumerate(p.inputs):
        if not any(k[:1] == musig_psbt.PARTICIPANTS for k in m):
            # An updater that left out BIP-373's participants (it is this wallet's own PSBT):
            # add them, the session check below still has to match the output key.
            agg = agg or _plain(key_agg(want))
            m[musig_psbt.PARTICIPANTS + agg] = b"".join(want)
        try:
            _, parts, tweaks, is_xonly, _, _ = musig_psbt.session_keys(p, i)
        except PSBTError as e:
            raise BadInputError("input %d is not this wallet's: %s" % (i, e.reason)) from None
        if parts != want:
            raise BadInputError("input %d: MuSig2 participants are not this wallet's (sorted) keys" % i)
        out.append((cache.sighash(i, types[i]), tweaks, is_xonly))
    return out


def _plain(ctx):
    from .signing import cbytes

    return cbytes(ctx[0])


def _parse(psbt_bytes):
    try:
        return psbt_io.parse(psbt_bytes)
    except PSBTError as e:
        raise BadInputError("bad PSBT: %s" % e.reason) from None


def cosign(card, psbt_bytes, secret_a, card_pubkey, blob, finalize=True):
    """(PsbtMaps, raw transaction or None): all-in-one mode. Without `finalize` the PSBT keeps
    both participants' BIP-373 nonces and partial signatures beside PSBT_IN_TAP_KEY_SIG."""
    p = _parse(psbt_bytes)
    host_pub = individual_pk(secret_a)
    card_pubkey = bytes(card_pubkey)
    sessions = [TwoOfTwo(secret_a, card_pubkey, msg, tweaks, is_xonly)
                for msg, tweaks, is_xonly in _sessions(p, [host_pub, card_pubkey])]
    nonces = [s.host_nonce() for s in sessions]
    # Only what the card reads crosses the link: less BLE time, less card heap.
    res = card.call("sign", {"psbt": psbt_io.for_card(p), "blob": bytes(blob), "nonces": nonces})
    card_nonces, psigs = _answer(res, len(sessions))
    for i, s in enumerate(sessions):
        try:
            s.aggregate_nonces(card_nonces[i])
        except (InvalidContributionError, ValueError):
            raise CardRefusedError("the card's nonce for input %d is invalid" % i) from None
        try:
            sig = s.finish(psigs[i])
        except (InvalidContributionError, ValueError):
            raise CardRefusedError("the card's partial signature for input %d is invalid" % i) from None
        for who, nonce, psig in ((host_pub, nonces[i], s.host_psig), (card_pubkey, card_nonces[i], psigs[i])):
            musig_psbt.add_pub_nonce(p, i, who, nonce)
            musig_psbt.add_partial_sig(p, i, who, psig)
        fin.add_key_sig(p, i, sig)
    if not finalize:
        return p, None
    fin.finalize(p)
    return p, fin.extract(p)


def cosign_participant(card, psbt_bytes, card_pubkey, blob):
    """PsbtMaps with the card's BIP-373 nonce and partial signature added to every input whose
    other participant's nonce is already there. The card signs last, so that nonce must be."""
    p = _parse(psbt_bytes)
    card_pubkey = bytes(card_pubkey)
    others, msgs = [], []
    for i in range(len(p.inputs)):
        try:
            _, parts, tweaks, is_xonly, _, _ = musig_psbt.session_keys(p, i)
            have = musig_psbt.pub_nonces(p, i)
        except PSBTError as e:
            raise BadInputError("bad PSBT: %s" % e.reason) from None
        if card_pubkey not in parts or len(parts) != 2:
            raise BadInputError("input %d: the card is not one of its two MuSig2 participants" % i)
        other = parts[1 - parts.index(card_pubkey)]
        if other not in have:
            raise BadInputError("input %d: no public nonce of the other participant yet; the card "
                                "signs last (BIP-327 deterministic signing), so the other signer "
                                "adds its nonce first" % i)
        others.append((other, have[other]))
        msgs.append(musig_psbt.session(p, i)[:4])
    res = card.call("sign", {"psbt": psbt_io.for_card(p), "blob": bytes(blob),
                             "nonces": [n for _, n in others]})
    card_nonces, psigs = _answer(res, len(others))
    for i, (msg, parts, tweaks, is_xonly) in enumerate(msgs):
        other, other_nonce = others[i]
        pubnonces = [other_nonce if k == other else card_nonces[i] for k in parts]
        try:
            ok = partial_sig_verify(psigs[i], pubnonces, parts, tweaks, is_xonly, msg, parts.index(card_pubkey))
        except (InvalidContributionError, ValueError):
            ok = False
        if not ok:
            raise CardRefusedError("the card's partial signature for input %d is invalid" % i)
        musig_psbt.add_pub_nonce(p, i, card_pubkey, card_nonces[i])
        musig_psbt.add_partial_sig(p, i, card_pubkey, psigs[i])
    return p


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
