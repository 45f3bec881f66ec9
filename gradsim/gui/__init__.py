"""The desktop app: the only package that imports Qt."""
from __future__ import annotations

import sys


def main() -> int:
    """Open the GradSim window and run until it is closed."""
    from PySide6.QtWidgets import QApplication

    from .window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("GradSim")
    window = MainWindow()
    window.show()
    return app.exec()


def __getattr__(name: str):
    if name == "MainWindow":  # imported lazily so that `import gradsim.gui` stays cheap
        from .window import MainWindow
        return MainWindow
    raise AttributeError(name)
