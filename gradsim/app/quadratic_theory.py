"""What theory predicts for a run on a quadratic surface, for the overlays on the ordinary panels (Qt-free).

On a quadratic the Hessian H is the same everywhere, so its eigen-directions and eigenvalues say
everything: gradient descent contracts the distance to the minimum by ρ = max|1 − ηλᵢ| per step,
the heavy ball and Nesterov by the spectral radius of their two-step recursions (see
`gradsim.core.theory`). The loss gap, quadratic in the distance, then falls like (f₀ − f*)·ρ²ᵏ:
for gradient descent an upper bound at every step, for the two momentum methods the asymptotic
rate. The session reads H once per problem (`quadratic_info`); the window asks `predict` for each
run, draws `envelope` and prints `measured_rate` beside the prediction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core import theory
from ..core.expressions import sp, xy
from . import protocol as p

MIN_CURVATURE = 1e-12  # relative: below this the quadratic has no single minimum
GAP_FLOOR = 1e-280     # smaller loss gaps are near the end of float64 and lose their digits


def quadratic_info(problem) -> p.QuadraticTheory | None:
    """The Hessian's eigen-directions at the minimum of a quadratic surface (a built-in bowl, or a
    typed formula of degree 2 with positive curvature); None for anything else."""
    expr = getattr(problem, "expr", None)
    if expr is None or not _degree_two(expr):
        return None
    origin = np.zeros(2)
    with np.errstate(all="ignore"):
        _, grad = problem.loss_grad(origin)
        hessian = np.asarray(problem.hessian(origin), dtype=float)
    if not (np.all(np.isfinite(hessian)) and np.all(np.isfinite(grad))):
        return None
    eigenvalues, vectors = np.linalg.eigh(0.5 * (hessian + hessian.T))
    if eigenvalues.min() <= MIN_CURVATURE * max(1.0, abs(eigenvalues).max()):
        return None
    minimum = -np.linalg.solve(hessian, grad)
    return p.QuadraticTheory(tuple(float(v) for v in minimum), tuple(float(v) for v in eigenvalues),
                             tuple(tuple(float(v) for v in column) for column in vectors.T),
                             float(problem.loss(minimum)))


def _degree_two(expr) -> bool:
    try:
        return sp.Poly(expr, *xy()).total_degree() <= 2
    except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError, TypeError):
        return False


@dataclass(frozen=True)
class Prediction:
    method: str      # "gradient descent", "heavy ball" or "Nesterov"
    theory: str      # its name among the lessons' theories: "gd_envelope", "heavy_ball_envelope", ...
    rate: float      # predicted contraction of the distance to the minimum per step
    formula: str


METHODS = {  # optimizer → (what it is on a quadratic, the lessons' name of its envelope, its rate)
    "sgd": ("gradient descent", "gd_envelope", "max|1 − ηλᵢ|"),
    "momentum": ("heavy ball", "heavy_ball_envelope", "largest root of z² − (1 + β − ηλ)z + β"),
    "nesterov": ("Nesterov", "nesterov_envelope", "largest root of z² − (1 + β)(1 − ηλ)z + β(1 − ηλ)"),
}


def predict(quadratic: p.QuadraticTheory, optimizer: str, hparams: dict, *, schedule=None, clip=None,
            grad_noise: float = 0.0) -> Prediction | str:
    """The predicted per-step rate of a run, or a short reason why theory says nothing here."""
    if optimizer not in METHODS:
        return "the theory drawn here is for gradient descent, the heavy ball and Nesterov"
    if schedule and (schedule.get("name", "constant") != "constant" or schedule.get("warmup")):
        return "a schedule changes the rate from step to step"
    if clip:
        return "clipping changes the steps"
    if grad_noise:
        return "the gradient is noisy"
    if hparams.get("dampening", 0.0):
        return "dampening changes the momentum's recursion"
    decay = float(hparams.get("weight_decay", 0.0))
    if decay and any(abs(v) > 1e-12 for v in quadratic.minimum):
        return "weight decay moves the minimum"
    # An L2 penalty centred where the minimum is adds λ_wd to every curvature.
    eigenvalues = np.asarray(quadratic.eigenvalues) + decay
    lr, momentum = float(hparams["lr"]), float(hparams.get("momentum", 0.0))
    if optimizer != "sgd" and momentum == 0:
        optimizer = "sgd"  # PyTorch keeps no velocity then: plain gradient descent
    rate = theory.predicted_rate(optimizer, {"lr": lr, "momentum": momentum}, eigenvalues)
    return Prediction(*METHODS[optimizer][:2], rate, METHODS[optimizer][2])


def envelope(rate: float, gap0: float, f_star: float, steps: np.ndarray) -> np.ndarray:
    """f* + (f₀ − f*)·ρ²ᵏ at the given steps (NaN where it underflows)."""
    with np.errstate(all="ignore"):
        values = f_star + gap0 * np.exp(2.0 * np.asarray(steps, dtype=float) * np.log(rate)) if rate > 0 else \
            np.where(np.asarray(steps) == 0, f_star + gap0, f_star)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def measured_rate(steps: np.ndarray, loss: np.ndarray, f_star: float) -> float:
    """The run's own per-step contraction of the distance over the second half of its steps so far:
    exp(s/2), s the least-squares slope of its log loss gap against the step (as the lessons' rate
    claims measure it: an oscillating heavy ball gives its envelope's rate). `steps` may skip steps
    (a thinned history). Gaps at the end of the floating-point range are left out; NaN before two."""
    steps, gaps = np.asarray(steps, dtype=float), np.asarray(loss, dtype=float) - f_star
    half = len(gaps) // 2
    steps, gaps = steps[half:], gaps[half:]
    good = np.isfinite(gaps) & (gaps > GAP_FLOOR)
    if good.sum() < 2 or np.ptp(steps[good]) == 0:
        return math.nan
    slope = np.polyfit(steps[good], np.log(gaps[good]), 1)[0]
    return float(math.exp(slope / 2.0))
