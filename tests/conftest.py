import gc
import multiprocessing
import os
import pathlib

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # Qt tests never need a screen
if os.environ["QT_QPA_PLATFORM"] == "offscreen":
    # three virtual screens: a 1280×800 laptop, a 1024×768 projector and a 1920×1080 screen
    SCREENS = pathlib.Path(__file__).with_name("screens.json")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS}"


@pytest.fixture
def no_leftover_threads():
    """Fails a test that leaves a QThread running or a child process alive."""
    yield
    from PySide6.QtCore import QThread
    running = [o for o in gc.get_objects() if isinstance(o, QThread) and o.isRunning()
               and o is not QThread.currentThread()]
    assert not running, f"threads still running: {running}"
    alive = [p for p in multiprocessing.active_children()]
    assert not alive, f"child processes still alive: {alive}"


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A message box would wait for a click that never comes: fail with its text instead."""
    try:
        from PySide6.QtWidgets import QMessageBox
    except ImportError:
        return

    def refuse(*args, **kwargs):
        raise AssertionError(f"a dialog opened: {args[2] if len(args) > 2 else args}")
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, refuse)


@pytest.fixture
def window(qtbot):
    """The app's window, ready, with its runs stepped in this process (no child process to start)."""
    from gradsim.gui import MainWindow
    win = MainWindow(session="local")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=20000)
    yield win
    win.close()
