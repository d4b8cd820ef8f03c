# heapsize: 100k
# The SSD1680 driver under the card's interpreter, against a recording fake bus: the command
# stream the datasheet requires, frames sent as whole-buffer writes, BUSY handled with a timeout.
import hashlib

from ptest import raises

from bioshard_card.drivers.ssd1680 import SSD1680, PanelTimeout


class Pin:
    def __init__(self, level=0):
        self.level = level
        self.log = None

    def value(self, v=None):
        if v is None:
            return self.level
        self.level = 1 if v else 0
        if self.log is not None:
            self.log.append(("pin", self.level))


# Frames are allocated once, while the heap is still in one piece (the card's is 100 KB).
FRAME_WHITE = b"\xff" * 4000
FRAME_BLACK = b"\x00" * 4000
FRAME_RAMP = bytes(range(250)) * 16


def digest(frame):
    return b"#" + hashlib.sha256(frame).digest()


class SPI:
    """Records (dc, bytes) for every write while CS is low; frames (long writes) are kept as
    digest(frame) so the log fits the card-sized heap."""

    def __init__(self, cs, dc):
        self.cs, self.dc = cs, dc
        self.log = []

    def write(self, buf):
        assert self.cs.level == 0, "SPI write with CS high"
        self.log.append((self.dc.level, digest(buf) if len(buf) > 64 else bytes(buf)))


def make(busy_level=0, timeout=10000):
    cs, dc, rst, busy = Pin(1), Pin(1), Pin(1), Pin(busy_level)
    spi = SPI(cs, dc)
    panel = SSD1680(spi, cs, dc, rst, busy, busy_timeout_ms=timeout)
    rst.log = []
    return panel, spi, rst


def commands(log):
    """[(command, parameter bytes), ...] from the recorded transfers."""
    out = []
    for dc, b in log:
        if dc == 0:
            for c in b:
                out.append([c, b""])
        else:
            out[-1][1] += b
    return [(c, p) for c, p in out]


def test_init_sequence_matches_the_datasheet_order():
    panel, spi, rst = make()
    panel.init()
    assert [lvl for _, lvl in rst.log] == [1, 0, 1]  # hardware reset pulse first
    cmds = commands(spi.log)
    assert cmds[0] == (0x12, b"")  # software reset before any register
    expect = [
        (0x01, bytes([249, 0, 0])),  # 250 gates
        (0x11, b"\x03"),  # X then Y increment
        (0x44, bytes([0, 15])),  # 16 bytes = 128 bits >= 122 px
        (0x45, bytes([0, 0, 249, 0])),
        (0x3C, b"\x05"),
        (0x21, b"\x00\x80"),
        (0x18, b"\x80"),
        (0x4E, b"\x00"),
        (0x4F, b"\x00\x00"),
    ]
    assert cmds[1:] == expect


def test_full_refresh_writes_both_rams_in_one_transfer_each():
    panel, spi, _ = make()
    frame = FRAME_RAMP
    panel.show(frame)
    cmds = commands(spi.log)
    names = [c for c, _ in cmds]
    i = names.index(0x24)
    assert cmds[i][1] == digest(frame) and cmds[names.index(0x26)][1] == digest(frame)
    assert names[-2:] == [0x22, 0x20] and cmds[-2][1] == b"\xf7"
    big = [b for dc, b in spi.log if b[:1] == b"#"]
    assert len(big) == 2  # the frame goes in one transfer per RAM, never byte by byte


def test_partial_refresh_after_a_full_one_and_base_kept_in_sync():
    panel, spi, _ = make()
    a = FRAME_WHITE
    b = FRAME_BLACK
    panel.show(a)
    n = len(spi.log)
    panel.show(b, full=False)
    cmds = commands(spi.log[n:])
    names = [c for c, _ in cmds]
    assert (0x22, b"\xff") in cmds  # display mode 2
    act = names.index(0x20)
    assert 0x24 in names[:act] and 0x26 not in names[:act]  # new image only before refresh
    assert cmds[names.index(0x26)][1] == digest(b)  # then the base catches up with the glass
    panel.sleep()
    n = len(spi.log)
    panel.show(a, full=False)  # after deep sleep a partial refresh is impossible: full
    cmds = commands(spi.log[n:])
    assert cmds[0] == (0x12, b"") and (0x22, b"\xf7") in cmds


def test_deep_sleep_command():
    panel, spi, _ = make()
    panel.init()
    panel.sleep()
    assert commands(spi.log)[-1] == (0x10, b"\x01")


def test_busy_stuck_high_times_out_instead_of_hanging():
    panel, _, _ = make(busy_level=1, timeout=30)
    raises(PanelTimeout, panel.init)


def test_wrong_frame_size_is_refused():
    panel, _, _ = make()
    raises(ValueError, panel.show, FRAME_WHITE[:100])



def test_partial_refresh_can_be_turned_off_or_use_another_sequence():
    for seq, expect in ((None, b"\xf7"), (0xFC, b"\xfc")):
        cs, dc, rst, busy = Pin(1), Pin(1), Pin(1), Pin(0)
        spi = SPI(cs, dc)
        panel = SSD1680(spi, cs, dc, rst, busy, partial_seq=seq)
        panel.show(FRAME_WHITE)
        spi.log = []
        panel.show(FRAME_BLACK, full=False)
        assert [p for c, p in commands(spi.log) if c == 0x22] == [expect]
