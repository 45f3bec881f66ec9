"""`simulate`: a whole run in one call, as a loop over `Stepper`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .stepper import Stepper, stack_rows
from .surfaces import get_surface


@dataclass
class Trace:
    """The history of a run (or of N runs at once).

    Arrays have a leading step axis: `params` (steps+1, 2) for one run or
    (steps+1, N, 2) for N. Row k holds the point after k updates, its loss,
    the raw gradient there (noise included, before clipping), the scheduled
    rate `lr`, and the update taken from it: `lr_eff`, `update` and the
    optimizer `state` it produced, by name. A single run that diverges keeps
    only its finite rows; in an ensemble a diverged run's rows are NaN from
    its divergence on.
    """

    config: dict
    step: np.ndarray
    params: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    lr: np.ndarray
    lr_eff: np.ndarray
    update: np.ndarray
    state: dict[str, np.ndarray] = field(default_factory=dict)
    status: Any = "ok"  # "ok"/"diverged", or an array of them for N runs
    diverged_at: Any = None  # step that diverged (None if ok), or an array with -1 for N runs

    def __len__(self) -> int:
        return len(self.step)


def simulate(surface: str = "rosenbrock", surface_params: Mapping[str, Any] | None = None,
             optimizer: str = "sgd", hparams: Mapping[str, Any] | None = None, start=None,
             steps: int = 100, schedule=None, clip=None, grad_noise: float = 0.0,
             seed: int | None = None, max_param_norm: float = 1e6) -> Trace:
    """Run `optimizer` on `surface` for `steps` updates and return its `Trace`.

    `start` is a point (x, y), an (N, 2) array of N starts run at once, or None
    for the surface's default start. `schedule` is None, a name or
    {"name": ..., ...}; `clip` is {"norm": c} or {"value": c}; `grad_noise`
    adds seeded Gaussian noise of that standard deviation to every gradient.
    Bad input raises ValueError; divergence does not raise (see `status`).
    """
    problem = get_surface(surface, surface_params)
    if start is None:
        start = problem.start
    stepper = Stepper(problem, optimizer, hparams, start, schedule=schedule, clip=clip,
                      grad_noise=grad_noise, seed=seed, max_param_norm=max_param_norm)
    config = {"surface": problem.name, "surface_params": dict(problem.params),
              "optimizer": stepper.optimizer.name, "hparams": dict(stepper.hparams),
              "start": np.asarray(start, dtype=float).tolist(), "steps": steps,
              "schedule": stepper.schedule, "clip": stepper.clip, "grad_noise": stepper.grad_noise,
              "seed": seed, "max_param_norm": stepper.max_param_norm}
    return run_trace(stepper, steps, config)


def run_trace(stepper: Stepper, steps: int, config: dict) -> Trace:
    """Drive `stepper` for `steps` updates and collect its `Trace`."""
    rows_run = stepper.run(steps)
    ensemble = stepper.params.ndim == 2
    tail = []
    if ensemble:  # fixed length: every run has steps+1 rows, NaN after divergence
        tail = [stepper.record() for _ in range(steps + 1 - len(rows_run["step"]))]
        for offset, row in enumerate(tail):
            row["step"] = len(rows_run["step"]) + offset
    elif not stepper.finished:
        tail = [stepper.record()]
    rows = _concat(rows_run, stack_rows(tail, stepper))
    if ensemble:
        status = np.where(stepper.alive, "ok", "diverged")
        diverged_at = stepper.diverged_at.copy()
    else:
        status = "ok" if stepper.alive else "diverged"
        diverged_at = None if stepper.alive else int(stepper.diverged_at)
    return Trace(config=config, status=status, diverged_at=diverged_at, **rows)


def _concat(a: dict, b: dict) -> dict:
    out = {key: np.concatenate([a[key], b[key]]) for key in a if key != "state"}
    out["state"] = {name: np.concatenate([a["state"][name], b["state"][name]]) for name in a["state"]}
    return out
