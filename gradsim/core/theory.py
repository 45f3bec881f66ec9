"""What theory predicts for gradient descent and the heavy ball on a quadratic, from the Hessian.

On f(θ) = ½ θᵀHθ the error along each eigen-direction of H (eigenvalue λ) evolves on its own:
gradient descent multiplies it by (1 − ηλ) every step, so it converges when |1 − ηλ| < 1 for
every λ, i.e. η < 2/λmax, and the slowest direction sets the pace max|1 − ηλᵢ|, smallest at
η = 2/(λmin + λmax). The heavy ball (PyTorch's momentum: v ← βv + g, θ ← θ − ηv) follows
θₖ₊₁ = θₖ − ηHθₖ + β(θₖ − θₖ₋₁); along λ its two modes are the roots of z² − (1 + β − ηλ)z + β,
and its rate is the larger root's modulus. With η = 4/(√λmax + √λmin)² and
β = ((√κ − 1)/(√κ + 1))² (κ = λmax/λmin) every direction contracts by (√κ − 1)/(√κ + 1)
(Polyak 1964; Goh, "Why momentum really works", Distill 2017).

Rates here are per step and apply to the distance from the minimum; the loss, quadratic in the
distance, contracts by the square. Pure NumPy.
"""
from __future__ import annotations

import math

import numpy as np


def hessian_eigen(problem, point) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors (columns) of the problem's Hessian at `point`."""
    with np.errstate(all="ignore"):
        hessian = np.asarray(problem.hessian(np.asarray(point, dtype=float)), dtype=float)
    if not np.all(np.isfinite(hessian)):
        raise ValueError("the Hessian is not finite at this point")
    return np.linalg.eigh(0.5 * (hessian + hessian.T))


def gd_factors(lr: float, eigenvalues) -> np.ndarray:
    """|1 − ηλ| for each eigenvalue: gradient descent's contraction of each eigen-direction per step."""
    return np.abs(1.0 - lr * np.asarray(eigenvalues, dtype=float))


def gd_rate(lr: float, eigenvalues) -> float:
    """Gradient descent's per-step contraction of the distance to the minimum: max|1 − ηλᵢ|."""
    return float(gd_factors(lr, eigenvalues).max())


def heavy_ball_factors(lr: float, momentum: float, eigenvalues) -> np.ndarray:
    """For each eigenvalue, the larger modulus of the roots of z² − (1 + β − ηλ)z + β."""
    lam = np.asarray(eigenvalues, dtype=float)
    trace = 1.0 + momentum - lr * lam
    disc = (trace * trace - 4.0 * momentum).astype(complex)
    roots = np.stack([(trace + np.sqrt(disc)) / 2, (trace - np.sqrt(disc)) / 2])
    return np.abs(roots).max(axis=0)


def heavy_ball_rate(lr: float, momentum: float, eigenvalues) -> float:
    """The heavy ball's per-step contraction of the distance to the minimum (its spectral radius)."""
    return float(heavy_ball_factors(lr, momentum, eigenvalues).max())


def nesterov_factors(lr: float, momentum: float, eigenvalues) -> np.ndarray:
    """For each eigenvalue, the larger modulus of the roots of z² − (1 + β)(1 − ηλ)z + β(1 − ηλ).

    PyTorch's Nesterov (v ← βv + g, θ ← θ − η(g + βv)) along λ: with g = λθ the pair (θ, v) is
    multiplied by [[1 − ηλ(1 + β), −ηβ²], [λ, β]], whose trace is (1 + β)(1 − ηλ) and whose
    determinant is β(1 − ηλ) (Sutskever et al. 2013 give the same roots for their form)."""
    lam = np.asarray(eigenvalues, dtype=float)
    trace = (1.0 + momentum) * (1.0 - lr * lam)
    det = momentum * (1.0 - lr * lam)
    root = np.sqrt((trace * trace - 4.0 * det).astype(complex))
    return np.maximum(np.abs((trace + root) / 2), np.abs((trace - root) / 2))


def nesterov_rate(lr: float, momentum: float, eigenvalues) -> float:
    """Nesterov's per-step contraction of the distance to the minimum (its spectral radius)."""
    return float(nesterov_factors(lr, momentum, eigenvalues).max())


# The optimizers whose rate on a quadratic this module predicts, and the theory each follows.
RATE_THEORIES = {"sgd": "gradient descent", "momentum": "heavy ball", "nesterov": "Nesterov"}


def predicted_rate(optimizer: str, hparams: dict, eigenvalues) -> float:
    """The per-step contraction of the distance to the minimum that theory predicts for a run of
    `optimizer` (sgd, momentum or nesterov, constant rate, no dampening or weight decay) on a
    quadratic whose Hessian has these eigenvalues; raises ValueError for anything else."""
    if optimizer not in RATE_THEORIES:
        raise ValueError(f"no rate theory for {optimizer!r}; known: {', '.join(RATE_THEORIES)}")
    if hparams.get("dampening", 0.0) or hparams.get("weight_decay", 0.0):
        raise ValueError("the rate theory here has no dampening and no weight decay")
    lr, beta = float(hparams["lr"]), float(hparams.get("momentum", 0.0))
    if optimizer == "sgd" or beta == 0.0:
        return gd_rate(lr, eigenvalues)
    return heavy_ball_rate(lr, beta, eigenvalues) if optimizer == "momentum" else nesterov_rate(lr, beta, eigenvalues)


