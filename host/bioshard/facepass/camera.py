"""Camera frames with OpenCV (optional: the CLI also takes images or a folder of frames).

Frames are kept in memory only and dropped after use; nothing is written to disk.
"""
import time

from ..errors import BadInputError


def capture(seconds=4.0, index=0, fps=8, prompt=None):
    """RGB frames for `seconds` at about `fps` from camera `index`. `prompt(text)` is called
    once the camera delivers frames, so the challenge is shown only when capture is live."""
    import cv2

    cam = cv2.VideoCapture(index)
    if not cam.isOpened():
        raise BadInputError("cannot open camera %d" % index)
    frames = []
    try:
        ok, f = cam.read()
        if not ok:
            raise BadInputError("camera %d gives no frames" % index)
        if prompt:
            prompt()
        end = time.monotonic() + seconds
        step = 1.0 / fps
        nxt = time.monotonic()
        while time.monotonic() < end:
            ok, f = cam.read()
            if not ok:
                break
            if time.monotonic() >= nxt:
                frames.append(f[:, :, ::-1].copy())
                nxt += step
    finally:
        cam.release()
    if len(frames) < 8:
        raise BadInputError("the camera delivered too few frames")
    return frames
