"""Many runs at once: N starts, or N settings, stepped together, keeping only what is asked for.

`run_ensemble` steps one optimizer on one surface for N runs in a single vectorized loop. The
runs may differ by their start, by their hyperparameters (a value per run), or both. The caller
chooses what to keep:

- "final": the last point, its loss, the step each run diverged at, and the step at which each
  first met the tolerance (`steps_to_tol`); memory O(N) however many steps;
- "path": also every point and loss, (steps+1, N, D) and (steps+1, N);
- "trace": everything `simulate` records, as a `Trace` with (steps+1, N, ...) arrays.

Every run gives the numbers it gives alone (`simulate` with its start, its settings and the
seed `seed + i`, see core.noise) bit for bit: the same operations in the same order, per-run
hyperparameters rounded as scalars would be. What makes it fast is what it does not do: the
common optimizers step through in-place twins of their rules (core.kernels) that write straight
into the trace's rows, or over the previous state when only the end is kept; the output arrays
are allocated once, in memory reused from earlier ensembles (core.buffers); runs are stepped in
cache-sized chunks; divergence is checked with three reductions per step (the exact per-run test
runs only when they flag something); nothing is copied or concatenated at the end.

A run diverges as in `Stepper`: its point, loss or gradient stops being finite, or the point's
norm passes `max_param_norm`. It stays at its last finite point; in kept rows it reads NaN
from its divergence on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from . import buffers
from .minima import lowest_known_loss
from .noise import NoiseBlocks, check_seed, run_seeds
from .kernels import kernel_for
from .optimizers import Optimizer, get_optimizer
from .schedules import make_lr_fn
from .trace import Trace
from .surfaces import get_surface
from . import checks
from .stepper import _check_nonnegative, _check_start, clip_gradient, resolve_clip

KEEPS = ("final", "path", "trace")
# A chunk's (runs, D) arrays stay about this small, so that a step's dozens of them stay in the CPU's
# caches (measured: `benchmarks/bench_ensemble.py`): larger when little is recorded, smaller when every
# step writes ten arrays out.
CHUNK_BYTES = {"final": 256 * 1024, "path": 128 * 1024, "trace": 96 * 1024}
# (Two threads stepping chunks side by side were slower: the GIL is taken between every NumPy call.)


@dataclass
class Ensemble:
    """What `run_ensemble` kept of N runs.

    Always: `final` (N, D), the last finite point of each run; `loss_final` (N,) its loss (NaN
    where the start itself was not finite); `grad_final` (N, D) the exact gradient there (no
    noise); `diverged_at` (N,), the step that broke, −1 if none; `steps_to_tol` (N,), the first
    step k (0 … steps) at which the run met the tolerance, −1 if never (None without `tol`).
    With keep="path": `path` (steps+1, N, D) and `path_loss` (steps+1, N). With keep="trace":
    `trace`, a `Trace` as `simulate` returns for N starts.
    """

    keep: str
    steps: int
    final: np.ndarray
    loss_final: np.ndarray
    grad_final: np.ndarray
    diverged_at: np.ndarray
    steps_to_tol: np.ndarray | None = None
    path: np.ndarray | None = None
    path_loss: np.ndarray | None = None
    trace: Trace | None = None

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0


@dataclass(frozen=True)
class Criterion:
    """When a run counts as converged: loss − target ≤ tol, or (target None) ‖∇f‖ ≤ tol.

    `target` is one number (f*) or one per run. The gradient is the exact one, without noise.
    """

    tol: float
    target: float | np.ndarray | None = None

    @property
    def text(self) -> str:
        return "‖∇f‖ ≤ tol" if self.target is None else "loss − f* ≤ tol"


def resolve_settings(optimizer: Optimizer, hparams: Mapping[str, Any] | None, n: int) -> dict[str, Any]:
    """Hyperparameters for n runs: each value one number for all, or a sequence of n (one per run).

    Every run's settings are checked as a single run's would be. Per-run values come back as
    (n, 1) columns, which broadcast against (n, D) parameters.
    """
    hparams = dict(hparams or {})
    per_run = {name: value for name, value in hparams.items() if np.ndim(value) > 0}
    shared = optimizer.resolve({name: value for name, value in hparams.items() if name not in per_run})
    specs = {spec.name: spec for spec in optimizer.hparams}
    columns = {}
    for name, values in per_run.items():
        if name in specs and specs[name].kind is bool:
            raise ValueError(f"optimizer '{optimizer.name}' hyperparameter '{name}' is true or false; "
                             "it cannot take one value per run")
        values = np.asarray(values, dtype=object)
        if values.shape != (n,):
            raise ValueError(f"hyperparameter '{name}' needs one value per run: {n} values, got shape {values.shape}")
        columns[name] = values
    for i in range(n) if columns else ():  # check each run's settings as a single run's
        optimizer.resolve({**shared, **{name: values[i] for name, values in columns.items()}})
    resolved = dict(shared)
    for name, values in columns.items():
        kind = specs[name].kind
        resolved[name] = np.array([kind(v) if kind is int else float(v) for v in values], dtype=float)[:, None]
    return resolved


def run_ensemble(problem, optimizer: str | Optimizer, hparams: Mapping[str, Any] | None, starts, steps: int, *,
                 keep: str = "final", tol: float | None = None, target=None, schedule=None, clip=None,
                 grad_noise: float = 0.0, seed: int | None = None, noise_seeds=None,
                 max_param_norm: float = 1e6, invalid_starts: str = "raise",
                 progress: Callable[[int, int], None] | None = None, config: dict | None = None) -> Ensemble:
    """Step `optimizer` on `problem` from N `starts` (N, D) for `steps` updates, all at once.

    `hparams` values are numbers, or sequences of N numbers for one value per run (see
    `resolve_settings`). `tol` counts `steps_to_tol`: with `target` (f*, a number or one per
    run) the first step at which loss − target ≤ tol, without it the first at which the exact
    gradient's norm ‖∇f‖ ≤ tol. Noise: run i draws from `default_rng(seed + i)` (or from the
    seeds in `noise_seeds`, one per run). A start whose loss or gradient is not finite raises
    ValueError, or with `invalid_starts="diverge"` counts as diverged at step 0.
    `progress(done, total)` is called after each chunk of runs (raise from it to stop).
    """
    if keep not in KEEPS:
        raise ValueError(f"keep must be one of {', '.join(KEEPS)}, got {keep!r}")
    if invalid_starts not in ("raise", "diverge"):
        raise ValueError(f"invalid_starts must be 'raise' or 'diverge', got {invalid_starts!r}")
    optimizer = optimizer if isinstance(optimizer, Optimizer) else get_optimizer(optimizer)
    starts = _check_starts(starts, problem.dim)
    n = len(starts)
    steps = checks.steps(steps)
    hp = resolve_settings(optimizer, hparams, n)
    schedule_config, lr_at = make_lr_fn(schedule)
    clip = resolve_clip(clip)
    grad_noise = checks.grad_noise(grad_noise)
    max_param_norm = checks.max_param_norm(max_param_norm)
    seed = check_seed(seed)
    if noise_seeds is None:
        noise_seeds = run_seeds(seed, n)
    elif len(noise_seeds) != n:
        raise ValueError(f"noise_seeds needs one seed per run: {n}, got {len(noise_seeds)}")
    criterion = None
    if tol is not None:
        tol = _check_nonnegative("tol", tol)
        if target is not None:
            target = np.asarray(target, dtype=float)
            if target.shape not in ((), (n,)):
                raise ValueError(f"target must be one number or one per run ({n}), got shape {target.shape}")
            target = float(target) if target.ndim == 0 else target
        criterion = Criterion(tol, target)

    out = _Outputs(keep, steps, n, problem.dim, optimizer, hp)
    job = _Job(problem, optimizer, lr_at, clip, grad_noise, max_param_norm ** 2, criterion, invalid_starts == "raise")

    def run(rows: slice) -> None:
        chunk_hp = {name: value[rows] if isinstance(value, np.ndarray) else value for name, value in hp.items()}
        chunk_target = criterion.target[rows] if criterion and isinstance(criterion.target, np.ndarray) else None
        _run_chunk(job, starts[rows], chunk_hp, noise_seeds[rows] if grad_noise > 0 else None,
                   chunk_target, steps, out, rows)

    for rows in _chunks(n, problem.dim, CHUNK_BYTES[keep]):
        run(rows)
        if progress is not None:
            progress(rows.stop, n)

    result = Ensemble(keep, steps, out.final, out.loss_final, out.grad_final, out.diverged_at,
                      np.where(out.reached, out.count, -1) if criterion else None)
    out.blank_after_divergence()
    if keep == "path":
        result.path, result.path_loss = out.params, out.loss
    elif keep == "trace":
        config = config if config is not None else {}
        config = {**config, "optimizer": optimizer.name, "schedule": schedule_config, "clip": clip,
                  "grad_noise": grad_noise, "seed": seed, "max_param_norm": max_param_norm, "steps": steps}
        result.trace = Trace(config=config, step=np.arange(steps + 1), params=out.params, loss=out.loss,
                             grad=out.grad, lr=out.lr, lr_eff=out.lr_eff, update=out.update, state=out.state,
                             status=np.where(out.diverged_at >= 0, "diverged", "ok"),
                             diverged_at=out.diverged_at.copy())
    return result


def ensemble(surface: str = "rosenbrock", surface_params: Mapping[str, Any] | None = None, optimizer: str = "sgd",
             hparams: Mapping[str, Any] | None = None, starts=None, steps: int = 100, keep: str = "final",
             tol: float | None = None, schedule=None, clip=None, grad_noise: float = 0.0, seed: int | None = None,
             max_param_norm: float = 1e6, progress: Callable[[int, int], None] | None = None) -> Ensemble:
    """`run_ensemble` on a named surface: N `starts` (N, 2), hyperparameters shared or one per run.

    `tol`: a run converges at the first step where loss − f* ≤ tol, f* the surface's lowest known
    minimum; on a surface with no known minima, where ‖∇f‖ ≤ tol. Run i's noise is seeded seed + i.
    """
    problem = get_surface(surface, surface_params)
    target = lowest_known_loss(problem) if tol is not None else None
    config = {"surface": problem.name, "surface_params": dict(problem.params), "hparams": dict(hparams or {})}
    return run_ensemble(problem, optimizer, hparams, starts, steps, keep=keep, tol=tol, target=target,
                        schedule=schedule, clip=clip, grad_noise=grad_noise, seed=seed,
                        max_param_norm=max_param_norm, progress=progress, config=config)


# --- inside ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    problem: Any
    optimizer: Optimizer
    lr_at: Callable
    clip: dict | None
    grad_noise: float
    max_norm_sq: float
    criterion: Criterion | None
    raise_invalid: bool


class _Outputs:
    """Arrays allocated once for all N runs; each chunk writes its columns."""

    def __init__(self, keep: str, steps: int, n: int, dim: int, optimizer: Optimizer, hp: dict):
        self.keep = keep
        self.final = np.empty((n, dim))
        self.loss_final = np.empty(n)
        self.grad_final = np.empty((n, dim))
        self.diverged_at = np.full(n, -1)
        self.reached = np.zeros(n, dtype=bool)
        self.count = np.zeros(n, dtype=int)  # the first step each run met the tolerance, where reached
        rows = steps + 1
        if keep in ("path", "trace"):  # see core.buffers; every row of these is written
            self.params = buffers.empty((rows, n, dim))
            self.loss = buffers.empty((rows, n))
        if keep == "trace":
            self.grad = buffers.empty((rows, n, dim))
            self.lr_eff = buffers.empty((rows, n, dim))
            self.update = buffers.empty((rows, n, dim))
            per_run_lr = isinstance(hp["lr"], np.ndarray)
            self.lr = np.empty((rows, n) if per_run_lr else rows)
            self.state = None  # named once the first chunk shows the optimizer's state (allocate_state)

    def allocate_state(self, state: dict) -> None:
        """The trace's state arrays, shaped like this (N, ...) state, unless they exist."""
        if self.state is None:
            rows, n = self.params.shape[:2]
            # zeros: a state the optimizer leaves at its zero start is not written (see _run_chunk)
            self.state = {name: buffers.zeros((rows, n, *np.shape(value)[1:])) for name, value in state.items()}

    def blank_after_divergence(self) -> None:
        if self.keep == "final" or not np.any(self.diverged_at >= 0):
            return
        arrays = [self.params, self.loss]
        if self.keep == "trace":
            arrays += [self.grad, self.lr_eff, self.update, *self.state.values()]
        # Runs grouped by the step they broke at: each group's rows from there on, and no other cell.
        runs = np.flatnonzero(self.diverged_at >= 0)
        runs = runs[np.argsort(self.diverged_at[runs], kind="stable")]
        at = self.diverged_at[runs]
        firsts = np.flatnonzero(np.diff(at, prepend=-1))
        for first, stop in zip(firsts, [*firsts[1:], len(runs)]):
            for array in arrays:
                array[at[first]:, runs[first:stop]] = np.nan


