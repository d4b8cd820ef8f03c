"""The simulated card's owner who reads the screen: answers each prompt the card shows, as a
person does, instead of following a fixed list of actions.

A fixed list breaks when the card asks for something the list did not foresee: a press the
vault does not open ("wrong finger, try again"), or an enrollment press that does not align
(the card asks for more presses). The owner answers from the screen the card reports on
gpio.sock (boards/sim.py `screen_shown`, docs/architecture.md):
- a review page of a signing request (each output, a danger page, warnings, the summary):
  a touch;
- an enrollment prompt for finger k of the sequence (enroll_place, enroll_again): the next
  impression of synthetic finger fingers[k-1];
- the signing confirmation (it asks for the sequence's first finger) and the prompt for
  finger k while signing or restoring (sign_finger): the next impression of fingers[k-1],
  so after "wrong finger" the same finger comes again, a new impression;
- anything else (yes/no questions, results, idle): nothing; queued actions answer those.
"""
from . import synthetic

REVIEW_PAGES = ("sign_output", "sign_danger", "sign_warnings", "sign_summary")
TAP_FINGER = 9  # a synthetic print nobody enrolls: a touch is not a capture


def asked_position(screen):
    """The 1-based position in the finger sequence the screen asks for, or None."""
    if not screen:
        return None
    name, args = screen[0], screen[1:]
    if name in ("enroll_place", "enroll_again", "sign_finger") and args:
        return args[0]
    if name == "sign_confirm":
        return 1
    return None


class Owner:
    def __init__(self, fingers, first=0, tap_finger=TAP_FINGER, review=True, card=None):
        """fingers: the synthetic finger numbers of the sequence, in order; first: the first
        impression each presents (an int, or {finger: impression}); review: touch through the
        review pages of a signing request."""
        self.fingers = list(fingers)
        self.next = {f: (first.get(f, 0) if isinstance(first, dict) else first) for f in self.fingers}
        self.tap_finger = tap_finger
        self.review = review
        self.card = card
        self.taps = 0
        self.presses = []  # (screen name, finger, impression) per finger presented

    def answer(self, screen):
        """("finger", image) for what the screen asks, or (None, None)."""
        if screen and self.review and screen[0] in REVIEW_PAGES:
            self.taps += 1
            return "finger", synthetic.impression(self.tap_finger, self.taps)
        k = asked_position(screen)
        if not isinstance(k, int) or not 1 <= k <= len(self.fingers):
            return None, None
        f = self.fingers[k - 1]
        i = self.next[f]
        self.next[f] = i + 1
        self.presses.append((screen[0], f, i))
        return "finger", synthetic.impression(f, i)

    def sequence(self):
        """The fingers presented, in order, repeats (retries, enrollment presses) collapsed."""
        out = []
        for _, f, _ in self.presses:
            if not out or out[-1] != f:
                out.append(f)
        return out

    def count(self, finger):
        return sum(1 for _, f, _ in self.presses if f == finger)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.card is not None:
            self.card.owner(None)
