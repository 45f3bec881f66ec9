"""Basin maps: where an optimizer ends from every start of a window, and how long it takes.

A grid of starts over the window (pixel centres) is stepped at once by the ensemble engine.
Each start is coloured by the known minimum it ends nearest to, if it ends within `radius` of
it; −1 if it diverged; −2 if it did not converge within the budget. Its shade is
`steps_to_tol`, the first step at which loss − f(m) ≤ tol for the minimum m it ends in (on a
surface without known minima: the first step at which ‖∇f‖ ≤ tol, and the minima are the
points where converged runs gathered). Starts that do not end in a minimum count against
the lowest known minimum f*, as `sweep` does.

For the app: a coarse map (`basins(..., resolution=(32, 32))`) takes a few hundredths of a
second; then `basin_bands(..., resolution=(nx, ny), rows_per_band=r)` fills the fine map in
bands of r rows, yielding the map after each band, so that a worker can show it filling in and
drop it between bands when a new window or setting has made it stale. `iter_basins(...,
resolutions=[(32, 32), (256, 256)])` yields one finished map per resolution. All take
`progress(done, total)`, called after each chunk of starts; raise from it to abandon a map.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from .ensembles import run_ensemble
from .minima import known_minima
from .noise import check_seed, run_seeds
from .surfaces import Surface, get_surface

NOT_CONVERGED = -2
DIVERGED = -1
PENDING = -3  # only in a map still being computed (see basin_bands)


@dataclass
class BasinMap:
    """One basin map; arrays are (ny, nx), row j at y = y0 + (j + ½)·(y1 − y0)/ny (row 0 lowest y)."""

    starts: np.ndarray        # (ny, nx, 2)
    final: np.ndarray         # (ny, nx, 2): the last finite point of each run
    basin: np.ndarray         # (ny, nx): index into minima, −1 diverged, −2 not converged
    minima: np.ndarray        # (k, 2)
    minima_loss: np.ndarray   # (k,)
    steps_to_tol: np.ndarray  # (ny, nx): first step within tol of its minimum, −1 if never
    loss_final: np.ndarray    # (ny, nx)
    diverged_at: np.ndarray   # (ny, nx): −1 if never
    window: tuple[tuple[float, float], tuple[float, float]]
    criterion: str            # "loss − f(m) ≤ tol" or "‖∇f‖ ≤ tol"
    tol: float
    radius: float
    steps: int
    config: dict = field(default_factory=dict)
    rows_done: int | None = None  # rows computed so far (from row 0): all of them once finished

    def __post_init__(self):
        if self.rows_done is None:
            self.rows_done = self.basin.shape[0]

    @property
    def complete(self) -> bool:
        return self.rows_done >= self.basin.shape[0]

    @property
    def resolution(self) -> tuple[int, int]:
        return self.basin.shape[1], self.basin.shape[0]

    def shares(self) -> dict[str, float]:
        """The share of starts in each minimum (by index), diverged and not converged (of the
        starts computed so far, in a map still being computed)."""
        total = max(1, int(np.count_nonzero(self.basin != PENDING)))
        out = {str(i): float(np.count_nonzero(self.basin == i)) / total for i in range(len(self.minima))}
        out["diverged"] = float(np.count_nonzero(self.basin == DIVERGED)) / total
        out["not converged"] = float(np.count_nonzero(self.basin == NOT_CONVERGED)) / total
        return out


def check_window(window, surface: Surface) -> tuple[tuple[float, float], tuple[float, float]]:
    """((x0, x1), (y0, y1)) checked; None: the surface's view."""
    if window is None:
        xmin, xmax, ymin, ymax = surface.view
        return (float(xmin), float(xmax)), (float(ymin), float(ymax))
    return check_box(window)


def check_box(window) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        (x0, x1), (y0, y1) = window
        x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError):
        raise ValueError(f"window must be ((x0, x1), (y0, y1)), got {window!r}") from None
    if not all(np.isfinite([x0, x1, y0, y1])) or not (x0 < x1 and y0 < y1):
        raise ValueError(f"window must be finite with x0 < x1 and y0 < y1, got {window!r}")
    return (x0, x1), (y0, y1)


def check_resolution(resolution) -> tuple[int, int]:
    try:
        nx, ny = resolution
    except (TypeError, ValueError):
        raise ValueError(f"resolution must be (nx, ny), got {resolution!r}") from None
    for n in (nx, ny):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 4096:
            raise ValueError(f"resolution must be two whole numbers from 1 to 4096, got {resolution!r}")
    return int(nx), int(ny)


