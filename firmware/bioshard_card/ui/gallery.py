# Every screen with representative data, by name. Used by tools/render_screens.py (PNGs for
# people and the golden images), by the tests, and on a real card as a panel check.
from . import screens, screens_app

# BIP-86 / BIP-84 reference addresses (account 0): realistic lengths for P2TR and P2WPKH.
P2TR = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"
P2TR_CHANGE = "bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7"
P2WPKH = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"

SCREENS = (
    ("splash", screens.splash, ("0.1.0",)),
    ("pairing", screens.pairing, ("042917",)),
    ("enroll_place", screens.enroll_place, (1, 3, 1, 8, "right index")),
    ("enroll_lift", screens.enroll_lift, (1, 3, 3, 8, 46, True, 12)),
    ("enroll_lift_nothing_new", screens.enroll_lift, (1, 3, 4, 8, 52, True, 0)),
    ("enroll_lift_poor", screens.enroll_lift, (2, 3, 3, 8, 23, False, 0)),
    ("enroll_again", screens.enroll_again, (1, 3, 2, 8)),
    ("enroll_shift", screens.enroll_again, (1, 3, 5, 8,
                                           "Nothing new there: shift the finger a little (up, down, left or right).")),
    ("enroll_done", screens.enroll_done, (3,)),
    ("sign_output", screens.sign_output, (1, 2, P2WPKH, 1500000, False, 1, 4)),
    ("sign_output_change", screens.sign_output, (2, 2, P2TR_CHANGE, 12345678, True, 2, 4)),
    ("sign_output_taproot", screens.sign_output, (1, 1, P2TR, 2100000000000000, False, 1, 3)),
    ("sign_output_op_return", screens.sign_output, (2, 2, "OP_RETURN data (40 bytes)", 0, False, 2, 5)),
    ("sign_output_anyone", screens.sign_output, (2, 2, "non-standard script (0 bytes)", 50000, False, 2, 5,
                                                 "ANYONE CAN SPEND")),
    ("sign_danger_anyone", screens.sign_danger, (2, True, "empty script", 50000, 3, 5)),
    ("sign_danger_burn", screens.sign_danger, (1, False, "OP_RETURN", 1500000, 2, 5)),
    ("sign_warnings", screens.sign_warnings, (("fee rate above 1000 sat/vB", "fee above 10% of amount sent"), 3, 5)),
    ("sign_summary", screens.sign_summary, (1500000, 12345678, 2310, 231, 1, 3, 4)),
    ("sign_confirm", screens.sign_confirm, (1502310, 4, 4)),
    ("sign_signed", screens.sign_result, ("signed",)),
    ("sign_rejected", screens.sign_result, ("rejected",)),
    ("sign_wrong_finger", screens.sign_result, ("wrong_finger", 2)),
    ("portfolio", screens.portfolio, (13845678, (("pending", 1500000), ("12 Nov", -250000), ("3 Nov", 5000000), ("28 Oct", -12010)))),
    ("portfolio_empty", screens.portfolio, (0, ())),
    ("address_verify", screens.address_verify, (P2TR, "Receive #5", "m/86'/0'/0'/0/5")),
    ("error", screens.error, ("The fingerprint sensor does not answer. Check its cable and restart the card.", 3)),
    ("app_setup", screens_app.setup, ("bioshard-7253",)),
    ("app_pair_confirm", screens_app.pair_confirm, ("042917",)),
    ("app_pair_replace", screens_app.pair_replace, ()),
    ("app_idle", screens_app.idle, ("bioshard-7253", True, True)),
    ("app_idle_unenrolled", screens_app.idle, ("bioshard-7253", True, False)),
    ("app_sign_finger", screens_app.sign_finger, (2, 3, "left index")),
    ("app_restore_finger", screens_app.sign_finger, (1, 2, "right index", "Restore")),
    ("app_busy", screens_app.busy, ("Enroll", "Learning this finger...")),
)

NAMES = tuple(s[0] for s in SCREENS)


def draw(c, name):
    for n, fn, args in SCREENS:
        if n == name:
            fn(c, *args)
            return
    raise KeyError(name)