def lr_marks(eigenvalues) -> dict[str, float]:
    """The three rates worth marking on a learning-rate axis (positive curvature only)."""
    lam = np.asarray(eigenvalues, dtype=float)
    lo, hi = float(lam.min()), float(lam.max())
    if lo <= 0:
        raise ValueError("the marks need a positive-definite Hessian (a minimum)")
    return {"1/λmax": 1.0 / hi, "2/(λmin+λmax)": 2.0 / (lo + hi), "2/λmax": 2.0 / hi}


def optimal_heavy_ball(eigenvalues) -> tuple[float, float, float]:
    """(η, β, rate) of the best heavy ball on a quadratic with these eigenvalues."""
    lam = np.asarray(eigenvalues, dtype=float)
    lo, hi = float(lam.min()), float(lam.max())
    if lo <= 0:
        raise ValueError("the optimal heavy ball needs a positive-definite Hessian (a minimum)")
    root_kappa = math.sqrt(hi / lo)
    rate = (root_kappa - 1) / (root_kappa + 1)
    return 4.0 / (math.sqrt(hi) + math.sqrt(lo)) ** 2, rate * rate, rate


def critical_momentum(lr: float, eigenvalue: float) -> float:
    """The smallest β at which the heavy ball stops overshooting along λ: (1 − √(ηλ))²
    (below it both roots are real, above it they are complex and the error oscillates)."""
    return (1.0 - math.sqrt(lr * eigenvalue)) ** 2


def steps_to_tolerance(rate: float, initial_gap: float, tol: float) -> float:
    """Steps until the loss gap, contracting by rate² per step, falls to `tol` (inf if rate ≥ 1)."""
    if initial_gap <= tol:
        return 0.0
    if not 0 <= rate < 1:
        return math.inf
    if rate == 0:
        return 1.0
    return math.ceil(math.log(tol / initial_gap) / (2.0 * math.log(rate)))


def measured_rate(gaps, skip: int = 0) -> float:
    """The per-step contraction of the distance measured from a run's loss gaps f − f*:
    the geometric mean of √(gapₖ₊₁/gapₖ) over the finite, positive gaps after `skip` steps."""
    gaps = np.asarray(gaps, dtype=float)[skip:]
    good = np.isfinite(gaps) & (gaps > 0)
    index = np.nonzero(good)[0]
    if len(index) < 2:
        return math.nan
    first, last = index[0], index[-1]
    return float(math.exp((math.log(gaps[last]) - math.log(gaps[first])) / (2.0 * (last - first))))


def fitted_rate(gaps) -> float:
    """The per-step contraction of the distance fitted to a run's loss gaps f − f*: exp(s/2), with
    s the least-squares slope of log gap against the step over the finite, positive gaps. Unlike a
    ratio of the two ends, an oscillating run (complex roots) gives its envelope's rate whatever the
    phase at which the window starts and ends."""
    gaps = np.asarray(gaps, dtype=float)
    steps = np.arange(len(gaps))
    good = np.isfinite(gaps) & (gaps > 0)
    if good.sum() < 2:
        return math.nan
    slope = np.polyfit(steps[good], np.log(gaps[good]), 1)[0]
    return float(math.exp(slope / 2.0))


# --- curves for sweeps and phase diagrams (arrays a plot can draw) ----------------------------

def gd_rates(lrs, eigenvalues) -> np.ndarray:
    """max|1 − ηλᵢ| for each rate η in `lrs`: gradient descent's contraction per step."""
    lrs = np.asarray(lrs, dtype=float)
    lam = np.asarray(eigenvalues, dtype=float)
    return np.abs(1.0 - lrs[..., None] * lam).max(axis=-1)


def heavy_ball_rates(lrs, momenta, eigenvalues) -> np.ndarray:
    """The heavy ball's contraction per step for each pair (η, β), broadcast together."""
    lrs, momenta = np.broadcast_arrays(np.asarray(lrs, dtype=float), np.asarray(momenta, dtype=float))
    lam = np.asarray(eigenvalues, dtype=float)
    trace = 1.0 + momenta[..., None] - lrs[..., None] * lam
    root = np.sqrt((trace * trace - 4.0 * momenta[..., None]).astype(complex))
    return np.maximum(np.abs((trace + root) / 2), np.abs((trace - root) / 2)).max(axis=-1)


def predicted_steps(rates, initial_gap: float, tol: float) -> np.ndarray:
    """`steps_to_tolerance` for each rate: ⌈log(tol/gap₀) / (2 log rate)⌉, inf where rate ≥ 1."""
    rates = np.asarray(rates, dtype=float)
    return np.array([steps_to_tolerance(float(r), initial_gap, tol) for r in rates.ravel()]).reshape(rates.shape)


def heavy_ball_boundary(momenta, eigenvalues) -> np.ndarray:
    """The largest stable rate for each momentum β: η = 2(1 + β)/λmax.

    Along λ the roots of z² − (1 + β − ηλ)z + β lie inside the unit circle exactly when
    0 ≤ β < 1 and 0 < ηλ < 2(1 + β); β = 0 gives gradient descent's 2/λmax.
    """
    lam = np.asarray(eigenvalues, dtype=float)
    hi = float(lam.max())
    if hi <= 0:
        raise ValueError("the boundary needs a positive curvature")
    return 2.0 * (1.0 + np.asarray(momenta, dtype=float)) / hi


def critical_damping_curve(lrs, eigenvalue: float) -> np.ndarray:
    """β = (1 − √(ηλ))² for each η: below it the heavy ball creeps along λ, above it oscillates."""
    return (1.0 - np.sqrt(np.asarray(lrs, dtype=float) * eigenvalue)) ** 2
