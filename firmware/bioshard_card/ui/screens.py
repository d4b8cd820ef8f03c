# Every screen of the card, one function each. A screen draws into a Canvas (landscape 250x122)
# from plain data (ints, strs) and nothing else: no I/O, no state, so the host renders exactly
# what the card shows and tests compare renders with golden PNGs.
#
# Amounts are integer satoshis, shown in BTC with all 8 decimals; addresses are shown in full,
# in groups of 4 characters over as many lines as needed, never elided.
from .canvas import BLACK, WHITE
from .text import Font, chunk_lines, draw_center, draw_right, fit, format_btc, wrap
from . import font_big, font_body, font_bold, font_icons, font_mono
from ..btc.amounts import format_rate

BODY = Font(font_body)
BOLD = Font(font_bold)
MONO = Font(font_mono)
BIG = Font(font_big)
ICONS = Font(font_icons)

ICON_OK = "a"  # check mark (see tools/gen_font.py CHARSETS)
ICON_NO = "b"  # cross
ICON_WARN = "c"  # warning sign
ICON_FINGER = "d"  # pointing finger

W = 250
H = 122
MARGIN = 4
HEADER_H = 17
LINE = 14  # body line pitch
ADDR_GAP = 5  # px between address groups: wide enough to see, narrow enough for 6 a line


def _header(c, title, page=None):
    """Black title band; `page` like '2/5' at the right so the user knows how much is left."""
    c.fill_rect(0, 0, W, HEADER_H, BLACK)
    right = W - MARGIN
    if page:
        right = draw_right(c, BOLD, page, W - MARGIN, 2, WHITE) - 8
    BOLD.draw(c, fit(BOLD, title, right - MARGIN), MARGIN, 2, WHITE)


def _footer(c, s):
    c.hline(0, H - LINE - 3, W, BLACK)
    draw_center(c, BODY, s, H - LINE)


def _tag(c, s, x, y):
    """Inverted label, e.g. CHANGE: impossible to overlook next to an amount."""
    w = BOLD.width(s) + 6
    c.fill_rect(x, y, w, BOLD.height + 2, BLACK)
    BOLD.draw(c, s, x + 3, y + 1, WHITE)
    return x + w


def _amount(c, sat, y, right=W - MARGIN, sign=False):
    """Big amount with a small BTC unit, right-aligned so decimals line up between screens."""
    unit_x = right - BOLD.width(" BTC")
    BOLD.draw(c, " BTC", unit_x, y + BIG.baseline - BOLD.baseline)
    s = format_btc(sat, sign)
    font = BIG
    if BIG.width(s) > unit_x - MARGIN - 40:  # huge amounts: smaller digits, never clipped
        font = BOLD
    return draw_right(c, font, s, unit_x, y + BIG.baseline - font.baseline)


def _row(c, label, value, y, font=BODY):
    BODY.draw(c, label, MARGIN, y)
    draw_right(c, font, value, W - MARGIN, y)


def _address(c, addr, y, max_lines=5):
    """The address in groups of 4 in a monospaced font, every character shown. Returns next y.
    A description of a script without an address (it has spaces, e.g. 'OP_RETURN data (5
    bytes)', from btc.address.describe_script) is wrapped as words instead."""
    if " " in addr:
        for line in wrap(BOLD, addr, W - 2 * MARGIN)[:max_lines]:
            BOLD.draw(c, line, MARGIN, y)
            y += LINE
        return y
    for groups in chunk_lines(MONO, addr, W - 2 * MARGIN, 4, ADDR_GAP)[:max_lines]:
        x = MARGIN
        for g in groups:
            x = MONO.draw(c, g, x, y) + ADDR_GAP
        y += MONO.height + 1
    return y


