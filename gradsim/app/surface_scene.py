"""Where the 3-D view puts things: the surface's grid, paths and points in a unit box (Qt-free).

x and y fill [−½, ½] over the view (as the 2-D panel fills its plot), and the loss is drawn as a
height in [0, HEIGHT]: linearly, or on a log scale when most of the surface lies in the bottom
tenth of its range (Rosenbrock's valley floor is 0 to 1 between walls of 2,500), with the same
floor offset as the 2-D contours' bands. The heights of paths and balls are the losses the engine
recorded, put through the same scale, so they lie on the mesh at the grid's points.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HEIGHT = 0.6  # the box's height, in units of its width
LOG_WHEN_MEDIAN_BELOW = 0.1  # of the range: log-scale heights then
MESH_POINTS = 80  # the mesh keeps at most this many grid lines each way (every nth of the field's)


@dataclass(frozen=True)
class SurfaceScene:
    view: tuple[float, float, float, float]  # xmin, xmax, ymin, ymax
    low: float   # the lowest loss drawn (the grid's or the known minimum, whichever is lower)
    high: float
    log: bool

    @property
    def floor(self) -> float:
        return 1e-3 * (self.high - self.low + 1e-12)  # as the 2-D bands: the minimum is not −∞

    def height(self, loss) -> np.ndarray:
        """Loss values as heights in [0, HEIGHT] (clamped: a path may pass below the grid's lowest point)."""
        loss = np.clip(np.asarray(loss, dtype=float), self.low, self.high)
        if self.log:
            top = np.log10(self.high - self.low + self.floor)
            bottom = np.log10(self.floor)
            unit = (np.log10(loss - self.low + self.floor) - bottom) / (top - bottom)
        else:
            unit = (loss - self.low) / (self.high - self.low) if self.high > self.low else np.zeros_like(loss)
        return HEIGHT * unit

    def xy(self, points) -> np.ndarray:
        """(…, 2) parameter points in the box's x, y."""
        xmin, xmax, ymin, ymax = self.view
        points = np.asarray(points, dtype=float)
        return np.stack([(points[..., 0] - xmin) / (xmax - xmin) - 0.5,
                         (points[..., 1] - ymin) / (ymax - ymin) - 0.5], axis=-1)

    def vector(self, vectors) -> np.ndarray:
        """(…, 2) parameter-space vectors (arrows) in the box's units."""
        xmin, xmax, ymin, ymax = self.view
        vectors = np.asarray(vectors, dtype=float)
        return np.stack([vectors[..., 0] / (xmax - xmin), vectors[..., 1] / (ymax - ymin)], axis=-1)

    def points(self, params, loss) -> np.ndarray:
        """(N, 3) positions of a path's points, at the heights of their recorded losses."""
        return np.column_stack([self.xy(params), self.height(loss)])


def surface_scene(field, minimum: float | None = None) -> SurfaceScene:
    """The scale for a surface's loss field (protocol.Field) and its known minimum f*."""
    values = field.values[np.isfinite(field.values)]
    if values.size == 0:
        return SurfaceScene(tuple(field.view), 0.0, 1.0, False)
    low, high = float(values.min()), float(values.max())
    if minimum is not None and np.isfinite(minimum):
        low = min(low, float(minimum))
    median = float(np.median(values))
    log = high > low and (median - low) < LOG_WHEN_MEDIAN_BELOW * (high - low)
    return SurfaceScene(tuple(field.view), low, high, bool(log))


def mesh_grid(field, scene: SurfaceScene, limit: int = MESH_POINTS):
    """The field's grid thinned to at most `limit` lines each way (every nth grid value, none computed):
    x (nx,), y (ny,) in the box, and heights (nx, ny)."""
    stride_x = max(1, -(-len(field.xs) // limit))
    stride_y = max(1, -(-len(field.ys) // limit))
    xs, ys = field.xs[::stride_x], field.ys[::stride_y]
    values = field.values[::stride_y, ::stride_x]
    finite = np.isfinite(values)
    values = np.where(finite, values, scene.high)
    x_box = scene.xy(np.column_stack([xs, np.full_like(xs, scene.view[2])]))[:, 0]
    y_box = scene.xy(np.column_stack([np.full_like(ys, scene.view[0]), ys]))[:, 1]
    return x_box, y_box, scene.height(values).T


def above_mesh(points: np.ndarray, x_box: np.ndarray, y_box: np.ndarray, heights: np.ndarray) -> np.ndarray:
    """`points` (N, 3) raised where the drawn mesh would bury them.

    The mesh joins grid points with flat facets, so in a valley narrower than the grid's spacing
    (Rosenbrock's, near its minimum) it passes above the losses the runs recorded there. A point's
    height becomes the larger of its own and the mesh's (bilinear between the grid's heights, as
    `mesh_grid` gives them), so paths and balls always lie on the surface as drawn.
    """
    points = np.array(points, dtype=float, copy=True)
    if len(points) == 0 or len(x_box) < 2 or len(y_box) < 2:
        return points
    i = np.clip(np.searchsorted(x_box, points[:, 0]) - 1, 0, len(x_box) - 2)
    j = np.clip(np.searchsorted(y_box, points[:, 1]) - 1, 0, len(y_box) - 2)
    tx = np.clip((points[:, 0] - x_box[i]) / (x_box[i + 1] - x_box[i]), 0.0, 1.0)
    ty = np.clip((points[:, 1] - y_box[j]) / (y_box[j + 1] - y_box[j]), 0.0, 1.0)
    z00, z10, z01, z11 = heights[i, j], heights[i + 1, j], heights[i, j + 1], heights[i + 1, j + 1]
    # each grid square is drawn as two flat triangles split along its (i, j+1)–(i+1, j) diagonal
    # (pyqtgraph's GLSurfacePlotItem): the height on the facet the point lies over
    lower = tx + ty <= 1
    mesh = np.where(lower, z00 + tx * (z10 - z00) + ty * (z01 - z00),
                    z11 + (1 - tx) * (z01 - z11) + (1 - ty) * (z10 - z11))
    points[:, 2] = np.maximum(points[:, 2], mesh)
    return points
