"""The app with its session in a child process, as users run it: closing, crashes, idling, signals."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QSlider

from gradsim.gui import MainWindow

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


@pytest.fixture
def window(qtbot):
    """The window as users run it: its session in a child process."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=20000)
    yield win
    win.close()


def child_cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_closing_mid_run_stops_the_session(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=20000)
    win.findChild(QSlider, "speedSlider").setValue(100)
    win.transport.playButton.click()
    qtbot.waitUntil(lambda: win.newest_step() > 10, timeout=20000)
    client = win.controller.client
    win.close()
    assert not client.process.is_alive() and not client.receiver.isRunning()


def test_a_killed_session_is_noticed_restarted_and_replayed(window, qtbot):
    window.findChild(QSlider, "speedSlider").setValue(100)
    window.transport.playButton.click()
    qtbot.waitUntil(lambda: window.newest_step() > 500, timeout=20000)
    window.transport.playButton.click()
    qtbot.waitUntil(lambda: not window.model.in_flight)  # the session said where it paused
    at = window.newest_step()
    before = window.histories[2].get("params")[:at + 1].copy()
    old = window.controller.client
    os.kill(old.process.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: window.controller.client is not old and window.ready and window.newest_step() == at,
                    timeout=20000)
    assert "stopped" in window.model.log[-1].text and f"step {at}" in window.model.log[-1].text
    assert (window.histories[2].get("params") == before).all()  # replayed to exactly where it was
    window.transport.playButton.click()
    qtbot.waitUntil(lambda: window.newest_step() > at + 100, timeout=20000)  # and it plays on


def test_a_session_killed_while_playing_is_restarted_says_so_and_plays_on(window, qtbot):
    window.findChild(QSlider, "speedSlider").setValue(100)
    window.transport.playButton.click()
    qtbot.waitUntil(lambda: window.newest_step() > 50, timeout=20000)
    old = window.controller.client
    os.kill(old.process.pid, signal.SIGKILL)
    at = window.newest_step()  # what the window had been told: the new session resumes from there
    before = window.histories[0].get("params")[:at + 1].copy()
    qtbot.waitUntil(lambda: window.controller.client is not old, timeout=20000)
    entry = next(e for e in reversed(window.model.log) if e.kind == "error")
    assert entry.text.startswith("the simulation stopped unexpectedly (its process ended, exit code -9); restarted it")
    assert entry.text.endswith("playing on")
    qtbot.waitUntil(lambda: window.model.playing and window.newest_step() > at + 50, timeout=30000)
    np.testing.assert_array_equal(window.histories[0].get("params")[:len(before)], before)
    assert not old.process.is_alive()


def test_a_wedged_session_is_noticed_ended_and_restarted(window, qtbot):
    """A session that stops answering while playing (here: stopped with SIGSTOP) is ended after
    SILENCE_SECONDS without a word, and a new one takes over."""
    window.findChild(QSlider, "speedSlider").setValue(100)
    window.transport.playButton.click()
    qtbot.waitUntil(lambda: window.newest_step() > 20, timeout=20000)
    old = window.controller.client
    os.kill(old.process.pid, signal.SIGSTOP)
    qtbot.waitUntil(lambda: window.controller.client is not old, timeout=20000)
    assert any(e.kind == "error" and e.text.startswith("the simulation stopped answering for 2 s; restarted it")
               for e in window.model.log)
    qtbot.waitUntil(lambda: not old.process.is_alive(), timeout=5000)  # ended, even though it was stopped
    at = window.newest_step()
    qtbot.waitUntil(lambda: window.newest_step() > at + 20, timeout=30000)


