# The ZFM sensor image as uploaded by UpImage: 256 x 288 pixels, row-major, 4 bits per
# pixel, two pixels per byte with the LEFT pixel in the HIGH nibble (as the sensor sends).
# It stays packed in one 36,864-byte bytearray on the card; these accessors let the bio
# pipeline read it without ever unpacking the whole image (that would cost 73,728 bytes).
try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

WIDTH = const(256)
HEIGHT = const(288)
ROW_BYTES = const(128)  # WIDTH // 2
IMAGE_BYTES = const(36864)  # WIDTH * HEIGHT // 2


def pixel(packed, x, y):
    """4-bit value (0 = black/ridge .. 15 = white) of pixel (x, y)."""
    b = packed[y * ROW_BYTES + (x >> 1)]
    return (b & 0x0F) if (x & 1) else (b >> 4)


def unpack_row(packed, y, out, scale=17):
    """Write row y as 8-bit pixels (nibble * scale; 17 maps 15 -> 255) into out[0:256]."""
    src = y * ROW_BYTES
    j = 0
    for i in range(src, src + ROW_BYTES):
        b = packed[i]
        out[j] = (b >> 4) * scale
        out[j + 1] = (b & 0x0F) * scale
        j += 2
    return out


def unpack_into(packed, out, scale=17):
    """Whole image as 8-bit pixels into out (bytearray(WIDTH * HEIGHT)); host/PSRAM use."""
    j = 0
    for i in range(IMAGE_BYTES):
        b = packed[i]
        out[j] = (b >> 4) * scale
        out[j + 1] = (b & 0x0F) * scale
        j += 2
    return out


_ZERO = bytes(256)


def wipe(buf):
    """Zero a biometric buffer in place (256-byte steps: `buf[:] = bytes(n)` would first
    allocate a second 36 KB block)."""
    mv = memoryview(buf)
    n = len(buf)
    for i in range(0, n - n % 256, 256):
        mv[i:i + 256] = _ZERO
    r = n % 256
    if r:
        mv[n - r:] = _ZERO[:r]
