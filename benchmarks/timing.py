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
