"""A typed formula compiled off the GUI thread, so the window answers while sympy works.

Compiling is bounded (gradsim.core.expressions: size and depth limits, constants valued in floats,
a time limit of about a second), and the result, a surface or a refusal, is remembered by the
engine. The checker compiles in a short-lived thread, then hands the text back on the GUI thread,
where applying it to the model finds it already compiled and costs nothing. Only the newest text
counts: an older one finishing late is dropped.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from ..core.surfaces import get_surface


class FormulaCheck(QObject):
    compiled = Signal(str)  # the text, compiled or refused (queued to the GUI thread)
    _done = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._wanted: str | None = None
        self._thread: threading.Thread | None = None
        self._done.connect(self._finished)

    @property
    def busy(self) -> bool:
        return self._wanted is not None

    def check(self, text: str) -> None:
        """Compile `text` in the background; `compiled` is emitted with it when done."""
        self._wanted = text
        self._thread = threading.Thread(target=self._compile, args=(text,), daemon=True, name="gradsim-formula")
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the thread (tests and closing)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _compile(self, text: str) -> None:
        try:
            get_surface("custom", {"expr": text})
        except ValueError:
            pass  # remembered by the engine: the model's own check gives the reason
        finally:
            try:
                self._done.emit(text)
            except RuntimeError:  # the window closed while sympy worked
                pass

    def _finished(self, text: str) -> None:
        if text == self._wanted:
            self._wanted = None
            self.compiled.emit(text)
