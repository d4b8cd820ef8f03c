# The few MicroPython time/asyncio calls the app uses, with CPython equivalents so the same
# flows run in host-side tests.
import asyncio

from .ticks import ticks_diff, ticks_ms  # noqa: F401  (re-exported for the app's flows)

if hasattr(asyncio, "sleep_ms"):
    sleep_ms = asyncio.sleep_ms
else:  # CPython

    async def sleep_ms(ms):
        await asyncio.sleep(ms / 1000)


_ZEROS = bytes(512)


def wipe(buf):
    """Zero a bytearray in place in 512-byte strides (a byte loop costs ~100x more on the card)."""
    if buf is None:
        return
    mv = memoryview(buf)
    n = len(buf)
    for off in range(0, n, 512):
        k = n - off if n - off < 512 else 512
        mv[off : off + k] = _ZEROS[:k]
