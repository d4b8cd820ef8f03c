# Guided enrollment, phone-style: for each finger of the owner's sequence, several presses
# (default 8). Each press is aligned onto the presses before it and merged into one
# consolidated minutiae set (bio.consolidate); the card shows how much of the finger it has
# seen and asks the owner to shift the finger when a press adds nothing new. The set is bound
# into the finger's vault (bio.finger_vault) and wiped; the sequence gives Secret B and one
# authenticated helper blob. Only the blob and the public key share leave this function: no
# image, minutiae list, template or key is stored anywhere.
import gc

from ..bio import finger_vault, sequence
from ..ui import screens
from ..ui.screens_app import busy, finger_name
from . import errors
from .fingers import BUTTON, TIMEOUT

PRESS_TIMEOUT_MS = 60000
PRESSES_DEFAULT = 8
PRESSES_MIN = 4
PRESSES_MAX = 12
NEW_ENOUGH = 3     # a press adding fewer new minutiae than this "adds nothing": shift the finger
EXTRA_PRESSES = 4  # presses asked beyond the plan when the finger cannot be bound yet


async def _check(r, what):
    if r == BUTTON:
        raise errors.cancelled(what)
    if r == TIMEOUT:
        raise errors.timed_out(what)


def _hint(ok, added, minutiae):
    if len(minutiae) < finger_vault.MIN_MINUTIAE:
        return "Too few ridge details: press flatter and cover the whole sensor."
    if not ok:
        return "That press did not match the others: same finger, a little closer to the centre."
    if added < NEW_ENOUGH:
        return "Nothing new there: shift the finger a little (up, down, left or right)."
    return ""


async def enroll(display, fingers, finger_ids, presses=PRESSES_DEFAULT):
    """Returns (helper blob, Secret B): the caller derives the key share (with the card factor
    when the wallet has one) and drops Secret B. RpcError on cancel/timeout/bad input."""
    if not 1 <= len(finger_ids) <= 5:
        raise errors.bad_params("choose 1 to 5 fingers")
    if not PRESSES_MIN <= presses <= PRESSES_MAX:
        raise errors.bad_params("presses per finger must be %d..%d" % (PRESSES_MIN, PRESSES_MAX))
    n = len(finger_ids)
    en = sequence.Enrollment()
    for fi in range(n):
        fid = finger_ids[fi]
        en.begin(fid)
        hint = ""
        asked = 0
        plan = presses
        while True:
            press = en.presses + 1
            if press > plan:
                await display.show_async(busy, "Enroll", "Learning this finger...")
                try:
                    en.end()
                    break
                except finger_vault.VaultError as e:
                    if plan >= presses + EXTRA_PRESSES:
                        raise errors.mismatch("finger %d could not be enrolled: %s" % (fi + 1, e))
                    plan += 2
                    hint = "A few more presses: roll the finger slightly each time."
            if asked >= plan + EXTRA_PRESSES:
                raise errors.mismatch("finger %d: too many presses did not match; start again" % (fi + 1))
            if hint:
                await display.show_async(screens.enroll_again, fi + 1, n, press, plan, hint)
            else:
                await display.show_async(screens.enroll_place, fi + 1, n, press, plan, finger_name(fid))
            await _check(await fingers.wait_finger(PRESS_TIMEOUT_MS), "enrollment")
            minutiae = fingers.read_minutiae()
            asked += 1
            ok, added, coverage = en.press(minutiae)
            ok = ok and len(minutiae) >= finger_vault.MIN_MINUTIAE
            hint = _hint(ok, added, minutiae)
            minutiae = None
            await display.show_async(screens.enroll_lift, fi + 1, n, en.presses if ok else press, plan,
                                     coverage, ok, added)
            await _check(await fingers.wait_lift(PRESS_TIMEOUT_MS), "enrollment")
            gc.collect()
    secret_b, blob = en.finish()
    gc.collect()
    await display.show_async(screens.enroll_done, n)
    return blob, secret_b
