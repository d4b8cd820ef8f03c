# MicroPython's millisecond tick counter and blocking sleep, with CPython equivalents so the
# card's modules run in host-side tests. Tick counters wrap on the card: compare and advance
# them only with ticks_diff / ticks_add, never with < or plain arithmetic.
import time

if hasattr(time, "ticks_ms"):
    ticks_ms = time.ticks_ms
    ticks_diff = time.ticks_diff
    ticks_add = time.ticks_add
    sleep_ms = time.sleep_ms
else:  # CPython

    def ticks_ms():
        return int(time.monotonic() * 1000)

    def ticks_diff(a, b):
        return a - b

    def ticks_add(a, b):
        return a + b

    def sleep_ms(ms):
        time.sleep(ms / 1000)
