# Guided enrollment: for each finger of the owner's sequence, several presses; the bio
# pipeline turns them into one fuzzy-extractor helper per finger, the sequence into Secret B
# and one authenticated helper blob. Only the blob and the public key share leave this
# function: no image, minutiae list, template or key is stored anywhere.
import gc

from ..bio import sequence, template
from ..crypto.kdf import card_share_pubkey
from ..ui import screens
from ..ui.screens_app import busy, finger_name
from . import errors
from .fingers import BUTTON, FINGER, TIMEOUT

PRESS_TIMEOUT_MS = 60000
GOOD_MINUTIAE = 40  # a capture with this many minutiae shows as 100 % quality


def quality(minutiae):
    q = len(minutiae) * 100 // GOOD_MINUTIAE
    return 100 if q > 100 else q


async def _check(r, what):
    if r == BUTTON:
        raise errors.cancelled(what)
    if r == TIMEOUT:
        raise errors.timed_out(what)


async def enroll(display, fingers, finger_ids, presses=3, context=b""):
    """Returns (helper blob, 33-byte card pubkey). RpcError on cancel/timeout/bad input."""
    if not 1 <= len(finger_ids) <= 5:
        raise errors.bad_params("choose 1 to 5 fingers")
    if not 2 <= presses <= 8:
        raise errors.bad_params("presses per finger must be 2..8")
    n = len(finger_ids)
    threshold = template.MIN_MINUTIAE * 100 // GOOD_MINUTIAE
    en = sequence.Enrollment()
    for fi in range(n):
        fid = finger_ids[fi]
        captures = []
        hint = ""
        while len(captures) < presses:
            press = len(captures) + 1
            if hint:
                await display.show_async(screens.enroll_again, fi + 1, n, press, presses, hint)
            else:
                await display.show_async(screens.enroll_place, fi + 1, n, press, presses, finger_name(fid))
            await _check(await fingers.wait_finger(PRESS_TIMEOUT_MS), "enrollment")
            minutiae = fingers.read_minutiae()
            q = quality(minutiae)
            await display.show_async(screens.enroll_lift, fi + 1, n, press, presses, q, threshold)
            if len(minutiae) >= template.MIN_MINUTIAE:
                captures.append(minutiae)
                hint = ""
            else:
                hint = "Too few ridge details: press flatter and cover the whole sensor."
            minutiae = None
            await _check(await fingers.wait_lift(PRESS_TIMEOUT_MS), "enrollment")
        await display.show_async(busy, "Enroll", "Learning this finger...")
        try:
            en.add(fid, captures)
        except template.TemplateError as e:
            raise errors.mismatch("finger %d could not be enrolled: %s" % (fi + 1, e))
        captures = None
        gc.collect()
    secret_b, blob = en.finish()
    pub = card_share_pubkey(secret_b, context)
    secret_b = None  # immutable bytes: dropped now, its memory reused at the next collection
    gc.collect()
    await display.show_async(screens.enroll_done, n)
    return blob, pub