def _run_chunk(job: _Job, starts: np.ndarray, hp: dict, noise_seeds, target, steps: int, out: _Outputs,
               rows: slice) -> None:
    problem, optimizer = job.problem, job.optimizer
    keep, criterion = out.keep, job.criterion
    n = len(starts)
    with np.errstate(all="ignore"):
        # Kept only at the end, a chunk's (N, D) arrays are stored column by column (F order): every
        # coordinate is then one contiguous vector, which a surface's formula reads several times
        # faster. (Elementwise, the numbers are the same in either order.)
        params = np.array(starts, order="F" if keep == "final" else "C")
        loss, grad = problem.loss_grad(params, 0)
        loss = np.array(loss, dtype=float)
        alive = np.isfinite(loss) & np.isfinite(np.einsum("ij,ij->i", grad, grad))
        invalid = ~alive
        if invalid.any():
            if job.raise_invalid:
                raise ValueError(f"the loss or its gradient is not finite at start {rows.start + int(np.argmax(invalid))}")
            out.diverged_at[rows][invalid] = 0
            bad_loss, bad_grad = loss[invalid], grad[invalid]
            loss[invalid], grad[invalid] = 0.0, 0.0  # so that they never trip the checks below
        any_dead = any_invalid = invalid.any()
        held = np.flatnonzero(invalid)  # runs that no longer move
        frozen_norms = 0.0  # their points' squared norms, summed: a constant the quick test subtracts
        state = optimizer.init(params, hp)
        # State the optimizer hands back untouched from its zero start (Adam's v_max without AMSGrad)
        # is not copied into the trace, whose arrays are zeros until written.
        zero_state = {name: value for name, value in state.items() if not (np.any(value) or np.signbit(value).any())}
        kernel = None if optimizer.needs_hessian else kernel_for(optimizer, hp)
        if kernel is not None:  # the in-place twin of the update (core.kernels): no copies, no allocation
            scratch = (np.empty_like(params), np.empty_like(params))
            if keep == "trace":
                out.allocate_state(state)
            else:  # the state is updated in place, the point alternates between two arrays
                into = {"delta": np.empty_like(params), "lr_eff": None, **state}
                spare = np.empty_like(params)
        noise = NoiseBlocks(noise_seeds, params.shape[1]) if noise_seeds is not None else None
        base_lr = hp["lr"]
        tol_sq = None
        if criterion is not None:
            hits = _FirstHits(out.reached[rows], out.count[rows])
            goal = criterion.target if target is None else target
            tol_sq = criterion.tol * criterion.tol
            gap = np.empty(n)  # reused every step
        if keep != "final":
            params = out.params[0, rows]
            params[...] = starts

        for k in range(steps + 1):
            if keep != "final":
                out.loss[k, rows] = loss
            if criterion is not None:
                if goal is None:
                    np.less_equal(np.einsum("ij,ij->i", grad, grad, out=gap), tol_sq, out=hits.row())
                else:
                    np.less_equal(np.subtract(loss, goal, out=gap), criterion.tol, out=hits.row())
            if k == steps and keep != "trace":
                break
            raw = grad if noise is None else grad + job.grad_noise * noise.at(k)
            lr = job.lr_at(k, base_lr.copy() if isinstance(base_lr, np.ndarray) else base_lr)
            clipped = clip_gradient(raw, job.clip)
            if kernel is None:
                hessian = problem.hessian(params, k) if optimizer.needs_hessian else None
                step = optimizer.update(clipped, state, params, hp, lr, k + 1, hessian)
            else:
                if keep == "trace":
                    into = {"delta": out.update[k, rows], "lr_eff": out.lr_eff[k, rows],
                            **{name: array[k, rows] for name, array in out.state.items()}}
                step = kernel(clipped, state, params, hp, lr, k + 1, into, scratch)
            if keep == "trace":
                _record_update(out, k, rows, raw, lr, step, zero_state, into if kernel else None)
                if k == steps:
                    break
            if keep != "final":
                moved = np.add(params, step.delta, out=out.params[k + 1, rows])
            elif kernel is not None:
                moved, spare = np.add(params, step.delta, out=spare), params
            else:
                moved = params + step.delta
            if any_dead:  # a diverged run stays where it was
                _hold(moved, params, held)
            new_loss, new_grad = problem.loss_grad(moved, k + 1)
            if any_invalid:
                new_loss[invalid], new_grad[invalid] = 0.0, 0.0
            # Three reductions say whether every run is fine; only if not, the exact per-run test.
            # (einsum, not vdot: OpenBLAS runs a long dot product in threads, which stall on a busy machine)
            total = float(np.add.reduce(new_loss)) + float(np.einsum("ij,ij->", new_grad, new_grad))
            norms = float(np.einsum("ij,ij->", moved, moved)) - frozen_norms
            if not (math.isfinite(total) and norms <= 0.5 * job.max_norm_sq):
                ok = ((np.einsum("ij,ij->i", moved, moved) <= job.max_norm_sq) & np.isfinite(new_loss)
                      & np.isfinite(np.einsum("ij,ij->i", new_grad, new_grad)))
                broke = alive & ~ok
                if broke.any():
                    out.diverged_at[rows.start + np.nonzero(broke)[0]] = k + 1
                    alive &= ~broke
                    any_dead = True
                    held = np.flatnonzero(~alive)
                    moved[broke], new_loss[broke], new_grad[broke] = params[broke], loss[broke], grad[broke]
                    frozen_norms += float(np.einsum("ij,ij->", moved[broke], moved[broke]))
            params, loss, grad, state = moved, new_loss, new_grad, step.state

        if criterion is not None:
            hits.fold()
        out.final[rows] = params
        out.grad_final[rows] = grad
        out.loss_final[rows] = loss
        if invalid.any():
            out.reached[rows.start + np.nonzero(invalid)[0]] = False  # their zeroed loss met no tolerance
            out.loss_final[rows.start + np.nonzero(invalid)[0]] = bad_loss
            out.grad_final[rows.start + np.nonzero(invalid)[0]] = bad_grad


