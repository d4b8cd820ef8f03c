# Screens of the app's own states (setup, pairing confirmation, idle, the finger sequence while
# signing), drawn with the same fonts and layout helpers as ui/screens.py.
from .canvas import WHITE
from .screens import BIG, BODY, BOLD, ICON_FINGER, LINE, MARGIN, W, _big_icon, _footer, _header
from .text import draw_center, wrap

# ISO/IEC 19794-2 finger positions, as the owner names them.
FINGER_NAMES = ("any finger", "right thumb", "right index", "right middle", "right ring",
                "right little", "left thumb", "left index", "left middle", "left ring", "left little")


def finger_name(fid):
    return FINGER_NAMES[fid] if 0 <= fid < len(FINGER_NAMES) else "finger %d" % fid


def _para(c, font, text, y, width=W - 2 * MARGIN, x=MARGIN):
    for line in wrap(font, text, width):
        font.draw(c, line, x, y)
        y += LINE
    return y


def setup(c, name):
    """First boot, not paired: what to do on the computer."""
    c.fill(WHITE)
    _header(c, "Welcome")
    draw_center(c, BIG, name, 24)
    y = _para(c, BODY, "Not paired yet. On your computer run:", 54)
    draw_center(c, BOLD, "bioshard pair", y + 2)
    _footer(c, "The card will show a code to check.")


def pair_confirm(c, code):
    """After the wallet accepted the code: the last word is the owner's, on the card."""
    c.fill(WHITE)
    _header(c, "Pair with your wallet")
    shown = code[:3] + " " + code[3:] if len(code) == 6 else code
    draw_center(c, BIG, shown, 22)
    y = _para(c, BODY, "Your wallet accepted this code. Touch the sensor to finish pairing.", 52)
    _footer(c, "Press the button to cancel.")


def idle(c, name, paired, enrolled):
    c.fill(WHITE)
    _header(c, name)
    draw_center(c, BIG, "Ready", 26)
    if not paired:
        state = "Not paired: run bioshard pair."
    elif not enrolled:
        state = "Paired. Next: bioshard enroll."
    else:
        state = "Paired and enrolled. Waiting for your wallet."
    _para(c, BODY, state, 62)


def sign_finger(c, k, n, name, title="Sign"):
    """While signing (or restoring): which finger of the sequence to present now."""
    c.fill(WHITE)
    _header(c, title, "finger %d/%d" % (k, n))
    _big_icon(c, ICON_FINGER, MARGIN + 4, 30)
    BOLD.draw(c, "Place your", 44, 28)
    BIG.draw(c, name, 44, 44)
    _para(c, BODY, "Your fingers are the confirmation: nothing is signed without them.", 74)


def busy(c, title, text):
    c.fill(WHITE)
    _header(c, title)
    draw_center(c, BIG, "...", 30)
    _para(c, BODY, text, 64)
