"""Face pass: restore Secret A from the owner's (or an heir's) face plus the backup service.

The face alone is public (photos exist), so it never unwraps anything by itself: the wrapping
key also needs an OPRF output that the backup service releases only to the verified email
owner, rate-limited. See docs/facepass.md for the measured numbers and the security argument.
Heavy dependencies (dlib, OpenCV) are imported only by face.py / camera.py, on first use.
"""
