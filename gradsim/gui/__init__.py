"""The desktop app: the only package that imports Qt."""
from __future__ import annotations

import os
import signal
import socket
import sys

NO_DISPLAY = "gradsim: no display: set DISPLAY, or use `gradsim run` for the command line"


def has_display() -> bool:
    """Whether Qt can open a window here (on Linux without a platform chosen, X11 or Wayland is needed)."""
    if os.environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main() -> int:
    """Open the GradSim window and run until it is closed (File ▸ Quit, Ctrl+C, SIGTERM)."""
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    from .window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("GradSim")
    window = MainWindow()
    window.show()
    notifier = _close_on_signals(window)
    code = app.exec()
    del notifier
    # Destroy the window while Python still runs: left to PySide's clean-up at exit, a plot that was
    # exported (pyqtgraph's ImageExporter) calls back into Python mid-teardown and crashes (seen under X).
    import shiboken6
    shiboken6.delete(window)
    return code


def write_handout(lesson, path):
    """A lesson's handout from the command line (`gradsim handout`): Qt off screen, no window."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from .handout import write_handout as write

    _app = QApplication.instance() or QApplication(["gradsim"])  # must live while the figures are drawn
    return write(lesson, path)


def _close_on_signals(window):
    """Ctrl+C in the terminal and SIGTERM close the window as File ▸ Quit does.

    Python runs a signal handler only when it next gets control, which inside Qt's event loop may be
    never; so the signal also writes a byte to a socket that Qt watches, which wakes the loop.
    """
    from PySide6.QtCore import QSocketNotifier

    receiving, sending = socket.socketpair()
    for end in (receiving, sending):
        end.setblocking(False)
    signal.set_wakeup_fd(sending.fileno())
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: None)  # the work is done by the notifier below
    notifier = QSocketNotifier(receiving.fileno(), QSocketNotifier.Type.Read)

    def close():
        try:
            receiving.recv(64)
        except BlockingIOError:
            pass
        window.close()
    notifier.activated.connect(close)
    notifier.sockets = (receiving, sending)  # kept alive with the notifier
    return notifier


def __getattr__(name: str):
    if name == "MainWindow":  # imported lazily so that `import gradsim.gui` stays cheap
        from .window import MainWindow
        return MainWindow
    raise AttributeError(name)
