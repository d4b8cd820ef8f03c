# The user's two inputs on the card: the fingerprint sensor ("yes": touch, or present a
# finger) and the button ("no"). Every wait is bounded and yields to the event loop, so the
# BLE link stays alive while the card waits for a person.
import gc

from ..compat import sleep_ms, ticks_diff, ticks_ms, wipe
from ..drivers.zfm_codes import ZFMError, IMAGE_FAIL
from ..drivers.zfm_image import IMAGE_BYTES

FINGER = "finger"
BUTTON = "button"
TIMEOUT = "timeout"
POLL_MS = 60
CONFIRM_TIMEOUT_MS = 60000  # how long a yes/no question on the card waits for the owner


class FingerInput:
    def __init__(self, sensor, button, extract=None):
        self.sensor = sensor
        self.button = button
        self._extract = extract
        self._image = None  # one 36,864-byte buffer, reused for every capture

    def _pressed(self):
        return self.button is not None and self.button.value() == 0

    async def _wait(self, want_finger, timeout_ms):
        start = ticks_ms()
        while True:
            if self._pressed():
                while self._pressed():  # wait for release so one press is one "no"
                    await sleep_ms(POLL_MS)
                return BUTTON
            try:
                have = self.sensor.get_image()
            except ZFMError as e:
                if e.code != IMAGE_FAIL:
                    raise
                have = True  # finger there but smeared: it is "present", not imaged
                if want_finger:
                    have = None
            if have is not None and have == want_finger:
                return FINGER
            if ticks_diff(ticks_ms(), start) >= timeout_ms:
                return TIMEOUT
            await sleep_ms(POLL_MS)

    async def wait_finger(self, timeout_ms):
        """FINGER once a finger is imaged (its image is in the sensor's buffer), else BUTTON/TIMEOUT."""
        return await self._wait(True, timeout_ms)

    async def wait_lift(self, timeout_ms):
        return await self._wait(False, timeout_ms)

    async def tap(self, timeout_ms):
        """A touch and a lift: the card's "next" / "yes". Returns FINGER, BUTTON or TIMEOUT."""
        r = await self.wait_finger(timeout_ms)
        if r != FINGER:
            return r
        r = await self.wait_lift(timeout_ms)
        return FINGER if r == FINGER else r

    def read_minutiae(self):
        """Upload the captured image and extract minutiae; the image buffer is zeroed after."""
        if self._image is None:
            self._image = bytearray(IMAGE_BYTES)
        img = self._image
        try:
            self.sensor.upload_image(img)
            gc.collect()
            return self._extract(img)
        finally:
            wipe(img)
            gc.collect()
