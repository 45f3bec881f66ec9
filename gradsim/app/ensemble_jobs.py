"""Ensemble work in the session: basin maps, swarms, sweeps and phase diagrams, a piece at a time (Qt-free).

The session answers an ensemble request by starting a job: a generator that does one piece of
the work each time it is advanced (a coarse map, a band of rows of the fine map, a band of
settings) and yields the result so far. `Jobs` advances them between the session's stepping
slices, so the runs keep playing and commands keep being answered while a map fills in. There
is at most one job of each kind: a new request replaces the old one (the window moved, a
hyperparameter changed), and `CancelJob` drops one.

Every piece calls the same engine functions as `gradsim.basins`, `gradsim.sweep` and
`run_ensemble`, so what the app shows is what the API returns for the same settings, bit for bit.
"""
from __future__ import annotations

import time
from typing import Iterator

import numpy as np

from ..core.basins import basin_bands, basins
from ..core.ensembles import run_ensemble
from ..core.surfaces import get_surface
from ..core.swarm import sample_starts, swarm_stats
from ..core.sweeps import sweep_bands
from . import protocol as p

BAND_RUN_STEPS = 1_000_000   # a piece of a basin map or a swarm: about this many run-steps (~0.1 s)
SWEEP_RUN_STEPS = 250_000    # settings that vary per run cost more per step (rounding as scalars)
MAX_SWARM_RUN_STEPS = 4_000_000  # starts × (steps + 1): the swarm's whole path stays below ~64 MB
MAX_FRAME_POINTS = 2_500_000     # starts × frames sent to the window (float32, ~20 MB)


def _surface_kwargs(spec: p.EnsembleSpec) -> dict:
    return dict(surface=spec.surface, surface_params=dict(spec.surface_params), optimizer=spec.optimizer,
                hparams=dict(spec.hparams), schedule=spec.schedule, clip=spec.clip, grad_noise=spec.grad_noise,
                seed=spec.seed)


def basin_job(request: p.BasinRequest) -> Iterator[p.BasinResult]:
    """A coarse map first (if smaller than the fine one), then the fine map band by band."""
    kwargs = dict(_surface_kwargs(request.spec), window=request.window, steps=request.steps, tol=request.tol)
    nx, ny = request.resolution
    if request.coarse is not None and request.coarse[0] * request.coarse[1] < nx * ny:
        yield p.BasinResult(request.generation, request.job, basins(resolution=request.coarse, **kwargs))
    rows = max(1, BAND_RUN_STEPS // (nx * (request.steps + 1)))
    for partial in basin_bands(resolution=request.resolution, rows_per_band=rows, **kwargs):
        yield p.BasinResult(request.generation, request.job, partial)


def sweep_job(request: p.SweepRequest) -> Iterator[p.SweepResult]:
    """A sweep (one varied name) or a phase diagram (two), a band of values of the first at a time."""
    vary = {name: np.asarray(values, dtype=float) for name, values in request.vary.items()}
    per_row = int(np.prod([len(v) for v in vary.values()][1:], dtype=int))
    rows = max(1, SWEEP_RUN_STEPS // (per_row * (request.steps + 1)))
    for partial in sweep_bands(vary=vary, start=request.start, steps=request.steps, tol=request.tol,
                               rows_per_band=rows, **_surface_kwargs(request.spec)):
        yield p.SweepResult(request.generation, request.job, partial)


def swarm_job(request: p.SwarmRequest) -> Iterator[p.SwarmResult | None]:
    """N starts stepped together (noise seeded seed + i), a band of starts at a time; then the
    frames the window animates (every step, or an even stride when there are too many) and the
    statistics of every step."""
    spec = request.spec
    n, steps = request.n, request.steps
    if n * (steps + 1) > MAX_SWARM_RUN_STEPS:
        raise ValueError(f"a swarm is at most {MAX_SWARM_RUN_STEPS:,} run-steps: {n} starts × {steps} steps is "
                         f"{n * (steps + 1):,}; use fewer starts or steps")
    starts = sample_starts(n, request.sampling, request.window, request.center, request.spread, seed=spec.seed)
    problem = get_surface(spec.surface, spec.surface_params)
    path, path_loss = np.empty((steps + 1, n, 2)), np.empty((steps + 1, n))
    band = max(1, BAND_RUN_STEPS // (steps + 1))
    for first in range(0, n, band):
        rows = slice(first, min(n, first + band))
        result = run_ensemble(problem, spec.optimizer, spec.hparams, starts[rows], steps, keep="path",
                              schedule=spec.schedule, clip=spec.clip, grad_noise=spec.grad_noise,
                              noise_seeds=[None if spec.seed is None else spec.seed + i for i in range(first, rows.stop)],
                              invalid_starts="diverge")
        path[:, rows], path_loss[:, rows] = result.path, result.path_loss
        if rows.stop < n:
            yield None  # a piece done: let the session step its runs and read its commands
    stride = max(1, -(-(steps + 1) * n // MAX_FRAME_POINTS))
    frame_steps = np.arange(0, steps + 1, stride)
    if frame_steps[-1] != steps:
        frame_steps = np.append(frame_steps, steps)
    yield p.SwarmResult(request.generation, request.job, starts, frame_steps, path[frame_steps].astype(np.float32),
                        swarm_stats(path, path_loss))


JOB_KINDS = {p.BasinRequest: basin_job, p.SweepRequest: sweep_job, p.SwarmRequest: swarm_job}


class Jobs:
    """The ensemble jobs in progress: at most one of each kind, the newest request's."""

    def __init__(self):
        self._jobs: dict[str, tuple[int, int, Iterator]] = {}  # kind → (generation, job id, generator)

    def __bool__(self) -> bool:
        return bool(self._jobs)

    def start(self, request) -> list:
        self._jobs[request.kind] = (request.generation, request.job, JOB_KINDS[type(request)](request))
        return []

    def clear(self) -> None:
        self._jobs.clear()

    def cancel(self, job: int) -> list:
        self._jobs = {kind: entry for kind, entry in self._jobs.items() if entry[1] != job}
        return []

    def work(self, seconds: float) -> list:
        """Advance the jobs, taking turns, for about `seconds` (at least one piece); their replies."""
        deadline = time.perf_counter() + seconds
        replies = []
        while self._jobs:
            for kind, (generation, job, pieces) in list(self._jobs.items()):
                try:
                    reply = next(pieces)
                except StopIteration:
                    del self._jobs[kind]
                    continue
                except Exception as error:  # noqa: BLE001  (bad settings: say so, and the session goes on)
                    del self._jobs[kind]
                    replies.append(p.JobFailed(generation, job, f"{type(error).__name__}: {error}"
                                               if not isinstance(error, ValueError) else str(error)))
                    continue
                if reply is not None:
                    replies.append(reply)
            if time.perf_counter() >= deadline:
                break
        return replies