def test_a_session_silent_while_it_computes_a_long_step_is_not_taken_for_wedged(window, qtbot):
    """Newton's method needs a network's Hessian: on 30,000 points one takes several seconds, with no
    word from the session meanwhile. It computes (uses the processor), so it is left to finish."""
    from gradsim.app import protocol as p
    from gradsim.experiment import Experiment, RunConfig
    window.load_experiment(Experiment(dataset="moons", dataset_params={"n": 30_000},
                                      runs=[RunConfig("sgd", {"lr": 0.1})]).validate())
    qtbot.waitUntil(lambda: window.ready, timeout=30000)
    client, model = window.controller.client, window.model
    window.findChild(QSlider, "speedSlider").setValue(100)
    model.play(True)
    qtbot.waitUntil(lambda: window.newest_step() > 3, timeout=30000)
    row = model.row(0, window.newest_step())
    heard = []
    client.reply.connect(lambda reply: heard.append(reply) if isinstance(reply, p.Inspection) else None)
    client.send(p.Inspect(model.generation, 0, int(row["step"]), row["params"], full=True))
    qtbot.waitUntil(lambda: bool(heard), timeout=120000)
    assert window.controller.client is client and not [e for e in model.log if e.kind == "error"]
    assert heard[0].hessian is not None


def test_a_parent_that_dies_leaves_a_child_that_ends_quietly(tmp_path):
    """The window's process killed outright (SIGKILL: no shutdown sent): its session notices the
    pipe closed and ends, playing or idle, without a traceback (stderr is shared with the test)."""
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN)
    for mode in ("play", "idle"):
        process = subprocess.Popen([sys.executable, str(script), mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        child = int(process.stdout.readline())
        process.kill()
        out, err = process.communicate(timeout=60)  # the pipes close when the child has ended too
        assert err == "", err
        assert not os.path.exists(f"/proc/{child}") or "zombie" in open(f"/proc/{child}/status").read()


ORPHAN = """
import multiprocessing, sys, time
from gradsim.app import protocol as p
from gradsim.app.session import serve
from gradsim.experiment import Experiment
if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    window, child = context.Pipe()
    process = context.Process(target=serve, args=(child,), daemon=True)
    process.start()
    child.close()
    window.send(p.Configure(1, Experiment.default().to_json()))
    window.recv()
    if sys.argv[1] == "play":
        window.send(p.Play(1, True))
        window.recv()
    print(process.pid, flush=True)
    time.sleep(60)
"""


def test_the_app_idle_uses_under_one_percent_of_a_core(window, qtbot):
    child = window.controller.client.process.pid
    qtbot.wait(500)  # let the start-up settle
    cpu = time.process_time() + child_cpu_seconds(child)
    wall = time.perf_counter()
    qtbot.wait(5000)  # the measurement window: nothing plays
    used = (time.process_time() + child_cpu_seconds(child) - cpu) / (time.perf_counter() - wall)
    assert used < 0.01, f"idle app used {used:.1%} of a core"


def test_engine_work_comes_from_the_session_not_the_gui_thread(window, qtbot, monkeypatch):
    """The Hessian, a loss slice, a boundary, a contour field and where run-until stops: all computed
    in the child process. Here they are made to fail if this process ever calls them."""
    from PySide6.QtGui import QAction
    from gradsim.app import runs
    from gradsim.core.network import NetworkProblem
    from gradsim.core.surfaces import Surface
    from gradsim.lessons import load_lessons

    def forbidden(*args, **kwargs):
        raise AssertionError("engine work on the GUI thread")
    for owner, name in ((Surface, "hessian"), (Surface, "grid"), (NetworkProblem, "hessian"),
                        (NetworkProblem, "loss_slice"), (NetworkProblem, "output_grid"), (runs, "steps_until")):
        monkeypatch.setattr(owner, name, forbidden)
    combo = window.problem_controls.problemCombo
    combo.setCurrentIndex(combo.findData("quadratic"))
    qtbot.waitUntil(lambda: window.ready and window.model.field is not None, timeout=20000)
    window.transport.stepButton.click()
    qtbot.waitUntil(lambda: window.model.inspection is not None, timeout=20000)  # the Hessian
    from gradsim.experiment import Experiment, RunConfig
    window.load_experiment(Experiment(dataset="xor", model={"hidden": [3]},
                                      runs=[RunConfig("newton", {"lr": 1.0})]).validate())
    window.findChild(QAction, "equationAction").trigger()
    qtbot.waitUntil(lambda: window.ready, timeout=20000)
    window.transport.stepButton.click()
    qtbot.waitUntil(lambda: window.model.inspection is not None and window.model.inspection.hessian is not None,
                    timeout=20000)
    qtbot.waitUntil(lambda: window.model.boundary is not None, timeout=20000)
    window.problem_controls.lossSliceButton.click()
    qtbot.waitUntil(lambda: window.model.slice is not None, timeout=20000)
    momentum = next(item for item in load_lessons() if item.path.stem == "05_momentum")
    window.start_lesson(momentum)
    window.lesson_player.go_to(2)  # step 3 stops where its condition holds (run_until)
    qtbot.waitUntil(lambda: window.model.status == "finished", timeout=60000)
    assert window.newest_step() < 5000


APP = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from gradsim.gui import main
if __name__ == "__main__":
    app = QApplication(sys.argv)
    QTimer.singleShot(1500, lambda: open(sys.argv[1], "w").close())  # the window is up and its runs built
    sys.exit(main())
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_close_the_app_cleanly(tmp_path, sig):
    script = tmp_path / "app.py"
    script.write_text(APP)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen([sys.executable, str(script), str(tmp_path / "ready")], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (tmp_path / "ready").exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert (tmp_path / "ready").exists(), process.communicate()[1]
    process.send_signal(sig)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_without_a_display_one_clear_line_and_exit_1():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "gradsim"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == "gradsim: no display: set DISPLAY, or use `gradsim run` for the command line"


def test_commands_never_block_the_window_while_the_session_is_busy(window, qtbot):
    """A stopped child reads nothing: hundreds of resets must still return at once (they queue, and
    a newer reset makes the older ones moot), and the app catches up when the child goes on."""
    from gradsim.app import protocol as p
    client = window.controller.client
    child = client.process.pid
    os.kill(child, signal.SIGSTOP)
    try:
        document = window.experiment.to_json()
        for generation in range(1000, 1500):  # far more than a pipe's buffer holds
            client.send(p.Configure(generation, document))
            client.send(p.Play(generation, True))
        window.model.reset()
        queued = len(client._queue)
    finally:
        os.kill(child, signal.SIGCONT)
    assert queued <= 3, f"{queued} commands waiting: the newest reset should have made the others moot"
    generation = window.model.generation
    qtbot.waitUntil(lambda: window.ready and window.model.info is not None, timeout=20000)
    assert window.model.generation == generation and window.controller.client.process.pid == child


def test_a_session_that_stops_reading_commands_is_ended_and_restarted(window, qtbot, monkeypatch):
    """Commands that cannot be coalesced (single steps) pile up while a stopped session reads none:
    past MAX_QUEUED waiting the window treats it as wedged. The sends themselves never block."""
    from gradsim.app import protocol as p
    from gradsim.gui import session_client
    monkeypatch.setattr(session_client, "MAX_QUEUED", 200)
    old = window.controller.client
    os.kill(old.process.pid, signal.SIGSTOP)
    for _ in range(5000):  # the pipe's buffer takes the first thousand or so; the rest wait in the queue
        old.send(p.StepOnce(window.model.generation))
    qtbot.waitUntil(lambda: window.controller.client is not old, timeout=20000)
    assert any(e.kind == "error" and e.text.startswith("the simulation stopped reading commands (200 waiting); "
                                                       "restarted it") for e in window.model.log)
    qtbot.waitUntil(lambda: not old.process.is_alive() and window.ready, timeout=20000)


def test_ctrl_c_while_the_session_starts_does_not_end_it(qtbot, capfd):
    """A Ctrl+C in the terminal goes to the whole process group: the child, still importing, must
    ignore it (it is the window's to handle) rather than die with a KeyboardInterrupt traceback."""
    from gradsim.app import protocol as p
    from gradsim.experiment import Experiment
    from gradsim.gui.session_client import ProcessSession
    client = ProcessSession()
    try:
        replies = []
        client.reply.connect(replies.append)
        for _ in range(5):  # through its first half second: it is importing NumPy and the engine
            os.kill(client.process.pid, signal.SIGINT)
            qtbot.wait(100)
        client.send(p.Configure(1, Experiment.default().to_json()))
        qtbot.waitUntil(lambda: any(isinstance(r, p.Configured) for r in replies), timeout=30000)
        assert client.process.is_alive()
    finally:
        client.shutdown()
    assert "Traceback" not in capfd.readouterr().err
