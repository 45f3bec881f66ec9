"""Which points of a long series or path to draw so that the picture is what the eye would see of all of them.

Thinning by an even stride hides oscillation (every second point of a zig-zag is a smooth curve). Here:

- a time series keeps, in every pixel column of the visible range, its first, lowest, highest and last
  point (the M4 rule: the drawn line then covers exactly the pixels the full line would), and every
  point once a column holds few enough;
- a 2-D path keeps every turning point (where x or y reverses), and otherwise one point per pixel it
  crosses; so no reversal, however small, is ever drawn as a straight line.

Both return indices into the data, sorted, always including the last point. `Decimator` remembers
what it kept of the part of the data that can no longer change (the history only grows at its end), so
that a frame costs the new rows, not all of them. Pure NumPy, no Qt.
"""
from __future__ import annotations

import numpy as np

EVERY_POINT_PER_COLUMN = 4  # a view holding at most this many points per pixel column draws them all


def envelope(x: np.ndarray, y: np.ndarray, x0: float, x1: float, columns: int) -> np.ndarray:
    """Indices of (x, y) (x increasing) to draw over [x0, x1] on `columns` pixel columns.

    Per column: the first, lowest, highest and last point, and the first non-finite one (a gap);
    one point on either side of the window, so that the line enters and leaves it as it should.
    """
    n = len(x)
    if n == 0:
        return np.empty(0, dtype=np.intp)
    first = max(0, int(np.searchsorted(x, x0, side="left")) - 1)
    stop = min(n, int(np.searchsorted(x, x1, side="right")) + 1)
    if stop - first <= EVERY_POINT_PER_COLUMN * max(1, columns) or x1 <= x0:
        return _with_last(np.arange(first, stop), n)
    xs, ys = x[first:stop], np.asarray(y[first:stop], dtype=float)
    width = (x1 - x0) / columns
    column = np.clip(np.floor((xs - x0) / width), -1, columns).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
    ends = np.r_[starts[1:], len(xs)] - 1
    finite = np.isfinite(ys)
    low = np.where(finite, ys, np.inf)
    high = np.where(finite, ys, -np.inf)
    kept = [starts, ends, _arg_extreme(low, starts, np.minimum), _arg_extreme(high, starts, np.maximum)]
    if not finite.all():
        gaps = np.flatnonzero(~finite)
        kept.append(gaps[np.r_[True, column[gaps][1:] != column[gaps][:-1]]])
    chosen = np.unique(np.concatenate(kept))
    return _with_last(chosen + first, n)


def _arg_extreme(values: np.ndarray, starts: np.ndarray, ufunc) -> np.ndarray:
    """Per run of values beginning at `starts`: the index of its first extreme (min or max by `ufunc`)."""
    extreme = ufunc.reduceat(values, starts)
    lengths = np.diff(np.r_[starts, len(values)])
    hits = np.flatnonzero(values == np.repeat(extreme, lengths))
    # the first hit of each run (a run whose values are all ±inf hits at every index: its first is kept)
    owner = np.searchsorted(starts, hits, side="right") - 1
    return hits[np.r_[True, owner[1:] != owner[:-1]]]


def path_points(xy: np.ndarray, view: tuple[float, float, float, float], pixels: tuple[int, int]) -> np.ndarray:
    """Indices of the points of a path (n, 2) to draw in `view` (xmin, xmax, ymin, ymax) on a
    `pixels` (width, height) plot: every turning point of x or of y, and the first point in each pixel
    the path enters (a path that leaves a pixel and comes back keeps both visits)."""
    n = len(xy)
    if n <= 2:
        return np.arange(n)
    xmin, xmax, ymin, ymax = view
    width, height = max(1, pixels[0]), max(1, pixels[1])
    with np.errstate(all="ignore"):
        px = np.floor((xy[:, 0] - xmin) / max(xmax - xmin, 1e-300) * width)
        py = np.floor((xy[:, 1] - ymin) / max(ymax - ymin, 1e-300) * height)
    moved = np.r_[True, (px[1:] != px[:-1]) | (py[1:] != py[:-1])]
    keep = moved | turning_points(xy)
    keep[-1] = True
    return np.flatnonzero(keep)


def turning_points(xy: np.ndarray) -> np.ndarray:
    """A mask of the points where x or y changes direction (the first and last points included)."""
    d = np.sign(np.diff(xy, axis=0))
    turn = np.zeros(len(xy), dtype=bool)
    turn[0] = turn[-1] = True
    # a reversal: the step into the point and the step out of it go opposite ways along x or along y
    turn[1:-1] = np.any(d[1:] * d[:-1] < 0, axis=1)
    # a step that stays (sign 0) between two that reverse is kept on both sides
    flat = np.any(d == 0, axis=1)
    turn[1:-1] |= flat[1:] | flat[:-1]
    return turn


def _with_last(indices: np.ndarray, n: int) -> np.ndarray:
    return indices if len(indices) and indices[-1] == n - 1 else np.r_[indices, n - 1]


class Decimator:
    """`envelope` or `path_points` of a series that only grows at its end, remembered between frames.

    What was kept of rows that can no longer change (those in pixel columns wholly left behind, or
    before the newest two points of a path) is reused while the window, the pixel size and the data's
    `epoch` (a counter the history bumps when it rewrites old rows) stay the same.
    """

    def __init__(self):
        self._key = None
        self._done = 0                        # rows before this index are settled
        self._kept = np.empty(0, np.intp)     # the indices kept among them

    def _reset(self, key) -> None:
        self._key, self._done, self._kept = key, 0, np.empty(0, np.intp)

    def envelope(self, x, y, x0, x1, columns, epoch=0) -> np.ndarray:
        n = len(x)
        key = ("envelope", x0, x1, columns, epoch)
        if key != self._key or n < self._done:
            self._reset(key)
        if n == 0 or x1 <= x0 or not x0 <= x[-1] <= x1 or n <= EVERY_POINT_PER_COLUMN * columns:
            self._reset(key)  # a window that does not follow the newest rows: no reuse
            return envelope(x, y, x0, x1, columns)
        width = (x1 - x0) / columns
        start = self._done
        skipped = int(np.floor((x[start] - x0) / width)) if start else 0
        tail = envelope(x[start:], y[start:], x0 + skipped * width, x1, columns - skipped) + start
        kept = np.concatenate([self._kept, tail])
        # rows in columns wholly left behind are settled; the newest column may still grow
        newest_column = x0 + np.floor((x[-1] - x0) / width) * width
        # (rounding may put the newest column's edge a hair past the newest row: that row stays unsettled)
        settled = min(int(np.searchsorted(x, newest_column, side="left")), n - 1)
        if settled > self._done:
            self._done, self._kept = settled, kept[:np.searchsorted(kept, settled)]
        return kept

    def path(self, xy, view, pixels, epoch=0) -> np.ndarray:
        n = len(xy)
        key = ("path", tuple(view), tuple(pixels), epoch)
        if key != self._key or n < self._done:
            self._reset(key)
        start = max(0, self._done - 1)  # one settled row before the tail gives its cell and direction
        tail = path_points(xy[start:], view, pixels) + start
        settled = self._kept[:np.searchsorted(self._kept, start)]  # both sorted: joined, they stay sorted
        kept = np.concatenate([settled, tail])
        if n > 3:
            self._done = n - 2  # the newest two points may still turn
            self._kept = kept[kept < self._done]
        return kept
