"""A surface's known minima and f*, the loss at the lowest: what convergence is measured against."""
from __future__ import annotations

import numpy as np

from .surfaces import Surface


def known_minima(surface: Surface) -> tuple[np.ndarray, np.ndarray]:
    """The surface's known minima (k, 2) and their losses (k,), lowest first."""
    points = np.array([(p.x, p.y) for p in surface.stationary_points if p.kind == "minimum"], dtype=float)
    if len(points) == 0:
        return np.empty((0, 2)), np.empty(0)
    with np.errstate(all="ignore"):
        losses = np.asarray(surface.loss(points), dtype=float)
    order = np.argsort(losses, kind="stable")
    return points[order], losses[order]


def lowest_known_loss(surface: Surface) -> float | None:
    """f*: the loss at the lowest known minimum, or None if the surface knows none."""
    _, losses = known_minima(surface)
    return float(losses[0]) if len(losses) else None
