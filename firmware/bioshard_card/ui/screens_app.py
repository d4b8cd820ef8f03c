# Screens of the app's own states (setup, pairing confirmation, idle, the finger sequence while
# signing), drawn with the same fonts and layout helpers as ui/screens.py.
from .canvas import WHITE
from .screens import BIG, BODY, BOLD, ICON_FINGER, ICON_WARN, LINE, MARGIN, W, _big_icon, _footer, _header
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
    """Numeric comparison: the owner, not the computer, says whether the two codes match (the
    card only knows that its peer holds the keys of this run, not which device the peer is)."""
    c.fill(WHITE)
    _header(c, "Same code on your computer?")
    shown = code[:3] + " " + code[3:] if len(code) == 6 else code
    draw_center(c, BIG, shown, 22)
    _para(c, BODY, "Touch the sensor only if your computer shows this same code.", 52)
    _footer(c, "Different code? Press the button.")


def pair_replace(c):
    """A pairing exists: the new one replaces it. Its own screen and its own touch, so the
    touch that accepts a code cannot also give away the owner's pairing."""
    c.fill(WHITE)
    _header(c, "Replace pairing?")
    _big_icon(c, ICON_WARN, MARGIN + 2, 22)
    y = _para(c, BOLD, "This card is already paired with a computer.", 22, W - 40 - MARGIN, 40)
    _para(c, BODY, "Pairing this one replaces it: that computer can no longer use the card.", y + 2)
    _footer(c, "Touch: replace. Button: keep it.")


def idle(c, name, paired, enrolled):
    c.fill(WHITE)
    _header(c, name)
    draw_center(c, BIG, "Ready", 26)
    if not paired:
        state = "Not paired: run bioshard pair."
    elif not enrolled:
        # The card cannot know whether the computer already holds a wallet: name both ways.
        state = "Paired. Next, on your computer: bioshard enroll (new wallet) or bioshard recover (existing wallet)."
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
