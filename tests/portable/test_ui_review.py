# heapsize: 100k
# ui.review.pages: the signing review as panel pages, built from the card's own btc Review.
# Stand-ins with the attributes of btc.review.OutputLine/Review keep this inside 100 KB (the
# real classes pull in the whole PSBT stack); tests/card/test_panel_review.py uses the real ones.
from bioshard_card.ui import screens
from bioshard_card.ui.canvas import Canvas
from bioshard_card.ui.review import pages

DEST = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
OURS = "bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7"


class OutputLine:
    def __init__(self, index, text, amount, change, risk=None):
        self.index, self.text, self.amount, self.change = index, text, amount, change
        self.risk = risk


class Review:
    def __init__(self, psbt, cache, outputs, total_in, total_out, fee, vsize, warnings):
        self.outputs, self.fee, self.vsize, self.warnings = outputs, fee, vsize, warnings

    def sent(self):
        return sum(o.amount for o in self.outputs if not o.change)


def make_review(warnings=()):
    outs = [OutputLine(0, DEST, 1500000, False), OutputLine(1, OURS, 12345678, True),
            OutputLine(2, "OP_RETURN data (4 bytes)", 0, False)]
    total_out = 1500000 + 12345678
    return Review(None, None, outs, total_out + 2310, total_out, 2310, 231, list(warnings))


def test_one_page_per_output_then_summary_and_confirm():
    ps = pages(make_review())
    fns = [fn for fn, _ in ps]
    assert fns == [screens.sign_output] * 3 + [screens.sign_summary, screens.sign_confirm]
    total = len(ps)
    for n, (fn, args) in enumerate(ps, 1):
        assert args[-2:] == (n, total)  # page x of y, in order
    assert ps[0][1][:5] == (1, 3, DEST, 1500000, False)
    assert ps[1][1][:5] == (2, 3, OURS, 12345678, True)
    # summary: sent to others, change, fee, vsize, number of non-change outputs
    assert ps[3][1][:5] == (1500000, 12345678, 2310, 231, 2)
    assert ps[4][1][0] == 1500000 + 2310  # what leaves the wallet, fee included


def test_warnings_get_their_own_page_before_the_totals():
    ps = pages(make_review(["fee above 10% of amount sent"]))
    assert [fn for fn, _ in ps][3] == screens.sign_warnings
    assert ps[3][1][0] == ["fee above 10% of amount sent"]
    assert len(ps) == 6 and ps[-1][1][-2:] == (6, 6)


CANVAS = Canvas()  # one frame buffer, as on the card


def test_every_page_renders_in_the_card_heap():
    c = CANVAS
    for fn, args in pages(make_review(["self-transfer: every output is change"])):
        fn(c, *args)
        assert c.buf.count(b"\x00") > 10  # something black was drawn


def test_an_output_that_gives_its_coins_away_gets_a_danger_page_right_after_it():
    # An empty or OP_TRUE script is not just one more "Send to" page among the others.
    r = make_review()
    r.outputs.insert(1, OutputLine(1, "non-standard script (0 bytes)", 50000, False, ("anyone", "empty script")))
    r.outputs.append(OutputLine(4, "OP_RETURN data (0 bytes)", 7000, False, ("burn", "OP_RETURN")))
    ps = pages(r)
    fns = [fn for fn, _ in ps]
    assert fns == [screens.sign_output, screens.sign_output, screens.sign_danger, screens.sign_output,
                   screens.sign_output, screens.sign_output, screens.sign_danger, screens.sign_summary,
                   screens.sign_confirm]
    assert ps[1][1][-1] == "ANYONE CAN SPEND" and ps[5][1][-1] == "BURN"
    assert ps[2][1] == (2, True, "empty script", 50000, 3, 9)
    assert ps[6][1] == (5, False, "OP_RETURN", 7000, 7, 9)
    assert ps[-1][1][-2:] == (9, 9)
    for fn, args in ps:
        fn(CANVAS, *args)
