"""Injectable time, in whole Unix seconds, so tests can move a year forward."""
import time


class SystemClock:
    def now(self):
        return int(time.time())


class FakeClock:
    def __init__(self, start=1_800_000_000):
        self.t = int(start)

    def now(self):
        return self.t

    def advance(self, seconds=0, days=0):
        self.t += int(seconds + days * 86400)
        return self.t
