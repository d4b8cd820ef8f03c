# A machine.Pin stand-in for the card's tests: holds the level written, reads it back (an
# input such as the panel's BUSY line or the button is created at the level it reports).
# Small enough for the card's 100 KB heap.


class Pin:
    def __init__(self, level=0):
        self.level = level

    def value(self, v=None):
        if v is None:
            return self.level
        self.level = v