def grid_starts(window, resolution) -> np.ndarray:
    """(ny, nx, 2) starts at the pixel centres of the window."""
    (x0, x1), (y0, y1) = window
    nx, ny = resolution
    xs = x0 + (np.arange(nx) + 0.5) * ((x1 - x0) / nx)
    ys = y0 + (np.arange(ny) + 0.5) * ((y1 - y0) / ny)
    return np.stack(np.meshgrid(xs, ys), axis=-1)


def basins(surface: str = "rosenbrock", surface_params: Mapping[str, Any] | None = None,
           optimizer: str = "adam", hparams: Mapping[str, Any] | None = None, window=None,
           resolution=(64, 64), steps: int = 500, tol: float = 1e-6, schedule=None, clip=None,
           grad_noise: float = 0.0, seed: int | None = None, radius: float | None = None,
           max_param_norm: float = 1e6, progress: Callable[[int, int], None] | None = None) -> BasinMap:
    """The basin map of `optimizer` over `window` ((x0, x1), (y0, y1); default the surface's view).

    `resolution` (nx, ny) starts at the pixel centres, each run for `steps` updates. `tol`: a
    start has converged to minimum m when loss − f(m) ≤ tol (the first step at which it does is
    its `steps_to_tol`); on a surface with no known minima, when ‖∇f‖ ≤ tol. `radius` (default
    2% of the window's diagonal): how near a minimum a run must end to count as in its basin.
    Noise: start i (row-major, row 0 lowest y) is seeded `seed + i`, so each pixel equals
    `simulate(..., start=that pixel's start, seed=seed + i)`. Bad input raises ValueError.
    """
    *_, last = basin_bands(surface, surface_params, optimizer, hparams, window, resolution, steps, tol, schedule,
                           clip, grad_noise, seed, radius, max_param_norm, progress, rows_per_band=None)
    return last


