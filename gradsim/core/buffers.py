"""Large result arrays (an ensemble's trace) in ordinary memory pages, reused once let go.

Writing fresh memory is what a full trace of thousands of runs mostly costs on a virtual machine
that hands freed memory back to its host (free page reporting, as on the machines this project is
measured on): every page must be fetched from the host again before it is written. NumPy asks for
transparent huge pages for arrays of 4 MB or more, and those came back slowest: writing 384 MB of
fresh arrays cost 0.6–1.5 CPU seconds in huge pages against a steady 0.17 s in ordinary 4 KB pages,
and 0.03 s in pages this process still holds (measured on a 2-core Firecracker VM, NumPy 2.4).

So large arrays are anonymous private mappings (ordinary pages, zero until written), and a mapping
whose arrays have all been dropped is kept for the next array of the same size, up to
`IDLE_LIMIT` bytes of them (the least recently used beyond that are unmapped); `release()`
unmaps them all. Small arrays, and platforms without such mappings, get plain NumPy arrays.
"""
from __future__ import annotations

import math
import mmap
import sys
import threading

import numpy as np

LARGE = 4 << 20  # bytes: NumPy's threshold for asking for huge pages
IDLE_LIMIT = 512 << 20  # bytes of let-go mappings kept for reuse

_mappings: list[mmap.mmap] = []  # every mapping handed out and not yet unmapped, least recently used first
_lock = threading.Lock()
_POOLED = hasattr(mmap, "MAP_PRIVATE") and hasattr(sys, "getrefcount")


def zeros(shape) -> np.ndarray:
    """A float64 array of zeros."""
    return _array(shape, zero=True)


def empty(shape) -> np.ndarray:
    """A float64 array whose values are not set: every element must be written before it is read."""
    return _array(shape, zero=False)


def release() -> None:
    """Unmap every kept mapping that no array uses any more."""
    with _lock:
        for i in reversed(_idle_indices()):
            _mappings.pop(i).close()


def _array(shape, zero: bool) -> np.ndarray:
    shape = tuple(shape) if isinstance(shape, tuple) else (shape,)
    size = 8 * math.prod(shape)
    if size < LARGE or not _POOLED:
        return np.zeros(shape) if zero else np.empty(shape)
    with _lock:
        reuse = next((i for i in _idle_indices() if len(_mappings[i]) == size), None)
        mapping = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE) if reuse is None else _mappings.pop(reuse)
        _mappings.append(mapping)  # now the most recently used
        _trim()
    # The array holds the mapping (through its base) and every view of it holds the array.
    array = np.frombuffer(mapping, dtype=float).reshape(shape)
    if zero and reuse is not None:  # a new mapping reads as zeros already
        array.fill(0.0)
    return array


def _idle_indices() -> list[int]:
    # A mapping referenced only by _mappings (and getrefcount's argument) has no array left.
    return [i for i in range(len(_mappings)) if sys.getrefcount(_mappings[i]) <= 2]


def _trim() -> None:
    idle = _idle_indices()
    excess = sum(len(_mappings[i]) for i in idle) - IDLE_LIMIT
    closing = []
    for i in idle:  # least recently used first
        if excess <= 0:
            break
        excess -= len(_mappings[i])
        closing.append(i)
    for i in reversed(closing):
        _mappings.pop(i).close()
