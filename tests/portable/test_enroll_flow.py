# The guided enrollment flow (flows/enroll.py) with a scripted owner: coverage on every press,
# "shift the finger" when a press adds nothing, a press of another finger taken again, and the
# helper blob it returns reproduces Secret B from new presses.
import asyncio

from ptest import raises

from bioshard_card.bio import sequence
from bioshard_card.flows import enroll as flow
from bioshard_card.flows.fingers import FINGER
from bioshard_card.proto.rpc import RpcError
from test_fuzzy_synth import finger, impression


class Display:
    def __init__(self):
        self.shown = []

    async def show_async(self, screen, *args):
        self.shown.append((screen.__name__, args))


class Owner:
    """Presses the scripted minutiae lists one by one (each press: finger down, then lift)."""

    def __init__(self, presses):
        self.presses = list(presses)
        self.taken = 0

    async def wait_finger(self, timeout_ms):
        return FINGER

    async def wait_lift(self, timeout_ms):
        return FINGER

    def read_minutiae(self):
        self.taken += 1
        return self.presses.pop(0)


def _run(presses, fingers=(2,), n=4):
    d = Display()
    owner = Owner(presses)
    blob, secret_b = asyncio.run(flow.enroll(d, owner, list(fingers), n))
    return d, owner, blob, secret_b


def test_guided_presses_show_coverage_and_ask_to_shift():
    base = finger(500)
    same = impression(base, 1)
    presses = [same, list(same), impression(base, 2), impression(base, 3), impression(base, 4)]
    d, owner, blob, secret_b = _run(presses)
    lifts = [a for name, a in d.shown if name == "enroll_lift"]
    assert len(lifts) == 4 and owner.taken == 4  # a press that adds nothing still counts once
    # (finger, fingers, press, presses, coverage, ok, added)
    assert lifts[0][5] and lifts[0][6] > 20  # the first press adds all its minutiae
    assert lifts[1][5] and lifts[1][6] < flow.NEW_ENOUGH  # the identical press adds nothing ...
    shift = [a for name, a in d.shown if name == "enroll_again"]
    assert shift and "shift the finger" in shift[0][4]  # ... so the owner is asked to shift
    covers = [a[4] for a in lifts]
    assert covers == sorted(covers) and 0 < covers[-1] <= 100
    assert d.shown[-1][0] == "enroll_done"
    r = sequence.Reproduction(blob)
    assert r.offer(impression(base, 9)) and r.finish() == secret_b  # the enrolled Secret B back


def test_a_press_of_another_finger_is_taken_again():
    base = finger(501)
    presses = [impression(base, 1), impression(finger(777), 1), impression(base, 2), impression(base, 3),
               impression(base, 4)]
    d, owner, blob, _ = _run(presses)
    assert owner.taken == 5  # four good presses were needed; the stranger's press did not count
    lifts = [a for name, a in d.shown if name == "enroll_lift"]
    assert lifts[1][5] is False
    again = [a for name, a in d.shown if name == "enroll_again"]
    assert any("did not match" in a[4] for a in again)


def test_press_count_limits():
    for n in (3, 13):
        d = Display()
        raises(RpcError, asyncio.run, flow.enroll(d, Owner([]), [2], n))
