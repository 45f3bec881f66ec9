import gc
import multiprocessing
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # Qt tests never need a screen


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
