"""`bioshard sim` as a process (issue #10 items 14 and 15): any stop signal stops the card it
runs, a card that died reads as a transport error (9) and its stale socket is cleaned, actions
come from a pipe as well as a terminal, and a touch typed before the screen that asks for it
does not confirm that screen."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bioshard import cli, pairing
from bioshard.card import connect
from bioshard.commands.sim import Console
from bioshard.errors import CardRefusedError, TransportError
from bioshard.sim.runner import SimCard

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for the card process")]

BIN = Path(sys.executable).parent / "bioshard"


def _start_sim(state, tmp_path):
    env = dict(os.environ, HOME=str(tmp_path / "userhome"))
    proc = subprocess.Popen([str(BIN), "sim", "--state", str(state), "--seconds", "300"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    line = proc.stdout.readline().decode()
    assert "simulated card running" in line, line + proc.stderr.read().decode()
    for _ in range(2):
        proc.stdout.readline()
    return proc


def _children(pid):
    kids = []
    for task in Path("/proc/%d/task" % pid).iterdir():
        kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def _card_pid(proc):
    kids = [k for k in _children(proc.pid) if "micropython" in Path("/proc/%d/cmdline" % k).read_bytes().decode()]
    assert len(kids) == 1
    return kids[0]


def _gone(pid):
    """No such process, or a zombie nobody reaped yet: it runs no more."""
    try:
        status = Path("/proc/%d/status" % pid).read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return "\nState:\tZ" in status


def _wait_gone(pid, limit=30.0):
    end = time.monotonic() + limit
    while time.monotonic() < end and not _gone(pid):
        time.sleep(0.1)
    return _gone(pid)


def test_help_documents_pipes_touches_and_finger_numbers(capsys):
    with pytest.raises(SystemExit):
        cli.main(["sim", "--help"])
    text = capsys.readouterr().out
    assert "Finger numbers" in text and "piped" in text and "dropped" in text and "SIGTERM" in text


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_stop_signal_stops_the_card_and_removes_its_socket(tmp_path, signame):
    state = tmp_path / "card"
    proc = _start_sim(state, tmp_path)
    card = _card_pid(proc)
    assert (state / "ble.sock").is_symlink()
    proc.send_signal(getattr(signal, signame))
    rc = proc.wait(60)
    assert rc == 128 + getattr(signal, signame)
    assert _wait_gone(card)  # before: the card kept running, listed as listening
    assert not (state / "ble.sock").exists() and not (state / "ble.sock").is_symlink()
    assert "Traceback" not in proc.stderr.read().decode()


def test_a_killed_simulator_takes_its_card_along_and_the_dead_card_is_a_transport_error(tmp_path, capsys):
    state = tmp_path / "card"
    proc = _start_sim(state, tmp_path)
    card = _card_pid(proc)
    live = os.readlink(state / "ble.sock")
    proc.kill()  # SIGKILL: no handler runs
    proc.wait(30)
    assert _wait_gone(card)
    # The socket file is left behind: connecting to it is a transport fault (9), not "internal error" (5).
    assert cli.main(["pair", "--card", "sim:" + live, "--code", "000000"]) == TransportError.exit_code
    assert "not running" in capsys.readouterr().err
    # `bioshard devices` cleans the stale entries instead of listing them
    assert cli.main(["devices", "--sim-dir", str(state)]) == 0
    assert "removed a stale socket" in capsys.readouterr().out
    assert not (state / "ble.sock").is_symlink()


def test_actions_piped_into_the_simulator_reach_the_card(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path / "home"))
    state = tmp_path / "card"
    proc = _start_sim(state, tmp_path)  # stdin is a pipe, not a terminal
    try:
        with connect("sim:%s" % (state / "ble.sock"), secure=False) as card:
            done = threading.Event()

            def owner_types_touch():
                # The owner touches when the card asks; a touch typed before that screen is
                # dropped, so (like a person whose touch went unseen) they touch again.
                def keep_touching():
                    while not done.is_set():
                        proc.stdin.write(b"t\n")
                        proc.stdin.flush()
                        done.wait(0.5)

                threading.Thread(target=keep_touching, daemon=True).start()
                return True

            try:
                record = pairing.pair_card(card.client, owner_types_touch)
            finally:
                done.set()
            assert record.card_id_pub == card.info()["card_id"] and card.info()["paired"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert "touch queued" in proc.stdout.read().decode()


def test_a_touch_typed_before_the_screen_that_asks_for_it_is_dropped(tmp_path, monkeypatch):
    monkeypatch.setenv("BIOSHARD_HOME", str(tmp_path / "home"))
    said = []
    with SimCard(state_dir=tmp_path / "card", screens_dir=tmp_path / "screens") as sim:
        console = Console(sim, out=said.append)
        console.handle("t")  # typed while the card shows its idle screen: nothing asks for a touch
        with connect("sim:" + sim.ble_path, secure=False) as card:
            def owner_presses_no():
                console.handle("b")  # the owner sees the code screen and presses the button
                return True

            # Before: the early touch confirmed the pairing the owner was about to refuse.
            with pytest.raises(CardRefusedError, match="rejected on the card"):
                pairing.pair_card(card.client, owner_presses_no)
            assert card.info()["paired"] is False
    assert any("touch dropped" in s for s in said)
    assert "dropped" in sim.person.events
