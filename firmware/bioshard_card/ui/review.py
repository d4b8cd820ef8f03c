# The signing review as a list of panel pages, from the card's own btc.review.Review (never
# from anything the host says): one page per output, the warnings if any, the totals, then how
# to confirm or reject. Each page is (screen function, args) for Display.show(fn, *args).
from . import screens


def pages(review):
    outs = review.outputs
    n = len(outs)
    warnings = review.warnings
    total = n + (1 if warnings else 0) + 2
    out = []
    page = 1
    for i, o in enumerate(outs):
        out.append((screens.sign_output, (i + 1, n, o.text, o.amount, o.change, page, total)))
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
