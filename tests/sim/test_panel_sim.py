"""SSD1680 simulator: driver bytes -> simulator -> PNG equals the frame buffer, pixel for pixel;
the RAM address state machine against hand-worked datasheet examples; the socket transport."""
import asyncio
import socket
import threading

import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image

from bioshard.sim.panel import PanelServer, ProtocolError, SSD1680Sim, direct_bus, record
from bioshard_card.drivers.ssd1680 import SSD1680
from bioshard_card.ui.canvas import BLACK, HEIGHT, WIDTH, WHITE, Canvas


class RecordingBus:
    """A fake SPI + pins that records (dc, bytes) per transfer, independent of the simulator."""

    class Pin:
        def __init__(self, bus, name, level=1):
            self.bus, self.name, self.level = bus, name, level

        def value(self, v=None):
            if v is None:
                return self.level
            v = 1 if v else 0
            if self.name == "rst" and v != self.level:
                self.bus.stream += b"R" + bytes([v])
            self.level = v

    def __init__(self):
        self.stream = bytearray()
        self.transfers = []
        self.cs = self.Pin(self, "cs")
        self.dc = self.Pin(self, "dc")
        self.rst = self.Pin(self, "rst")
        self.busy = self.Pin(self, "busy", 0)

    def write(self, buf):
        assert self.cs.level == 0
        self.transfers.append((self.dc.level, bytes(buf)))
        self.stream += record(self.dc.level, buf)

    def pins(self):
        return self, self.cs, self.dc, self.rst, self.busy


def landscape_bits(canvas):
    return [[canvas.get(x, y) for x in range(WIDTH)] for y in range(HEIGHT)]


def image_bits(img):
    px = img.load()
    return [[1 if px[x, y] else 0 for x in range(img.width)] for y in range(img.height)]


def draw_ops(canvas, ops):
    canvas.fill(WHITE)
    for kind, x, y, w, h in ops:
        if kind == 0:
            canvas.pixel(x, y, BLACK)
        elif kind == 1:
            canvas.fill_rect(x, y, w, h, BLACK)
        else:
            canvas.rect(x, y, w, h, BLACK)


ops_strategy = st.lists(
    st.tuples(st.integers(0, 2), st.integers(-10, 260), st.integers(-10, 130), st.integers(0, 80), st.integers(0, 40)),
    max_size=12,
)


@settings(max_examples=25, deadline=None)
@given(ops=ops_strategy, rotation=st.sampled_from([90, 270]))
def test_driver_bytes_through_simulator_equal_the_framebuffer(ops, rotation):
    bus = RecordingBus()
    panel = SSD1680(*bus.pins())
    canvas = Canvas(rotation=rotation)
    draw_ops(canvas, ops)
    panel.show(canvas.buf)
    sim = SSD1680Sim(rotation=rotation)
    sim.feed(bytes(bus.stream))
    assert sim.frames == 1 and sim.refreshes == ["full"]
    img = sim.render()
    assert img.size == (WIDTH, HEIGHT)
    assert image_bits(img) == landscape_bits(canvas)


def test_simulator_renders_partial_refresh_and_keeps_base(tmp_path):
    sim = SSD1680Sim(out_dir=str(tmp_path))
    panel = SSD1680(*direct_bus(sim))
    a, b = Canvas(), Canvas()
    a.fill(WHITE)
    b.fill(WHITE)
    b.fill_rect(100, 40, 50, 30, BLACK)
    panel.show(a.buf)
    panel.show(b.buf, full=False)
    assert sim.refreshes == ["full", "partial"]
    assert image_bits(sim.render()) == landscape_bits(b)
    assert sim.portrait_bytes(sim.red) == sim.portrait_bytes(sim.bw)  # base synced after partial
    for name in ("0001.png", "0002.png", "0001.pbm", "0002.pbm", "latest.png"):
        assert (tmp_path / name).exists(), name
    latest = Image.open(tmp_path / "latest.png")
    assert image_bits(latest) == landscape_bits(b)
    assert image_bits(Image.open(tmp_path / "0002.pbm")) == landscape_bits(b)


def test_deep_sleep_ignores_traffic_until_a_reset_pulse():
    sim = SSD1680Sim()
    panel = SSD1680(*direct_bus(sim))
    c = Canvas()
    c.fill(WHITE)
    panel.show(c.buf)
    panel.sleep()
    assert sim.asleep
    sim.feed(record(0, b"\x24") + record(1, b"\x00" * 4000) + record(0, b"\x20"))
    assert sim.ignored == 4002 and sim.frames == 1
    c.fill(BLACK)
    panel.show(c.buf)  # the driver wakes the chip with a reset pulse first
    assert sim.frames == 2 and not sim.asleep
    assert image_bits(sim.render()) == landscape_bits(c)