class _FirstHits:
    """The first step at which each run met the tolerance (`count`, where `reached`).

    Each step's test is written into a block of rows and the block is folded into the counts once
    full: two NumPy calls a step instead of five.
    """

    BLOCK = 64

    def __init__(self, reached: np.ndarray, count: np.ndarray):
        self.reached, self.count = reached, count
        self.block = np.empty((self.BLOCK, len(reached)), dtype=bool)
        self.first = self.filled = 0  # the step of the block's row 0; rows written

    def row(self) -> np.ndarray:
        """Where to write the next step's test (one bool per run)."""
        if self.filled == self.BLOCK:
            self.fold()
        self.filled += 1
        return self.block[self.filled - 1]

    def fold(self) -> None:
        rows = self.block[:self.filled]
        newly = rows.any(axis=0) & ~self.reached
        if newly.any():
            self.count[newly] = self.first + rows[:, newly].argmax(axis=0)
            self.reached |= newly
        self.first += self.filled
        self.filled = 0


def _hold(moved: np.ndarray, params: np.ndarray, runs: np.ndarray) -> None:
    """moved[runs] = params[runs], a coordinate at a time (several times faster than a masked copy)."""
    for j in range(moved.shape[1]):
        column = moved[:, j]
        column[runs] = params[runs, j]


