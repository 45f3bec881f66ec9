"""Swarms: many starts animated together, and the statistics a loss panel shows for them.

`sample_starts` draws N starts uniformly over a window, on a grid, or from a Gaussian around a
point (seeded). Step them with `run_ensemble(..., keep="path")` and pass the result's `path`
and `path_loss` to `swarm_stats` for, at every step, the median loss, the 10–90% band, the
share of runs that have diverged and the share still moving.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .basins import check_box, check_resolution, grid_starts
from .noise import check_seed

SAMPLINGS = ("uniform", "grid", "gaussian")


def sample_starts(n: int, how: str = "uniform", window=((-1.0, 1.0), (-1.0, 1.0)), center=(0.0, 0.0),
                  spread: float = 0.5, seed: int | None = 0) -> np.ndarray:
    """N starts (N, 2): "uniform" over `window` ((x0, x1), (y0, y1)); "grid": a ⌈√N⌉ × ⌈√N⌉ grid
    of pixel centres over the window, cut to the first N row by row; "gaussian": normal around
    `center` with standard deviation `spread` in both coordinates. `seed` makes it repeatable."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 10**6:
        raise ValueError(f"the number of starts must be a whole number from 1 to 1,000,000, got {n!r}")
    if how not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {', '.join(SAMPLINGS)}, got {how!r}")
    rng = np.random.default_rng(check_seed(seed))
    if how == "gaussian":
        if not (np.isfinite(spread) and spread > 0):
            raise ValueError(f"spread must be a positive number, got {spread!r}")
        center = np.asarray(center, dtype=float)
        if center.shape != (2,) or not np.all(np.isfinite(center)):
            raise ValueError(f"center must be a finite point (x, y), got {center!r}")
        return center + spread * rng.standard_normal((n, 2))
    (x0, x1), (y0, y1) = check_box(window)
    if how == "uniform":
        return rng.uniform((x0, y0), (x1, y1), size=(n, 2))
    side = math.ceil(math.sqrt(n))
    return grid_starts(((x0, x1), (y0, y1)), check_resolution((side, side))).reshape(-1, 2)[:n]


@dataclass
class SwarmStats:
    """Per step (steps+1,): the loss's median and 10% and 90% quantiles over the runs still alive,
    the share of runs diverged by then, and the share still moving (‖θₖ₊₁ − θₖ‖ > move_tol)."""

    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    diverged: np.ndarray
    moving: np.ndarray


def swarm_stats(path: np.ndarray, path_loss: np.ndarray, move_tol: float = 1e-6) -> SwarmStats:
    """Statistics of a kept path (steps+1, N, 2) and its losses (steps+1, N); diverged runs read NaN.

    At the last step "moving" repeats the step before (there is no next point to compare)."""
    path, path_loss = np.asarray(path, dtype=float), np.asarray(path_loss, dtype=float)
    if path.ndim != 3 or path_loss.shape != path.shape[:2]:
        raise ValueError(f"path must be (steps+1, N, 2) and path_loss (steps+1, N), got {path.shape} and {path_loss.shape}")
    dead = np.isnan(path_loss)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a step where every run has diverged: NaN quantiles
        low, median, high = np.nanquantile(path_loss, [0.1, 0.5, 0.9], axis=1)
        step = np.linalg.norm(np.diff(path, axis=0), axis=-1)
        moving = (step > move_tol).mean(axis=1)
    moving = np.append(moving, moving[-1:]) if len(moving) else np.zeros(1)
    return SwarmStats(median=median, low=low, high=high, diverged=dead.mean(axis=1), moving=moving)