def _positions(entry, window, start, n):
    """Feed n distinct bytes with the given data entry mode; return RAM (x, y) of each."""
    sim = SSD1680Sim()
    (xs, xe), (ys, ye) = window
    stream = record(0, b"\x11") + record(1, bytes([entry]))
    stream += record(0, b"\x44") + record(1, bytes([xs, xe]))
    stream += record(0, b"\x45") + record(1, bytes([ys & 0xFF, ys >> 8, ye & 0xFF, ye >> 8]))
    stream += record(0, b"\x4e") + record(1, bytes([start[0]]))
    stream += record(0, b"\x4f") + record(1, bytes([start[1] & 0xFF, start[1] >> 8]))
    stream += record(0, b"\x24") + record(1, bytes(range(1, n + 1)))
    sim.feed(stream)
    _positions.counter_after = (sim.x, sim.y)
    where = {}
    for i, v in enumerate(sim.bw):
        if v != 0xFF:
            where[v] = (i % 22, i // 22)
    return [where[k] for k in range(1, n + 1)]


def test_ram_address_counters_follow_the_data_entry_mode():
    # Hand-worked from the SSD1680 datasheet (command 0x11, AM/ID bits), window x 2..3, y 10..12.
    win = ((2, 3), (10, 12))
    assert _positions(0x03, win, (2, 10), 6) == [(2, 10), (3, 10), (2, 11), (3, 11), (2, 12), (3, 12)]
    assert _positions.counter_after == (2, 10)  # the whole window wraps to its start
    assert _positions(0x07, win, (2, 10), 6) == [(2, 10), (2, 11), (2, 12), (3, 10), (3, 11), (3, 12)]
    assert _positions(0x00, ((3, 2), (12, 10)), (3, 12), 4) == [(3, 12), (2, 12), (3, 11), (2, 11)]
    assert _positions(0x01, win, (2, 12), 4) == [(2, 12), (3, 12), (2, 11), (3, 11)]


def test_stream_split_anywhere_gives_the_same_image():
    bus = RecordingBus()
    panel = SSD1680(*bus.pins())
    c = Canvas()
    draw_ops(c, [(1, 5, 5, 100, 50), (2, 120, 60, 100, 50)])
    panel.show(c.buf)
    whole = SSD1680Sim()
    whole.feed(bytes(bus.stream))
    pieces = SSD1680Sim()
    data = bytes(bus.stream)
    for i in range(0, len(data), 7):
        pieces.feed(data[i : i + 7])
    assert pieces.portrait_bytes() == whole.portrait_bytes()
    assert image_bits(pieces.render()) == landscape_bits(c)


def test_garbage_is_a_protocol_error():
    with pytest.raises(ProtocolError):
        SSD1680Sim().feed(b"X\x00")
    with pytest.raises(ProtocolError):
        SSD1680Sim().feed(b"S\x07\x00\x01\x00")


def test_callback_hook_gets_every_render():
    sim = SSD1680Sim()
    seen = []
    sim.on_render(lambda img, info: seen.append((img.size, info["index"], info["mode"])))
    panel = SSD1680(*direct_bus(sim))
    c = Canvas()
    c.fill(WHITE)
    panel.show(c.buf)
    asyncio.run(panel.show_async(c.buf, full=False))
    assert seen == [((250, 122), 1, "full"), ((250, 122), 2, "partial")]


def test_socketpair_transport():
    """The panel.sock record stream over a real socket: card side writes, simulator thread reads."""
    card_end, sim_end = socket.socketpair()
    sim = SSD1680Sim()
    t = threading.Thread(target=sim.serve_connection, args=(sim_end,))
    t.start()
    bus = RecordingBus()
    panel = SSD1680(*bus.pins())
    c = Canvas()
    draw_ops(c, [(1, 0, 0, 125, 61), (0, 249, 121, 0, 0)])
    panel.show(c.buf)
    card_end.sendall(bytes(bus.stream))
    card_end.close()
    t.join(timeout=10)
    sim_end.close()
    assert not t.is_alive() and sim.frames == 1
    assert image_bits(sim.last_image) == landscape_bits(c)


def test_panel_server_on_a_unix_socket(tmp_path):
    sim = SSD1680Sim(out_dir=str(tmp_path / "out"))
    done = threading.Event()
    sim.on_render(lambda img, info: done.set())
    server = PanelServer(sim, str(tmp_path / "panel.sock")).start()
    try:
        bus = RecordingBus()
        panel = SSD1680(*bus.pins())
        c = Canvas()
        draw_ops(c, [(2, 10, 10, 230, 100)])
        panel.show(c.buf)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(tmp_path / "panel.sock"))
            s.sendall(bytes(bus.stream))
        assert done.wait(10)
    finally:
        server.stop()
    assert image_bits(Image.open(tmp_path / "out" / "latest.png")) == landscape_bits(c)


def test_display_from_board_contract_to_simulator_image():
    """The app's path: a board module (contract of docs/architecture.md) -> Display -> sim."""
    import types

    from bioshard_card.ui import screens
    from bioshard_card.ui.display import Display
    from conftest import REPO

    sim = SSD1680Sim()
    board = types.SimpleNamespace(panel_bus=lambda: direct_bus(sim), PANEL_WIDTH=122, PANEL_HEIGHT=250)
    d = Display.from_board(board)
    d.show(screens.pairing, "042917")
    gold = Image.open(REPO / "tests" / "golden" / "pairing.png").convert("1")
    assert image_bits(sim.last_image) == image_bits(gold)
    assert sim.refreshes == ["full"]


@settings(max_examples=60, deadline=None)
@given(entry=st.integers(0, 7), x=st.tuples(st.integers(0, 21), st.integers(0, 21)),
       y=st.tuples(st.integers(0, 295), st.integers(0, 295)), n=st.integers(1, 60))
def test_ram_counters_match_nested_loop_model(entry, x, y, n):
    """Counter stepping (simulator) against the window scanned by nested loops (model): the fast
    axis is X unless AM (bit 2) is set, each axis runs up or down per ID0/ID1."""
    xlo, xhi = sorted(x)
    ylo, yhi = sorted(y)
    xs = list(range(xlo, xhi + 1)) if entry & 1 else list(range(xhi, xlo - 1, -1))
    ys = list(range(ylo, yhi + 1)) if entry & 2 else list(range(yhi, ylo - 1, -1))
    order = [(a, b) for b in ys for a in xs] if not entry & 4 else [(a, b) for a in xs for b in ys]
    n = min(n, len(order), 250)
    got = _positions(entry, ((xs[0], xs[-1]), (ys[0], ys[-1])), order[0], n)
    assert got == order[:n]
