# Review and co-sign a PSBT. The card parses the PSBT itself and shows every output, the
# change (only if it pays the wallet's own Taproot key, checked here), the fee; the owner pages
# through with touches; the finger sequence that re-derives Secret B is the confirmation.
# The card is BIP-327's stateless last signer: deterministic_sign with the host's nonce,
# so no nonce outlives this function.
import gc

from ..bio import helperblob, sequence
from ..btc.errors import PSBTError
from ..btc.review import Wallet, review_psbt
from ..crypto.card_signer import CardSigner
from ..crypto.kdf import card_share
from ..ui import screens
from ..ui.review import pages
from ..ui.screens_app import finger_name, sign_finger
from . import errors
from .fingers import BUTTON, FINGER, TIMEOUT

PAGE_TIMEOUT_MS = 120000
FINGER_TIMEOUT_MS = 60000
TRIES = 3  # wrong-finger attempts per signing request


def _review(psbt, wallet):
    w = Wallet(wallet.output_key, wallet.agg_key, wallet.participants, wallet.card_key, wallet.network)
    try:
        rv = review_psbt(psbt, w)
    except PSBTError as e:
        raise errors.bad_params("PSBT refused: %s" % e.reason)
    from ..btc.script_risk import mark_review

    return mark_review(rv)  # outputs that give their coins away get a danger page


def _points(nonce):
    # Checked before the owner is asked anything: a nonce MuSig2 would reject later must not
    # cost the owner a review and the finger sequence.
    from ..crypto import secp256k1 as ec

    try:
        ec.cpoint(nonce[0:33])
        ec.cpoint(nonce[33:66])
    except ValueError:
        return False
    return True


async def _answer(display, r):
    if r == BUTTON:
        await display.show_async(screens.sign_result, "rejected")
        raise errors.cancelled("signing")
    if r == TIMEOUT:
        await display.show_async(screens.sign_result, "rejected")
        raise errors.timed_out("signing")


def _reproduction(blob):
    try:
        return sequence.Reproduction(blob)
    except (helperblob.BlobError, ValueError) as e:
        raise errors.bad_params("helper blob refused: %s" % e)


async def read_secret_b(display, fingers, blob, prompted, title="Sign"):
    # prompted: the confirm page already asks for the first finger, so its first try shows
    # nothing new (one less e-ink refresh between "confirm" and the capture).
    # blob: the helper blob, or a Reproduction of it already checked by the caller.
    rep = blob if isinstance(blob, sequence.Reproduction) else _reproduction(blob)
    blob = None
    tries = TRIES
    while not rep.done:
        if not prompted:
            await display.show_async(sign_finger, rep.position + 1, rep.count, finger_name(rep.finger_id()), title)
        prompted = False
        await _answer(display, await fingers.wait_finger(FINGER_TIMEOUT_MS))
        ok = rep.offer(fingers.read_minutiae())  # a failed press is fused with the next one
        gc.collect()
        if not ok:
            tries -= 1
            await display.show_async(screens.sign_result, "wrong_finger", tries)
            if tries <= 0:
                raise errors.mismatch("the fingers did not match the enrolled sequence")
        await _answer(display, await fingers.wait_lift(FINGER_TIMEOUT_MS))
    try:
        return rep.finish()
    except helperblob.BlobError:
        raise errors.mismatch("helper blob does not belong to these fingers (modified blob?)")


async def sign(display, fingers, wallet, psbt, blob, host_nonces, context=b""):
    """Returns {"nonces": [...], "psigs": [...]} (one per input, in input order)."""
    if wallet is None or not wallet.ready:
        raise errors.not_ready("this card has no wallet yet: enroll and create the wallet first")
    rv = _review(psbt, wallet)
    psbt = None
    n_in = len(rv.psbt.inputs)
    if not isinstance(host_nonces, list) or len(host_nonces) != n_in:
        raise errors.bad_params("need one host nonce per input (%d)" % n_in)
    for nonce in host_nonces:
        if not isinstance(nonce, (bytes, bytearray)) or len(nonce) != 66 or not _points(nonce):
            raise errors.bad_params("host nonces are 66-byte public nonces (two points)")
    rep = _reproduction(blob)  # a malformed blob is refused before the owner reviews anything
    blob = None
    ps = pages(rv)
    for i in range(len(ps) - 1):
        fn, args = ps[i]
        await display.show_async(fn, *args)
        await _answer(display, await fingers.tap(PAGE_TIMEOUT_MS))
    fn, args = ps[-1]
    await display.show_async(fn, *args)
    secret_b = await read_secret_b(display, fingers, rep, True)
    rep = None
    signer = CardSigner(card_share(wallet.share_seed(secret_b), context))
    secret_b = None
    try:
        if signer.pubkey != wallet.card_key:
            raise errors.mismatch("these fingers and blob derive another card key than this wallet's")
        nonces = []
        psigs = []
        for i in range(n_in):
            # The base key's Taproot tweak, or an HD child's derivation tweaks then its Taproot
            # tweak: what the card derived itself while reviewing the input.
            tweaks, is_xonly = rv.session_tweaks(i)
            pubnonce, psig = signer.deterministic_sign(host_nonces[i], wallet.participants, rv.sighash(i),
                                                       tweaks, is_xonly)
            nonces.append(pubnonce)
            psigs.append(psig)
    finally:
        signer.wipe()
        gc.collect()
    await display.show_async(screens.sign_result, "signed")
    return {"nonces": nonces, "psigs": psigs}
