"""Hyperparameter sweeps: one start, many settings, all stepped at once; with the theory beside them.

`sweep` varies one hyperparameter (a learning-rate sweep) or two (a phase diagram) over the
values given and runs every setting from the same start with the ensemble engine. Each
setting equals `simulate` with those hyperparameters (and `seed`) bit for bit.

`SweepTheory` is what the Hessian says at the minimum the base run (the hyperparameters as
given) ends in: the marks 1/λmax, 2/(λmin + λmax) and 2/λmax for a learning-rate axis, the
steps-to-tolerance predicted from max|1 − ηλᵢ| (gradient descent) or the heavy ball's
spectral radius (momentum), and for a rate × momentum diagram the heavy ball's stability
boundary η = 2(1 + β)/λmax and the critical damping curves β = (1 − √(ηλ))². On the quadratic
surface these are exact; elsewhere they hold near the minimum only (`local` is True).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from . import theory
from . import checks
from .ensembles import run_ensemble
from .minima import known_minima, lowest_known_loss
from .optimizers import get_optimizer
from .simulate import simulate
from .surfaces import Surface, get_surface


@dataclass
class SweepTheory:
    minimum: np.ndarray            # (2,) where the Hessian was taken
    eigenvalues: np.ndarray        # ascending
    local: bool                    # True off the quadratic surface: the marks hold near the minimum only
    marks: dict[str, float]        # {"1/λmax": ..., "2/(λmin+λmax)": ..., "2/λmax": ...}
    initial_gap: float             # f(start) − f(minimum)
    predicted_steps: np.ndarray | None = None   # along the lr axis (sgd, momentum); inf where it cannot converge
    boundary_lr: np.ndarray | None = None       # along the momentum axis: η = 2(1 + β)/λmax
    critical_momentum: dict[str, np.ndarray] = field(default_factory=dict)  # along the lr axis, per λ


@dataclass
class Sweep:
    """Results shaped by the grid: (n,) for one varied name, (n1, n2) for two (first name first)."""

    names: tuple[str, ...]
    values: dict[str, np.ndarray]  # one 1-D axis per varied name
    final_loss: np.ndarray
    steps_to_tol: np.ndarray       # first step meeting the tolerance, −1 if never
    diverged: np.ndarray           # bool
    diverged_at: np.ndarray        # −1 if never
    final: np.ndarray              # grid + (2,)
    criterion: str                 # "loss − f* ≤ tol" or "‖∇f‖ ≤ tol"
    f_star: float | None
    tol: float
    start: tuple[float, float]
    steps: int
    theory: SweepTheory | None = None
    config: dict = field(default_factory=dict)
    rows_done: int | None = None   # values of the first name computed so far: all of them once finished

    def __post_init__(self):
        if self.rows_done is None:
            self.rows_done = self.final_loss.shape[0]

    @property
    def complete(self) -> bool:
        return self.rows_done >= self.final_loss.shape[0]


def check_vary(optimizer_name: str, vary) -> dict[str, np.ndarray]:
    """{name: values} for one or two numeric hyperparameters of the optimizer, values 1-D and finite."""
    optimizer = get_optimizer(optimizer_name)
    if not isinstance(vary, Mapping) or not 1 <= len(vary) <= 2:
        raise ValueError("vary must map one or two hyperparameter names to their values, e.g. {'lr': values}")
    specs = {spec.name: spec for spec in optimizer.hparams}
    out = {}
    for name, values in vary.items():
        if name not in specs:
            optimizer.resolve({name: None})  # raises the usual "has no hyperparameter ... did you mean"
        if specs[name].kind is bool:
            raise ValueError(f"optimizer '{optimizer.name}' hyperparameter '{name}' is true or false; it cannot be swept")
        try:
            values = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"the values of '{name}' must be numbers") from None
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(f"the values of '{name}' must be a non-empty list of numbers")
        for value in values:  # every value checked against the range, as a single run would
            specs[name].coerce(float(value), f"optimizer '{optimizer.name}'")
        out[name] = values
    return out


def sweep(surface: str = "quadratic", surface_params: Mapping[str, Any] | None = None, optimizer: str = "sgd",
          hparams: Mapping[str, Any] | None = None, vary=None, start=None, steps: int = 200, tol: float = 1e-6,
          schedule=None, clip=None, grad_noise: float = 0.0, seed: int | None = None,
          max_param_norm: float = 1e6, progress: Callable[[int, int], None] | None = None) -> Sweep:
    """Run every setting of `vary` ({"lr": values} or two names) from `start` for `steps` updates.

    The other hyperparameters come from `hparams`. `tol`: a setting converges at the first step
    where loss − f* ≤ tol, f* the surface's lowest known minimum; on a surface with no known
    minima, where ‖∇f‖ ≤ tol (the exact gradient). Every setting uses noise seed `seed`.
    """
    *_, last = sweep_bands(surface, surface_params, optimizer, hparams, vary, start, steps, tol, schedule, clip,
                           grad_noise, seed, max_param_norm, progress, rows_per_band=None)
    return last


def sweep_bands(surface: str = "quadratic", surface_params: Mapping[str, Any] | None = None, optimizer: str = "sgd",
                hparams: Mapping[str, Any] | None = None, vary=None, start=None, steps: int = 200,
                tol: float = 1e-6, schedule=None, clip=None, grad_noise: float = 0.0, seed: int | None = None,
                max_param_norm: float = 1e6, progress: Callable[[int, int], None] | None = None, *,
                rows_per_band: int | None = None) -> Iterator[Sweep]:
    """`sweep` computed a band of values of the first varied name at a time, yielding the sweep
    after each; its first `rows_done` values hold results (NaN, −1 and False after them).
    `rows_per_band` None: all at once. The finished sweep equals `sweep`, setting by setting."""
    problem = get_surface(surface, surface_params)
    steps, tol = checks.steps(steps), checks.nonnegative("tol", tol)
    vary = check_vary(optimizer, vary)
    names = tuple(vary)
    axes = np.meshgrid(*vary.values(), indexing="ij")
    shape = axes[0].shape
    start = np.array(problem.start if start is None else checks.numbers("start", start, 2))
    if rows_per_band is not None and (isinstance(rows_per_band, bool) or not isinstance(rows_per_band, int)
                                      or rows_per_band < 1):
        raise ValueError(f"rows_per_band must be a whole number ≥ 1, got {rows_per_band!r}")
    n = int(np.prod(shape))
    f_star = lowest_known_loss(problem)
    base = dict(hparams or {})
    sweep_theory = local_theory(problem, optimizer, base, tuple(start), steps, vary, tol, schedule=schedule, clip=clip)
    config = {"surface": problem.name, "surface_params": dict(problem.params), "optimizer": optimizer,
              "hparams": base, "vary": {name: values.tolist() for name, values in vary.items()},
              "start": start.tolist(), "steps": steps, "tol": tol, "schedule": schedule, "clip": clip,
              "grad_noise": grad_noise, "seed": seed, "max_param_norm": max_param_norm}
    flat_axes = [axis.ravel() for axis in axes]
    final_loss, final = np.full(n, np.nan), np.full((n, 2), np.nan)
    steps_to_tol, diverged_at = np.full(n, -1), np.full(n, -1)
    per_row = n // shape[0]
    rows_per_band = shape[0] if rows_per_band is None else rows_per_band
    for first_row in range(0, shape[0], rows_per_band):
        band = slice(first_row * per_row, min(shape[0], first_row + rows_per_band) * per_row)
        settings = {**base, **{name: axis[band] for name, axis in zip(names, flat_axes)}}
        count = band.stop - band.start
        report = None if progress is None else (lambda done, total, at=band.start: progress(at + done, n))
        result = run_ensemble(problem, optimizer, settings, np.tile(start, (count, 1)), steps, tol=tol,
                              target=f_star, schedule=schedule, clip=clip, grad_noise=grad_noise,
                              noise_seeds=[seed] * count, max_param_norm=max_param_norm, progress=report)
        final_loss[band], final[band] = result.loss_final, result.final
        steps_to_tol[band], diverged_at[band] = result.steps_to_tol, result.diverged_at
        yield Sweep(names=names, values=vary, final_loss=final_loss.reshape(shape).copy(),
                    steps_to_tol=steps_to_tol.reshape(shape).copy(), diverged=(diverged_at >= 0).reshape(shape),
                    diverged_at=diverged_at.reshape(shape).copy(), final=final.reshape(*shape, 2).copy(),
                    criterion="‖∇f‖ ≤ tol" if f_star is None else "loss − f* ≤ tol", f_star=f_star,
                    tol=float(tol), start=(float(start[0]), float(start[1])), steps=steps, theory=sweep_theory,
                    config=config, rows_done=band.stop // per_row)


def local_theory(problem: Surface, optimizer: str, hparams: Mapping[str, Any], start, steps: int, vary, tol: float,
                 schedule=None, clip=None) -> SweepTheory | None:
    """The theory at the minimum the base run ends in (None if it ends in none: no Hessian to read).

    The minimum is the known one nearest the run's end, within 2% of the view's diagonal; on a
    surface without known minima, the run's end itself if the Hessian there is positive-definite.
    """
    run = simulate(surface=problem.name, surface_params=dict(problem.params), optimizer=optimizer, hparams=hparams,
                   start=start, steps=steps, schedule=schedule, clip=clip)
    end = run.params[-1]
    minima, _ = known_minima(problem)
    xmin, xmax, ymin, ymax = problem.view
    if len(minima):
        distance = np.hypot(*(minima - end).T)
        if run.status == "diverged" or distance.min() > 0.02 * np.hypot(xmax - xmin, ymax - ymin):
            nearest = minima[np.argmin(np.hypot(*(minima - np.asarray(start)).T))]  # the one nearest the start
        else:
            nearest = minima[np.argmin(distance)]
    elif problem.classify(end) == "minimum":
        nearest = end
    else:
        return None
    try:
        eigenvalues, _ = theory.hessian_eigen(problem, nearest)
        marks = theory.lr_marks(eigenvalues)
    except ValueError:
        return None
    with np.errstate(all="ignore"):
        gap = float(problem.loss(np.asarray(start, dtype=float)) - problem.loss(nearest))
    out = SweepTheory(minimum=np.asarray(nearest, dtype=float), eigenvalues=eigenvalues,
                      local=problem.name != "quadratic", marks=marks, initial_gap=gap)
    resolved = get_optimizer(optimizer).resolve(hparams)
    rates = None
    if "lr" in vary:
        lrs = vary["lr"]
        momentum = resolved.get("momentum", 0.0)
        if optimizer == "sgd" or (optimizer == "momentum" and "momentum" not in vary and momentum == 0):
            rates = theory.gd_rates(lrs, eigenvalues)
        elif optimizer == "momentum" and "momentum" not in vary and resolved["dampening"] == 0:
            rates = theory.heavy_ball_rates(lrs, momentum, eigenvalues)
        out.critical_momentum = {f"λ={lam:.4g}": theory.critical_damping_curve(lrs, float(lam)) for lam in eigenvalues}
    if "momentum" in vary and optimizer == "momentum":
        out.boundary_lr = theory.heavy_ball_boundary(vary["momentum"], eigenvalues)
    if rates is not None:
        out.predicted_steps = theory.predicted_steps(rates, gap, tol)
    return out
