"""ui.review.pages with the real btc.review classes: pages follow the Review's outputs, change
flags, fee and warnings, and every page renders."""
from bioshard_card.btc.review import OutputLine, Review
from bioshard_card.ui import screens
from bioshard_card.ui.canvas import Canvas
from bioshard_card.ui.review import pages


def test_pages_from_a_real_review_object():
    outs = [OutputLine(0, "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", 70000, False),
            OutputLine(1, "bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7", 29000, True)]
    r = Review(None, None, outs, 100000, 99000, 1000, 154, ["fee above 10% of amount sent"], paths=[None])
    ps = pages(r)
    assert [fn for fn, _ in ps] == [screens.sign_output, screens.sign_output, screens.sign_warnings,
                                    screens.sign_summary, screens.sign_confirm]
    assert ps[1][1][2:5] == (outs[1].text, 29000, True)
    assert ps[3][1][:5] == (r.sent(), 29000, 1000, 154, 1)
    assert ps[4][1][0] == 71000
    c = Canvas()
    for fn, args in ps:
        fn(c, *args)


def test_a_marked_real_output_line_gets_its_danger_page():
    out = OutputLine(0, "non-standard script (1 bytes)", 5000, False)
    out.risk = ("anyone", "OP_TRUE")  # what btc.script_risk.mark_review sets
    r = Review(None, None, [out], 6000, 5000, 1000, 100, [], paths=[None])
    ps = pages(r)
    assert [fn for fn, _ in ps] == [screens.sign_output, screens.sign_danger, screens.sign_summary,
                                    screens.sign_confirm]
    assert ps[1][1] == (1, True, "OP_TRUE", 5000, 2, 4)
    c = Canvas()
    for fn, args in ps:
        fn(c, *args)
