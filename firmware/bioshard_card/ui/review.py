# The signing review as a list of panel pages, from the card's own btc.review.Review (never
# from anything the host says): one page per output, each followed by a danger page of its own
# if the output gives its coins away (anyone can spend it, or it burns them), the warnings if
# any, the totals, then how to confirm or reject. Each page is (screen function, args) for
# Display.show(fn, *args); every page but the last is passed with a touch, so the owner cannot
# reach the confirmation without touching through each danger page.
from . import screens

ANYONE = "anyone"  # btc.script_risk.ANYONE (not imported: this module stays small)
_TAGS = {ANYONE: "ANYONE CAN SPEND"}


def pages(review):
    outs = review.outputs
    n = len(outs)
    warnings = review.warnings
    total = n + _count_risky(outs) + (1 if warnings else 0) + 2
    out = []
    page = 1
    for i, o in enumerate(outs):
        risk = getattr(o, "risk", None)  # set by btc.script_risk.mark_review
        change = o.change
        path = getattr(o, "path", None)  # an HD change output: the child the card derived
        if change and path is not None:
            change = ("change #%d" if path[0] else "receive #%d") % path[1]
        args = (i + 1, n, o.text, o.amount, change, page, total)
        if risk is not None:
            args += (_TAGS.get(risk[0], "BURN"),)
        out.append((screens.sign_output, args))
        page += 1
        if risk is not None:
            out.append((screens.sign_danger, (i + 1, risk[0] == ANYONE, risk[1], o.amount, page, total)))
            page += 1
    if warnings:
        out.append((screens.sign_warnings, (warnings, page, total)))
        page += 1
    sent = review.sent()
    change = sum(o.amount for o in outs if o.change)
    out.append((screens.sign_summary, (sent, change, review.fee, review.vsize, n - _count_change(outs), page, total)))
    out.append((screens.sign_confirm, (sent + review.fee, page + 1, total)))
    return out


def _count_change(outs):
    k = 0
    for o in outs:
        if o.change:
            k += 1
    return k


def _count_risky(outs):
    k = 0
    for o in outs:
        if getattr(o, "risk", None) is not None:
            k += 1
    return k
