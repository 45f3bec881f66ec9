"""The step loop: one optimizer on one problem, for one run or many at once.

`Stepper` is what a notebook, the command line and the app's worker thread
all drive. It holds the parameters, the optimizer state and the seeded
noise stream; `step()` takes one update, `run(n, time_budget)` takes up to n
and returns the rows it produced, so a worker can step in short slices.
Hyperparameters, schedule and clipping can change between steps without
losing the optimizer's state, and `snapshot()`/`restore()` rewind a run.

Row k of a trace describes the point reached after k updates: the
parameters, the loss, the raw gradient (noise included, before clipping),
the scheduled rate lr(k), and the update taken from there (its effective
learning rate, its change `update` and the optimizer state it produced).

A run diverges when its parameters, loss or gradient stop being finite or
the parameter norm passes `max_param_norm`. The run stops there and keeps
its last finite point; `diverged_at[run]` is the step that would have
broken, so rows 0 … diverged_at−1 are its finite history.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from . import checks
from .noise import check_seed, generators, run_seeds
from .optimizers import Optimizer, Step, get_optimizer
from .schedules import make_lr_fn

CLIP_NORM_EPS = 1e-6  # as torch.nn.utils.clip_grad_norm_


def resolve_clip(clip: Mapping[str, float] | None) -> dict | None:
    """None, {"norm": c} or {"value": c}, checked."""
    if clip is None or clip == {}:
        return None
    if not isinstance(clip, Mapping) or len(clip) != 1 or next(iter(clip)) not in ("norm", "value"):
        raise ValueError(f"clip must be {{'norm': c}} or {{'value': c}}, got {clip!r}")
    (kind, threshold), = clip.items()
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(f"clip {kind} must be a number, got {threshold!r}") from None
    if not (threshold > 0 and np.isfinite(threshold)):
        raise ValueError(f"clip {kind} must be a positive finite number, got {threshold!r}")
    return {kind: threshold}


def clip_gradient(grad: np.ndarray, clip: dict | None) -> np.ndarray:
    """Clip by global norm (per run: over the last axis) or by value, as torch.nn.utils does."""
    if clip is None:
        return grad
    if "value" in clip:
        return np.clip(grad, -clip["value"], clip["value"])
    norm = np.sqrt(np.einsum("...i,...i->...", grad, grad))
    coef = np.minimum(clip["norm"] / (norm + CLIP_NORM_EPS), 1.0)
    return grad * coef[..., None]


@dataclass
class Pending:
    """What the optimizer will do from the current point (computed once, then cached)."""

    raw_grad: np.ndarray
    lr: float
    step: Step


@dataclass(frozen=True)
class Snapshot:
    k: int
    params: np.ndarray
    state: dict
    alive: np.ndarray
    diverged_at: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    rng_state: tuple[dict, ...]
    noise: tuple[int, np.ndarray] | None
    hparams: dict


class Stepper:
    """Steps `optimizer` on `problem` from `start` (shape (D,) or (N, D) for N runs at once).

    `problem` provides loss_grad(points, k) -> (loss, grad) and hessian(points, k), where k is
    the update count (a network draws the mini-batch of update k from it), and may provide
    diagnostics(params, k, loss, grad, lr_eff, update) -> {name: value}, recorded with each row.
    """

    def __init__(self, problem, optimizer: str | Optimizer, hparams: Mapping[str, Any] | None = None,
                 start=None, *, schedule=None, clip=None, grad_noise: float = 0.0,
                 seed: int | None = None, max_param_norm: float = 1e6):
        self.problem = problem
        self.optimizer = optimizer if isinstance(optimizer, Optimizer) else get_optimizer(optimizer)
        self.hparams = self.optimizer.resolve(hparams)
        self.schedule, self._lr_at = make_lr_fn(schedule)
        self.clip = resolve_clip(clip)
        self.grad_noise = checks.grad_noise(grad_noise)
        self.max_param_norm = checks.max_param_norm(max_param_norm)
        self._max_norm_sq = self.max_param_norm ** 2
        self.seed = check_seed(seed)
        params = _check_start(start, problem.dim)
        # One noise stream per run: run i of an ensemble is seeded seed + i (see core.noise).
        self._rngs = generators([seed] if params.ndim == 1 else run_seeds(seed, len(params)))

        with np.errstate(all="ignore"):
            loss, grad = problem.loss_grad(params, 0)
        bad = ~(np.isfinite(loss) & np.all(np.isfinite(grad), axis=-1))
        if np.any(bad):
            where = "" if params.ndim == 1 else f" for start {int(np.argmax(bad))}"
            raise ValueError(f"the loss or its gradient is not finite at the start point{where}")
        self.k = 0
        self.params, self.loss, self.grad = params, loss, grad
        self.state = self.optimizer.init(params, self.hparams)
        self.alive = np.ones(params.shape[:-1], dtype=bool)
        self.diverged_at = np.full(params.shape[:-1], -1)
        self._finished = False
        self._any_dead = False
        self._noise: tuple[int, np.ndarray] | None = None
        self._pending: Pending | None = None
        self._diagnose = getattr(problem, "diagnostics", None)

    # --- live changes -------------------------------------------------------------------
    def set_hparams(self, **changes) -> None:
        """Change hyperparameters from the next update on; the optimizer state is kept."""
        self.hparams = self.optimizer.resolve({**self.hparams, **changes})
        self._pending = None

    def set_schedule(self, schedule) -> None:
        self.schedule, self._lr_at = make_lr_fn(schedule)
        self._pending = None

    def set_clip(self, clip) -> None:
        self.clip = resolve_clip(clip)
        self._pending = None

    def set_grad_noise(self, grad_noise: float) -> None:
        self.grad_noise = checks.grad_noise(grad_noise)
        self._noise = None
        self._pending = None

    @property
    def finished(self) -> bool:
        """True once every run has diverged."""
        return self._finished

    # --- stepping -----------------------------------------------------------------------
    def pending(self) -> Pending:
        """The update the optimizer takes from the current point (not yet applied)."""
        with np.errstate(all="ignore"):
            return self._pending_update()

    def step(self) -> bool:
        """Take one update; False when every run has diverged (nothing more will move)."""
        with np.errstate(all="ignore"):
            return self._advance()

    def _pending_update(self) -> Pending:
        if self._pending is None:
            raw = self.grad
            if self.grad_noise > 0:
                if self._noise is None or self._noise[0] != self.k:
                    draws = [rng.standard_normal(self.params.shape[-1]) for rng in self._rngs]
                    self._noise = (self.k, draws[0] if self.params.ndim == 1 else np.stack(draws))
                raw = raw + self.grad_noise * self._noise[1]
            lr = self._lr_at(self.k, self.hparams["lr"])
            hessian = self.problem.hessian(self.params, self.k) if self.optimizer.needs_hessian else None
            step = self.optimizer.update(clip_gradient(raw, self.clip), self.state, self.params,
                                         self.hparams, lr, self.k + 1, hessian)
            self._pending = Pending(raw, lr, step)
        return self._pending

    def _advance(self) -> bool:
        # Callers hold np.errstate(all="ignore"): overflow here is divergence, reported, not warned.
        if self.finished:
            return False
        pending = self._pending_update()
        params = self.params + pending.step.delta
        loss, grad = self.problem.loss_grad(params, self.k + 1)
        state = pending.step.state
        if params.ndim == 1:  # one run: plain float checks are several times cheaper
            ok = (math.isfinite(loss) and math.isfinite(grad.dot(grad))
                  and params.dot(params) <= self._max_norm_sq)
            if not ok:
                self.alive = np.array(False)
                self.diverged_at = np.array(self.k + 1)
                self._finished = self._any_dead = True
                self._pending = None
                return False
        else:
            ok = ((np.einsum("...i,...i->...", params, params) <= self._max_norm_sq)
                  & np.isfinite(loss) & np.isfinite(np.einsum("...i,...i->...", grad, grad)))
            if not ok.all():
                keep = ok & self.alive
                self.diverged_at[self.alive & ~ok] = self.k + 1
                self.alive &= ok
                self._finished = not self.alive.any()
                self._any_dead = True
                params = np.where(keep[..., None], params, self.params)
                loss = np.where(keep, loss, self.loss)
                grad = np.where(keep[..., None], grad, self.grad)
                # A diverged run's state is left to run on: its rows are blanked and it never moves again.
        self.params, self.loss, self.grad, self.state = params, loss, grad, state
        self.k += 1
        self._pending = None
        return not self._finished

    def record(self) -> dict[str, Any]:
        """Row k: the current point and the update the optimizer takes from it."""
        with np.errstate(all="ignore"):
            return self._record()

    def _record(self) -> dict[str, Any]:
        pending = self._pending_update()
        row = {"step": self.k, "params": self.params, "loss": self.loss, "grad": pending.raw_grad,
               "lr": pending.lr, "lr_eff": pending.step.lr_eff, "update": pending.step.delta,
               "state": pending.step.state, "extra": self._diagnostics(pending)}
        if self._any_dead:
            row = _blank_dead(row, self.alive)
        return row

    def _diagnostics(self, pending: Pending) -> dict[str, Any]:
        if self._diagnose is None:
            return {}
        return self._diagnose(self.params, self.k, self.loss, pending.raw_grad, pending.step.lr_eff,
                              pending.step.delta)

    def run(self, n: int, time_budget: float | None = None, clock=time.perf_counter) -> dict[str, Any]:
        """Take up to n updates (fewer if `time_budget` seconds pass, as `clock` tells, or every
        run diverges); at least one, whatever the budget.

        Returns the rows of the points left behind, stacked: "step" (m,), "params"
        (m, ..., D), "loss", "grad", "lr", "lr_eff", "update" and "state" {name: array}.
        """
        n = _check_steps(n)
        deadline = None if time_budget is None else clock() + time_budget
        rows = RowBuffer(min(n, 256))
        with np.errstate(all="ignore"):
            while rows.count < n and not self._finished:
                if self._any_dead:
                    rows.append(self._record())
                else:  # the common case, without building a row dict
                    p = self._pending_update()
                    rows.append_values([self.k, self.params, self.loss, p.raw_grad, p.lr, p.step.lr_eff,
                                        p.step.delta], p.step.state, self._diagnostics(p))
                self._advance()
                if deadline is not None and clock() >= deadline:
                    break
        return rows.arrays() if rows.count else stack_rows([], self.record())

    # --- rewinding ----------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        return Snapshot(self.k, self.params, dict(self.state), self.alive.copy(), self.diverged_at.copy(),
                        self.loss, self.grad, tuple(rng.bit_generator.state for rng in self._rngs), self._noise,
                        dict(self.hparams))

    def restore(self, snap: Snapshot) -> None:
        self.k, self.params, self.state = snap.k, snap.params, dict(snap.state)
        self.alive, self.diverged_at = snap.alive.copy(), snap.diverged_at.copy()
        self._finished = not self.alive.any()
        self._any_dead = not self.alive.all()
        self.loss, self.grad, self._noise = snap.loss, snap.grad, snap.noise
        for rng, state in zip(self._rngs, snap.rng_state):
            rng.bit_generator.state = state
        self.hparams = dict(snap.hparams)
        self._pending = None


class RowBuffer:
    """Rows written straight into growing arrays: one copy per value, none when stacking at the end.

    (Keeping every row's arrays and stacking them afterwards copies each twice, which for
    ensembles of thousands of runs cost more than the stepping itself.)
    """

    FIELDS = ("step", "params", "loss", "grad", "lr", "lr_eff", "update")

    def __init__(self, capacity: int):
        self.capacity = max(1, capacity)
        self.count = 0
        self._columns: list[np.ndarray] = []
        self._state_names: tuple[str, ...] = ()
        self._extra_names: tuple[str, ...] = ()

    def append(self, row: dict) -> None:
        self.append_values([row[key] for key in self.FIELDS], row["state"], row.get("extra", {}))

    def append_values(self, values: list, state: dict, extra: dict) -> None:
        """`values` in the order of FIELDS; `state` and `extra` by name."""
        if not self._columns:
            self.allocate(values, state, extra)
        elif self.count == self.capacity:
            self._grow()
        values = values + [state[name] for name in self._state_names] + [extra[name] for name in self._extra_names]
        i = self.count
        for column, value in zip(self._columns, values):
            column[i] = value
        self.count += 1

    def allocate(self, values: list, state: dict, extra: dict) -> None:
        """Columns shaped like this row's values (so that even an empty buffer has its shapes)."""
        self._state_names, self._extra_names = tuple(state), tuple(extra)
        values = values + [state[name] for name in self._state_names] + [extra[name] for name in self._extra_names]
        self._columns = [np.empty((self.capacity, *np.shape(v)), dtype=int if i == 0 else float)
                         for i, v in enumerate(values)]

    def _grow(self) -> None:
        self.capacity *= 2
        for j, column in enumerate(self._columns):
            grown = np.empty((self.capacity, *column.shape[1:]), dtype=column.dtype)
            grown[:self.count] = column[:self.count]
            self._columns[j] = grown

    def arrays(self) -> dict[str, Any]:
        columns = [column[:self.count] for column in self._columns]
        out = dict(zip(self.FIELDS, columns))
        n_state = len(self.FIELDS) + len(self._state_names)
        out["state"] = dict(zip(self._state_names, columns[len(self.FIELDS):n_state]))
        out["extra"] = dict(zip(self._extra_names, columns[n_state:]))
        return out


