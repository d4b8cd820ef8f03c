"""Reader for ISO/IEC 19794-2:2005 finger minutiae records ("FMR\\0 20\\0").

Used only on the host, to compare our extractor with the reference minutiae that sit beside
each image in ../shared/fingerprints. The records there carry a placeholder image size in the
header (300x400 whatever the image is), so callers must not rely on width/height.
"""
import struct
from dataclasses import dataclass


class ISORecordError(ValueError):
    pass


@dataclass(frozen=True)
class Minutia:
    x: int          # pixels from the left of the source image
    y: int          # pixels from the top
    angle: int      # 0..255, units of 360/256 degrees, counter-clockwise from the x axis (ISO)
    kind: int       # 1 = ridge ending, 2 = bifurcation, 0 = other
    quality: int    # 0..100 (0 = not reported)


@dataclass(frozen=True)
class FingerRecord:
    width: int
    height: int
    x_res: int      # pixels per cm
    y_res: int
    finger_position: int
    finger_quality: int
    minutiae: tuple


def parse(data: bytes) -> FingerRecord:
    if len(data) < 28 or data[:4] != b"FMR\0" or data[4:8] != b" 20\0":
        raise ISORecordError("not an ISO 19794-2:2005 record (bad magic/version)")
    (length,) = struct.unpack_from(">I", data, 8)
    if length > len(data):
        raise ISORecordError("record truncated: header says %d bytes, have %d" % (length, len(data)))
    _equip, w, h, xr, yr, nviews, _ = struct.unpack_from(">HHHHHBB", data, 12)
    if nviews < 1:
        raise ISORecordError("record has no finger view")
    pos, _view, fq, n = struct.unpack_from(">BBBB", data, 24)
    end = 28 + 6 * n
    if end > length:
        raise ISORecordError("record truncated inside the minutiae list")
    ms = []
    for i in range(n):
        a, b, ang, q = struct.unpack_from(">HHBB", data, 28 + 6 * i)
        ms.append(Minutia(x=a & 0x3FFF, y=b & 0x3FFF, angle=ang, kind=a >> 14, quality=q))
    return FingerRecord(w, h, xr, yr, pos, fq, tuple(ms))


def read(path) -> FingerRecord:
    with open(path, "rb") as f:
        return parse(f.read())