def basin_bands(surface: str = "rosenbrock", surface_params: Mapping[str, Any] | None = None,
                optimizer: str = "adam", hparams: Mapping[str, Any] | None = None, window=None,
                resolution=(64, 64), steps: int = 500, tol: float = 1e-6, schedule=None, clip=None,
                grad_noise: float = 0.0, seed: int | None = None, radius: float | None = None,
                max_param_norm: float = 1e6, progress: Callable[[int, int], None] | None = None, *,
                rows_per_band: int | None = None) -> Iterator[BasinMap]:
    """`basins` computed a band of rows at a time (from the lowest y), yielding the map after each.

    A yielded map's first `rows_done` rows hold their results; the rest read PENDING in `basin`
    (NaN and −1 elsewhere). `rows_per_band` None: all rows at once, else that many (at least 1).
    The finished map equals `basins` with the same arguments, pixel by pixel: every start is its
    own run, whichever band steps it. On a surface without known minima the gathering points are
    found again from every converged start so far, so earlier rows may change basin index.
    """
    problem = get_surface(surface, surface_params)
    window = check_window(window, problem)
    nx, ny = resolution = check_resolution(resolution)
    (x0, x1), (y0, y1) = window
    if radius is None:
        radius = 0.02 * float(np.hypot(x1 - x0, y1 - y0))
    elif not (np.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be a positive number, got {radius!r}")
    if rows_per_band is not None and (isinstance(rows_per_band, bool) or not isinstance(rows_per_band, int)
                                      or rows_per_band < 1):
        raise ValueError(f"rows_per_band must be a whole number ≥ 1, got {rows_per_band!r}")
    seed = check_seed(seed)
    starts = grid_starts(window, resolution)
    flat = starts.reshape(-1, 2)
    n = len(flat)
    known, known_loss = known_minima(problem)
    target = float(known_loss[0]) if len(known) else None
    common = dict(schedule=schedule, clip=clip, grad_noise=grad_noise, max_param_norm=max_param_norm,
                  invalid_starts="diverge")
    seeds = run_seeds(seed, n)
    config = {"surface": problem.name, "surface_params": dict(problem.params), "optimizer": optimizer,
              "hparams": dict(hparams or {}), "window": window, "resolution": resolution, "steps": steps,
              "tol": tol, "schedule": schedule, "clip": clip, "grad_noise": grad_noise, "seed": seed,
              "radius": radius, "max_param_norm": max_param_norm}
    final, grad_final = np.full((n, 2), np.nan), np.full((n, 2), np.nan)
    loss_final = np.full(n, np.nan)
    diverged_at, steps_to_tol, basin = np.full(n, -1), np.full(n, -1), np.full(n, PENDING)
    minima, minima_loss = known, known_loss
    rows_per_band = ny if rows_per_band is None else rows_per_band
    for first_row in range(0, ny, rows_per_band):
        band = slice(first_row * nx, min(ny, first_row + rows_per_band) * nx)
        report = None if progress is None else (lambda done, total, at=band.start: progress(at + done, n))
        result = run_ensemble(problem, optimizer, hparams, flat[band], steps, tol=tol, target=target,
                              noise_seeds=seeds[band], progress=report, **common)
        final[band], grad_final[band], loss_final[band] = result.final, result.grad_final, result.loss_final
        diverged_at[band], steps_to_tol[band] = result.diverged_at, result.steps_to_tol
        if target is None:  # the minima are where converged runs gathered: look again over all rows so far
            done = slice(0, band.stop)
            converged = (diverged_at[done] < 0) & (np.einsum("ij,ij->i", grad_final[done], grad_final[done])
                                                  <= tol * tol)
            minima, minima_loss = _gathering_points(problem, final[done][converged], loss_final[done][converged],
                                                    radius)
            basin[done] = assign_basins(final[done], diverged_at[done], minima, radius)
        else:
            basin[band] = assign_basins(final[band], diverged_at[band], minima, radius)
            # A start that ends in a higher minimum counts its steps against that minimum's loss:
            # the same runs again (same noise seeds), only those, with their own target.
            # (Minima whose loss differs from f* by far less than tol, such as Himmelblau's four, are one level.)
            higher = (basin[band] >= 0) & (minima_loss[np.maximum(basin[band], 0)] - target > 1e-3 * tol)
            if higher.any():
                index = band.start + np.nonzero(higher)[0]
                again = run_ensemble(problem, optimizer, hparams, flat[index], steps, tol=tol,
                                     target=minima_loss[basin[index]], noise_seeds=[seeds[i] for i in index],
                                     **common)
                steps_to_tol[index] = again.steps_to_tol
        shape = starts.shape[:2]
        yield BasinMap(starts=starts, final=final.reshape(*shape, 2).copy(), basin=basin.reshape(shape).copy(),
                       minima=minima, minima_loss=minima_loss, steps_to_tol=steps_to_tol.reshape(shape).copy(),
                       loss_final=loss_final.reshape(shape).copy(), diverged_at=diverged_at.reshape(shape).copy(),
                       window=window, criterion="‖∇f‖ ≤ tol" if target is None else "loss − f(m) ≤ tol",
                       tol=float(tol), radius=float(radius), steps=steps, config=config,
                       rows_done=band.stop // nx)


def iter_basins(*, resolutions=((32, 32), (256, 256)), **kwargs) -> Iterator[BasinMap]:
    """Basin maps at each resolution in turn, coarse first: `basins(resolution=r, **kwargs)` for r in
    `resolutions`. Stop iterating (or raise from `progress`) to abandon the finer ones."""
    for resolution in resolutions:
        yield basins(resolution=resolution, **kwargs)


def assign_basins(final: np.ndarray, diverged_at: np.ndarray, minima: np.ndarray, radius: float) -> np.ndarray:
    """For each final point (N, 2): the index of the nearest minimum within `radius`, −1 if the run
    diverged, −2 if it ended farther than `radius` from every minimum."""
    basin = np.full(len(final), NOT_CONVERGED)
    if len(minima):
        distance = np.full(len(final), np.inf)
        for i, m in enumerate(minima):  # k passes over N points: no (N, k) array for many minima
            d = np.hypot(final[:, 0] - m[0], final[:, 1] - m[1])
            nearer = d < distance
            distance[nearer], basin[nearer] = d[nearer], i
        basin[distance > radius] = NOT_CONVERGED
    basin[diverged_at >= 0] = DIVERGED
    return basin


def _gathering_points(problem: Surface, points: np.ndarray, losses: np.ndarray, radius: float):
    """Where converged runs gathered, lowest loss first, merged within `radius`; only minima kept."""
    centres, centre_losses = [], []
    remaining = np.ones(len(points), dtype=bool)
    while remaining.any():
        best = int(np.flatnonzero(remaining)[np.argmin(losses[remaining])])
        centre = points[best]
        remaining &= np.hypot(points[:, 0] - centre[0], points[:, 1] - centre[1]) > radius
        if problem.classify(centre) == "minimum":
            centres.append(centre)
            centre_losses.append(float(losses[best]))
    return np.array(centres, dtype=float).reshape(-1, 2), np.array(centre_losses, dtype=float)