def _record_update(out: _Outputs, k: int, rows: slice, raw, lr, step, zero_state: dict, into: dict | None) -> None:
    """Row k of the trace: what the update from it did (what a kernel wrote in place is there already)."""
    out.grad[k, rows] = raw
    if isinstance(lr, np.ndarray):
        out.lr[k, rows] = lr[:, 0]
    else:
        out.lr[k] = lr
    into = into or {}
    if step.lr_eff is not into.get("lr_eff"):
        out.lr_eff[k, rows] = step.lr_eff
    if step.delta is not into.get("delta"):
        out.update[k, rows] = step.delta
    out.allocate_state(step.state)
    for name, value in step.state.items():
        if value is not zero_state.get(name) and value is not into.get(name):
            out.state[name][k, rows] = value


def _chunks(n: int, dim: int, chunk_bytes: int) -> list[slice]:
    """n runs cut into equal chunks of at most `chunk_bytes` per (runs, D) array."""
    largest = max(1, chunk_bytes // (8 * dim))
    count = -(-n // largest)
    size = -(-n // count)
    return [slice(first, min(first + size, n)) for first in range(0, n, size)]


def _check_starts(starts, dim: int) -> np.ndarray:
    starts = _check_start(starts, dim)
    if starts.ndim != 2:
        raise ValueError(f"starts must have shape (N, {dim}), got shape {starts.shape}")
    return starts
