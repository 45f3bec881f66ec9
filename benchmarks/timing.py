"""Timing shared by the benchmarks."""
from __future__ import annotations

import gc


def best_of(repeats: int, once) -> float:
    """The fastest of `repeats` calls of once() -> seconds, with the garbage collector paused
    while timing (as timeit does), for every library alike."""
    gc.collect()
    gc.disable()
    try:
        return min(once() for _ in range(repeats))
    finally:
        gc.enable()


def run_until(condition, seconds: float) -> None:
    """Run the Qt event loop until condition() holds (checked every 20 ms) or `seconds` pass."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    check = QTimer()
    check.timeout.connect(lambda: loop.quit() if condition() else None)
    check.start(20)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