def _quality_bar(c, x, y, w, pct, threshold):
    """Outlined bar filled to pct, with a tick at the acceptance threshold."""
    pct = 0 if pct < 0 else 100 if pct > 100 else pct
    c.rect(x, y, w, 12, BLACK)
    c.fill_rect(x + 2, y + 2, (w - 4) * pct // 100, 8, BLACK)
    tx = x + 2 + (w - 4) * threshold // 100
    c.vline(tx, y - 3, 3, BLACK)
    c.vline(tx, y + 12, 3, BLACK)


def _big_icon(c, icon, x, y):
    ICONS.draw(c, icon, x, y)


# ---- boot and setup ------------------------------------------------------------------------


def splash(c, version):
    c.fill(WHITE)
    c.rect(2, 2, W - 4, H - 4, BLACK)
    c.rect(4, 4, W - 8, H - 8, BLACK)
    draw_center(c, BIG, "bioshard", 26)
    draw_center(c, BODY, "biometric confirmation card", 56)
    draw_center(c, BODY, "firmware " + version, 84)


def pairing(c, code):
    """Pairing: the 6-digit code the owner compares with the one the computer prints."""
    c.fill(WHITE)
    _header(c, "Pair with a computer")
    draw_center(c, BODY, "Your computer shows a code too.", 22)
    draw_center(c, BODY, "It must be this same code:", 22 + LINE)
    shown = code[:3] + " " + code[3:] if len(code) == 6 else code
    cw = BIG.width(shown) + 20
    cx = (W - cw) // 2
    c.rect(cx, 54, cw, BIG.height + 10, BLACK)
    draw_center(c, BIG, shown, 59)
    _footer(c, "Answer on your computer, then here.")


# ---- enrollment ----------------------------------------------------------------------------


def _enroll_head(c, finger, fingers, press, presses):
    _header(c, "Enroll finger %d of %d" % (finger, fingers), "%d/%d" % (press, presses))


def enroll_place(c, finger, fingers, press, presses, name=""):
    """Ask for the next finger. `name` like 'right index' says which one."""
    c.fill(WHITE)
    _enroll_head(c, finger, fingers, press, presses)
    _big_icon(c, ICON_FINGER, MARGIN + 4, 30)
    BOLD.draw(c, "Place your finger", 44, 28)
    if name:
        BIG.draw(c, name, 44, 44)
    y = 74
    for line in wrap(BODY, "Lay it flat on the sensor and hold still until told to lift.", W - 2 * MARGIN):
        BODY.draw(c, line, MARGIN, y)
        y += LINE


def enroll_lift(c, finger, fingers, press, presses, coverage, ok=True, added=0):
    """After a press: how much of the finger the card has seen so far; lift the finger."""
    c.fill(WHITE)
    _enroll_head(c, finger, fingers, press, presses)
    good = ok and added > 0
    _big_icon(c, ICON_OK if good else ICON_WARN, MARGIN + 2, 24)
    BIG.draw(c, "Lift your finger", 40, 24)
    BODY.draw(c, "Finger covered", MARGIN, 56)
    draw_right(c, BOLD, "%d%%" % coverage, W - MARGIN, 56)
    _quality_bar(c, MARGIN, 74, W - 2 * MARGIN, coverage, 100)
    if not ok:
        msg = "Not used: it will be taken again."
    elif added > 0:
        msg = "Good: %d new details." % added
    else:
        msg = "Nothing new: shift the finger."
    BODY.draw(c, msg, MARGIN, 94)


def enroll_again(c, finger, fingers, press, presses, hint=""):
    """Ask for another press of the same finger; `hint` e.g. 'shift it a little to the left'."""
    c.fill(WHITE)
    _enroll_head(c, finger, fingers, press, presses)
    _big_icon(c, ICON_FINGER, MARGIN + 4, 30)
    BIG.draw(c, "Press again", 44, 28)
    BODY.draw(c, "Same finger, press %d of %d" % (press, presses), 44, 54)
    y = 76
    for line in wrap(BODY, hint or "Vary the angle a little each time.", W - 2 * MARGIN):
        BODY.draw(c, line, MARGIN, y)
        y += LINE


def enroll_done(c, fingers):
    c.fill(WHITE)
    _header(c, "Enrollment")
    _big_icon(c, ICON_OK, MARGIN + 2, 30)
    BIG.draw(c, "All done", 40, 30)
    word = "finger" if fingers == 1 else "fingers"
    BODY.draw(c, "%d %s enrolled." % (fingers, word), 40, 58)
    y = 78
    for line in wrap(BODY, "Your key is derived from them; nothing else is stored.", W - 2 * MARGIN):
        BODY.draw(c, line, MARGIN, y)
        y += LINE


# ---- signing -------------------------------------------------------------------------------


def sign_output(c, index, count, address, amount_sat, change, page, pages, danger=""):
    """One output per page: the full address and the amount; change outputs carry a CHANGE tag,
    outputs that give their coins away a `danger` tag (e.g. ANYONE CAN SPEND, BURN)."""
    c.fill(WHITE)
    _header(c, "Output %d of %d" % (index, count), "%d/%d" % (page, pages))
    if change:
        # `change` is True, or the HD child the card derived it as ("change #1")
        x = _tag(c, "CHANGE", MARGIN, 20)
        text = "back to this wallet" if change is True else "to this wallet, " + change
        if BODY.width(text) > W - MARGIN - x - 4:
            text = change  # the index always shows in full
        BODY.draw(c, text, x + 4, 21)
    elif danger:
        _tag(c, danger, MARGIN, 20)
    else:
        BOLD.draw(c, "Send to", MARGIN, 21)
    y = max(_address(c, address, 38) + 2, H - BIG.height - 2)
    x = _amount(c, amount_sat, y)
    if x > MARGIN + BODY.width("Amount") + 4:
        BODY.draw(c, "Amount", MARGIN, y + BIG.baseline - BODY.baseline)


def sign_danger(c, index, anyone, why, amount_sat, page, pages):
    """An output that gives its coins away, on a page of its own after the output's page:
    `anyone` True when anyone can spend it (`why`: 'empty script', 'OP_TRUE'...), False when
    nobody ever can (OP_RETURN with value: the coins are burned)."""
    c.fill(WHITE)
    _header(c, "Danger: output %d" % index, "%d/%d" % (page, pages))
    _big_icon(c, ICON_WARN, MARGIN + 2, 22)
    BOLD.draw(c, "Anyone can take this:" if anyone else "These coins are burned:", 40, 24)
    _amount(c, amount_sat, 40)
    if anyone:
        text = "It needs no key (%s). Whoever sees it first takes it." % why
    else:
        text = "Nobody can ever spend this output (%s): they are destroyed." % why
    y = 66
    for line in wrap(BODY, text, W - 2 * MARGIN)[:2]:
        BODY.draw(c, line, MARGIN, y)
        y += LINE
    _footer(c, "Touch: accept anyway. Button: reject.")


def sign_summary(c, send_sat, change_sat, fee_sat, vsize, outputs, page, pages):
    """Totals: what leaves the wallet, what comes back, the fee and its rate."""
    c.fill(WHITE)
    _header(c, "Summary", "%d/%d" % (page, pages))
    word = "output" if outputs == 1 else "outputs"
    y = 20
    _row(c, "Send (%d %s)" % (outputs, word), format_btc(send_sat), y, BOLD)
    y += LINE
    _row(c, "Change", format_btc(change_sat), y)
    y += LINE
    _row(c, "Fee", format_btc(fee_sat), y, BOLD)
    y += LINE
    _row(c, "Fee rate", format_rate(fee_sat, vsize), y)
    y += LINE + 3
    c.hline(MARGIN, y, W - 2 * MARGIN, BLACK)
    BOLD.draw(c, "Total", MARGIN, y + 4 + BIG.baseline - BOLD.baseline)
    _amount(c, send_sat + fee_sat, y + 4)


def sign_warnings(c, warnings, page, pages):
    """Anything unusual the review found (high fee, self-transfer...), on its own page so it
    cannot be scrolled past unseen."""
    c.fill(WHITE)
    _header(c, "Warning", "%d/%d" % (page, pages))
    _big_icon(c, ICON_WARN, MARGIN + 2, 22)
    BIG.draw(c, "Check this!", 40, 22)
    y = 50
    for w in warnings:
        c.fill_rect(MARGIN, y + 5, 3, 3, BLACK)  # bullet
        for line in wrap(BOLD, w, W - 2 * MARGIN - 8):
            if y + LINE > H:
                return
            BOLD.draw(c, line, MARGIN + 8, y)
            y += LINE
        y += 2


def sign_confirm(c, total_sat, page, pages):
    """Last review page: how to approve and how to reject."""
    c.fill(WHITE)
    _header(c, "Confirm", "%d/%d" % (page, pages))
    BODY.draw(c, "You are spending, fee included", MARGIN, 20)
    _amount(c, total_sat, 34)
    _big_icon(c, ICON_FINGER, MARGIN + 4, 64)
    BOLD.draw(c, "Place an enrolled finger", 40, 64)
    BOLD.draw(c, "to sign.", 40, 64 + LINE)
    _footer(c, "Press the button to reject.")


def sign_result(c, result, tries_left=0):
    """result: 'signed', 'rejected' or 'wrong_finger' (then tries_left says how many remain)."""
    c.fill(WHITE)
    if result == "signed":
        _header(c, "Signed")
        icon, title, lines = ICON_OK, "Signed", "The signature was sent to your wallet."
    elif result == "rejected":
        _header(c, "Rejected")
        icon, title, lines = ICON_NO, "Rejected", "Nothing was signed."
    else:
        _header(c, "Not recognised")
        icon, title = ICON_WARN, "Try again"
        lines = "That finger did not match. %d %s left." % (tries_left, "try" if tries_left == 1 else "tries")
    _big_icon(c, icon, MARGIN + 2, 32)
    BIG.draw(c, title, 40, 32)
    y = 66
    for line in wrap(BODY, lines, W - 2 * MARGIN):
        BODY.draw(c, line, MARGIN, y)
        y += LINE


# ---- idle and verification -----------------------------------------------------------------


def portfolio(c, balance_sat, txs, name="Wallet"):
    """Idle screen: balance and up to 4 recent transactions, txs = [(label, delta_sat), ...]
    newest first; label is short text such as a date or 'pending'."""
    c.fill(WHITE)
    _header(c, name)
    BODY.draw(c, "Balance", MARGIN, 22 + BIG.baseline - BODY.baseline)
    _amount(c, balance_sat, 22)
    y = 50
    c.hline(MARGIN, y - 3, W - 2 * MARGIN, BLACK)
    if not txs:
        BODY.draw(c, "No transactions yet.", MARGIN, y)
    for label, delta in txs[:4]:
        x = draw_right(c, MONO, format_btc(delta, True), W - MARGIN, y)
        BODY.draw(c, fit(BODY, label, x - 6 - MARGIN), MARGIN, y)
        y += LINE + 3


def address_verify(c, address, label, path=""):
    """Show a receive address in full so the user checks it against the wallet, group by group."""
    c.fill(WHITE)
    _header(c, "Verify address")
    right = W - MARGIN
    if path:
        right = draw_right(c, BODY, path, W - MARGIN, 21) - 6
    BOLD.draw(c, fit(BOLD, label, right - MARGIN), MARGIN, 21)
    _address(c, address, 40)
    _footer(c, "Check each group on your wallet.")


def error(c, message, code=None):
    c.fill(WHITE)
    _header(c, "Error" if code is None else "Error %s" % code)
    _big_icon(c, ICON_WARN, MARGIN + 2, 24)
    y = 24
    for line in wrap(BOLD, message, W - 40 - MARGIN)[:6]:
        BOLD.draw(c, line, 40, y)
        y += LINE
    _footer(c, "Press the button to continue.")