def stack_rows(rows: list[dict], template: dict) -> dict[str, Any]:
    """Rows from `Stepper.record` as arrays with a leading step axis (shaped like `template`)."""
    buffer = RowBuffer(len(rows))
    buffer.allocate([template[key] for key in RowBuffer.FIELDS], template["state"], template.get("extra", {}))
    for row in rows:
        buffer.append(row)
    return buffer.arrays()


def _blank_dead(row: dict, alive: np.ndarray) -> dict:
    # A diverged run of an ensemble shows NaN from its divergence on.
    def blank(value):
        value = np.array(value, dtype=float, copy=True)
        value[~alive] = np.nan
        return value
    out = {**row, "state": {name: blank(value) for name, value in row["state"].items()},
           "extra": {name: blank(value) for name, value in row.get("extra", {}).items()}}
    for key in ("params", "loss", "grad", "lr_eff", "update"):
        out[key] = blank(row[key])
    return out


def _check_start(start, dim: int) -> np.ndarray:
    if start is None:
        raise ValueError("a start point is needed")
    try:
        params = np.array(start, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"start must be numbers, got {start!r}") from None
    if params.ndim not in (1, 2) or params.shape[-1] != dim:
        raise ValueError(f"start must have shape ({dim},) or (N, {dim}), got shape {params.shape}")
    if params.size == 0:
        raise ValueError("start holds no points")
    if not np.all(np.isfinite(params)):
        raise ValueError(f"start must be finite, got {start!r}" if params.ndim == 1 else "start must be finite")
    return params


def _check_steps(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"steps must be a whole number, got {n!r}")
    if n < 0:
        raise ValueError(f"steps must not be negative, got {n}")
    return int(n)


def _check_nonnegative(name: str, value) -> float:
    return checks.nonnegative(name, value)

