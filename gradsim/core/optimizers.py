"""Optimizers as pure functions over named state.

Each optimizer is an `Optimizer` record: its hyperparameters as data, the names
and meanings of its state, and two pure functions in the style of optax:

    state = init(params, hp)
    step = update(grad, state, params, hp, lr, t, hessian)

`update` never changes its inputs; it returns a `Step` holding the parameter
change `delta` (params_next = params + delta), the new state and the
per-parameter effective learning rate `lr_eff`. `lr` is this step's scheduled
learning rate and `t` the 1-based update count. Arrays have any shape whose
last axis is the parameter axis, so one call steps many runs at once; a
hyperparameter (or `lr`) may then be an array of per-run values shaped to
broadcast against them, (N, 1) for N runs, and each run still rounds exactly
as it would alone (see `_pow`, `_lerp` and `_where_any`).

The torch.optim ones follow the pseudo-code of PyTorch 2.x (float64,
single-tensor path) operation by operation; `tests/make_goldens.py` checks it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, NamedTuple

import numpy as np

from .specs import HParam, resolve_values, unknown_name_error

State = dict[str, np.ndarray]


class Step(NamedTuple):
    delta: np.ndarray
    state: State
    lr_eff: np.ndarray


@dataclass(frozen=True)
class Optimizer:
    name: str
    title: str
    hparams: tuple[HParam, ...]
    state_docs: Mapping[str, str]
    init: Callable[[np.ndarray, dict], State]
    update: Callable[..., Step]
    lr_eff_doc: str
    reference: str
    needs_hessian: bool = False
    check: Callable[[dict], None] | None = field(default=None, repr=False)

    @property
    def rule(self) -> str:
        """The update rule as the course writes it (the update function's docstring)."""
        return (self.update.__doc__ or "").strip()

    def resolve(self, hparams: Mapping | None = None) -> dict:
        """Defaults filled in and every value checked; raises ValueError naming the problem."""
        values = resolve_values(self.hparams, hparams, f"optimizer '{self.name}'")
        if self.check is not None:
            self.check(values)
        return values


# --- shared hyperparameter specs --------------------------------------------------------

def _lr(default: float) -> HParam:
    return HParam("lr", default, 0.0, 1e3, "log", "η", "learning rate: the size of each step")


def _eps(default: float) -> HParam:
    return HParam("eps", default, 0.0, 1.0, "log", "ε", "small constant that keeps the division finite",
                  low_open=True)


_WEIGHT_DECAY = HParam("weight_decay", 0.0, 0.0, 10.0, "linear", "λ",
                       "L2 penalty: adds λθ to the gradient")
_MOMENTUM = HParam("momentum", 0.9, 0.0, 1.0, "linear", "α",
                   "fraction of the previous velocity kept at each step", high_open=True)
_BETA1 = HParam("beta1", 0.9, 0.0, 1.0, "linear", "β₁",
                "decay rate of the running mean of gradients (first moment)", high_open=True)
_BETA2 = HParam("beta2", 0.999, 0.0, 1.0, "linear", "β₂",
                "decay rate of the running mean of squared gradients (second moment)", high_open=True)


def _lerp(start, end, weight):
    """start + weight·(end − start), rounded as torch.lerp rounds it (running means match to the last bit)."""
    if isinstance(weight, np.ndarray):  # per-run weights: each run takes the branch it would take alone
        return np.where(weight < 0.5, start + weight * (end - start), end - (end - start) * (1.0 - weight))
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def _pow(base, exponent):
    """base ** exponent as Python computes it, also for per-run arrays.

    NumPy's vectorized power can differ from the C library's in the last bit; a run inside an
    ensemble must round exactly as it does alone.
    """
    if isinstance(base, np.ndarray) or isinstance(exponent, np.ndarray):
        base, exponent = np.broadcast_arrays(base, exponent)
        values = [b ** e for b, e in zip(base.ravel().tolist(), exponent.ravel().tolist())]
        return np.array(values, dtype=float).reshape(base.shape)
    return base ** exponent


def _where_any(flag, changed, unchanged):
    """`changed` where `flag` holds; with a per-run array of flags, chosen run by run."""
    if isinstance(flag, np.ndarray):
        return np.where(flag, changed(), unchanged) if flag.any() else unchanged
    return changed() if flag else unchanged


def _with_weight_decay(grad, params, weight_decay):
    """g + λθ (L2 penalty), only where λ ≠ 0, so that a run without it keeps its gradient to the bit."""
    return _where_any(weight_decay != 0, lambda: grad + weight_decay * params, grad)


def _zeros(*names: str) -> Callable[[np.ndarray], State]:
    def init(params: np.ndarray, hp: dict) -> State:
        return {name: np.zeros_like(params) for name in names}
    return init


# --- gradient descent and momentum ------------------------------------------------------

def sgd_update(grad, state, params, hp, lr, t, hessian=None):
    """θ ← θ − η (g + λθ)

    Steepest descent: a step of size η against the gradient.
    """
    grad = _with_weight_decay(grad, params, hp["weight_decay"])
    return Step(-lr * grad, state, np.full_like(grad, lr))


def _heavy_ball(grad, state, params, hp, lr, t, nesterov: bool):
    grad = _with_weight_decay(grad, params, hp["weight_decay"])
    mu = hp["momentum"]
    if not np.any(mu) if isinstance(mu, np.ndarray) else mu == 0:  # PyTorch keeps no velocity then
        return Step(-lr * grad, state, np.full_like(grad, lr))
    if t == 1:  # PyTorch starts the velocity at the first gradient, undamped
        velocity = grad
    else:
        velocity = mu * state["velocity"] + (1.0 - hp.get("dampening", 0.0)) * grad
    direction = grad + mu * velocity if nesterov else velocity
    if isinstance(mu, np.ndarray):  # runs without momentum among runs with it step as plain descent
        direction = np.where(mu == 0, grad, direction)
        velocity = np.where(mu == 0, state["velocity"], velocity)
    return Step(-lr * direction, {"velocity": velocity}, np.full_like(grad, lr))


def momentum_update(grad, state, params, hp, lr, t, hessian=None):
    """v ← α v + (1 − τ) g ;  θ ← θ − η v      (v₁ = g₁)

    Heavy-ball momentum (Polyak 1964) in PyTorch's form: the velocity v is a
    running sum of past gradients, so steps grow along a consistent direction
    and oscillations across a valley cancel. τ is the dampening.
    """
    return _heavy_ball(grad, state, params, hp, lr, t, nesterov=False)


def nesterov_update(grad, state, params, hp, lr, t, hessian=None):
    """v ← α v + g ;  θ ← θ − η (g + α v)      (v₁ = g₁)

    Nesterov's accelerated gradient in the form of Sutskever et al. (2013),
    as PyTorch implements it: the step looks ahead along the velocity.
    """
    return _heavy_ball(grad, state, params, hp, lr, t, nesterov=True)


# --- adaptive learning rates ------------------------------------------------------------

def adagrad_update(grad, state, params, hp, lr, t, hessian=None):
    """r ← r + g² ;  θ ← θ − η_t g / (√r + ε),   η_t = η / (1 + (t − 1)·decay)

    Adagrad (Duchi, Hazan & Singer 2011): each parameter's rate shrinks with
    the sum of its squared gradients, so it only ever decreases.
    """
    clr = lr / (1.0 + (t - 1) * hp["lr_decay"])
    sum_sq = state["sum_sq"] + grad * grad
    denom = np.sqrt(sum_sq) + hp["eps"]
    return Step((-clr * grad) / denom, {"sum_sq": sum_sq}, clr / denom)


def _adagrad_init(params, hp):
    return {"sum_sq": np.full_like(params, hp["initial_accumulator_value"])}


def rmsprop_update(grad, state, params, hp, lr, t, hessian=None):
    """r ← ρ r + (1 − ρ) g² ;  θ ← θ − η g / (√r + ε)

    RMSProp (Hinton 2012): Adagrad with a decaying average, so the rate can
    recover. Centered: divide by the standard deviation √(r − ḡ²) instead,
    with ḡ the running mean of g. Momentum: b ← μ b + g/(√r + ε), θ ← θ − η b.
    """
    alpha = hp["alpha"]
    sq_avg = alpha * state["sq_avg"] + ((1.0 - alpha) * grad) * grad
    new = {"sq_avg": sq_avg, "grad_avg": state["grad_avg"], "velocity": state["velocity"]}
    if hp["centered"]:
        grad_avg = _lerp(state["grad_avg"], grad, 1.0 - alpha)
        new["grad_avg"] = grad_avg
        avg = np.sqrt(sq_avg - grad_avg * grad_avg) + hp["eps"]
    else:
        avg = np.sqrt(sq_avg) + hp["eps"]
    mu = hp["momentum"]
    if isinstance(mu, np.ndarray):  # per-run momentum: each run takes its own branch
        velocity = mu * state["velocity"] + grad / avg
        new["velocity"] = np.where(mu > 0, velocity, state["velocity"])
        delta = np.where(mu > 0, -lr * velocity, (-lr * grad) / avg)
    elif mu > 0:
        new["velocity"] = mu * state["velocity"] + grad / avg
        delta = -lr * new["velocity"]
    else:
        delta = (-lr * grad) / avg
    return Step(delta, new, lr / avg)


def adadelta_update(grad, state, params, hp, lr, t, hessian=None):
    """r ← ρ r + (1 − ρ) g² ;  Δθ = −(RMS[Δθ] / RMS[g]) g ;  s ← ρ s + (1 − ρ) Δθ² ;  θ ← θ + η Δθ

    Adadelta (Zeiler 2012): RMS[x] = √(E[x²] + ε). The ratio of the RMS of past
    updates to the RMS of gradients sets the step, so no rate needs tuning
    (η = 1 is Zeiler's method; PyTorch allows scaling it).
    """
    rho, eps = hp["rho"], hp["eps"]
    sq_avg = rho * state["sq_avg"] + ((1.0 - rho) * grad) * grad
    ratio = np.sqrt(state["delta_sq_avg"] + eps) / np.sqrt(sq_avg + eps)
    change = ratio * grad
    delta_sq_avg = rho * state["delta_sq_avg"] + ((1.0 - rho) * change) * change
    return Step(-lr * change, {"sq_avg": sq_avg, "delta_sq_avg": delta_sq_avg}, lr * ratio)


def _adam_core(grad, state, hp, lr, t):
    beta1, beta2 = hp["beta1"], hp["beta2"]
    m = _lerp(state["m"], grad, 1.0 - beta1)
    v = beta2 * state["v"] + ((1.0 - beta2) * grad) * grad
    v_max = np.maximum(state["v_max"], v) if hp["amsgrad"] else state["v_max"]
    if hp.get("bias_correction", True):
        bias_correction1 = 1.0 - _pow(beta1, t)
        bias_correction2_sqrt = _pow(1.0 - _pow(beta2, t), 0.5)
    else:  # Kingma & Ba's ablation (section 6.4): the moments keep their bias towards zero
        bias_correction1 = bias_correction2_sqrt = 1.0
    denom = np.sqrt(v_max if hp["amsgrad"] else v) / bias_correction2_sqrt + hp["eps"]
    delta = ((-lr / bias_correction1) * m) / denom
    return Step(delta, {"m": m, "v": v, "v_max": v_max}, lr / denom)


def adam_update(grad, state, params, hp, lr, t, hessian=None):
    """m ← β₁ m + (1 − β₁) g ;  v ← β₂ v + (1 − β₂) g²
    m̂ = m / (1 − β₁ᵗ) ;  v̂ = v / (1 − β₂ᵗ) ;  θ ← θ − η m̂ / (√v̂ + ε)

    Adam (Kingma & Ba 2015): momentum on the gradient plus RMSProp's scaling,
    both bias-corrected for their zero start. Weight decay λ adds λθ to g.
    AMSGrad (Reddi et al. 2018) divides by the running maximum of v instead.
    """
    return _adam_core(_with_weight_decay(grad, params, hp["weight_decay"]), state, hp, lr, t)


def adamw_update(grad, state, params, hp, lr, t, hessian=None):
    """θ ← θ − ηλθ, then the Adam step

    AdamW (Loshchilov & Hutter 2019): weight decay taken out of the gradient
    and applied straight to the parameters, so it is not rescaled by √v̂.
    """
    delta, new_state, lr_eff = _adam_core(grad, state, hp, lr, t)
    wd = hp["weight_decay"]
    delta = _where_any(wd != 0, lambda: delta - (lr * wd) * params, delta)
    return Step(delta, new_state, lr_eff)


def adamax_update(grad, state, params, hp, lr, t, hessian=None):
    """m ← β₁ m + (1 − β₁) g ;  u ← max(β₂ u, |g| + ε) ;  θ ← θ − η m / ((1 − β₁ᵗ) u)

    Adamax (Kingma & Ba 2015, §7.1): Adam with the infinity norm in place of
    the root mean square.
    """
    beta1 = hp["beta1"]
    m = _lerp(state["m"], grad, 1.0 - beta1)
    u = np.maximum(hp["beta2"] * state["u"], np.abs(grad) + hp["eps"])
    clr = lr / (1.0 - _pow(beta1, t))
    return Step((-clr * m) / u, {"m": m, "u": u}, lr / u)


def nadam_update(grad, state, params, hp, lr, t, hessian=None):
    """μ_t = β₁ (1 − ½·0.96^(tψ)) ;  m ← β₁ m + (1 − β₁) g ;  v ← β₂ v + (1 − β₂) g²
    θ ← θ − η [ (1 − μ_t) g / (1 − Πμ) + μ_{t+1} m / (1 − Πμ·μ_{t+1}) ] / (√v̂ + ε)

    Nadam (Dozat 2016): Adam with Nesterov's look-ahead on the first moment;
    ψ is the momentum decay that warms μ_t up to β₁.
    """
    beta1, beta2, psi = hp["beta1"], hp["beta2"], hp["momentum_decay"]
    mu = beta1 * (1.0 - 0.5 * _pow(0.96, t * psi))
    mu_next = beta1 * (1.0 - 0.5 * _pow(0.96, (t + 1) * psi))
    # Π μ depends on t and the run's settings only, so it is the same for every parameter of a run:
    # one float will do, or one per run when the settings vary.
    if isinstance(mu, np.ndarray):
        mu_product = state["mu_product"][..., :1] * mu
    else:
        mu_product = float(state["mu_product"].flat[0]) * mu
    m = _lerp(state["m"], grad, 1.0 - beta1)
    v = beta2 * state["v"] + ((1.0 - beta2) * grad) * grad
    denom = np.sqrt(v / (1.0 - _pow(beta2, t))) + hp["eps"]
    delta = ((-lr * (1.0 - mu) / (1.0 - mu_product)) * grad) / denom
    delta = delta + (((-lr * mu_next) / (1.0 - mu_product * mu_next)) * m) / denom
    return Step(delta, {"m": m, "v": v, "mu_product": np.full_like(grad, mu_product)}, lr / denom)


def _nadam_init(params, hp):
    return {"m": np.zeros_like(params), "v": np.zeros_like(params), "mu_product": np.ones_like(params)}


# --- sign- and secant-based methods ----------------------------------------------------

def rprop_update(grad, state, params, hp, lr, t, hessian=None):
    """Δᵢ ← η⁺Δᵢ if gᵢ·gᵢ_prev > 0, η⁻Δᵢ if < 0, clipped to [Δmin, Δmax] ;  θᵢ ← θᵢ − sign(gᵢ)Δᵢ

    Rprop (Riedmiller & Braun 1993), PyTorch's variant: only the sign of the
    gradient is used; after a sign change the step is skipped and the
    gradient forgotten, so the next step does not grow.
    """
    if t == 1:
        step_size = np.full_like(grad, lr)
        prev_grad = np.zeros_like(grad)
    else:
        step_size, prev_grad = state["step_size"], state["prev_grad"]
    agreement = np.sign(grad * prev_grad)  # +1: same sign as before, −1: it flipped, 0: a zero
    factor = np.where(agreement > 0, hp["eta_plus"], np.where(agreement < 0, hp["eta_minus"], 1.0))
    step_size = np.minimum(np.maximum(step_size * factor, hp["step_size_min"]), hp["step_size_max"])
    grad = grad * (agreement >= 0)  # after a flip: no step now, and no flip detected next time
    return Step(-np.sign(grad) * step_size, {"step_size": step_size, "prev_grad": grad}, step_size)


def _rprop_check(hp):
    if hp["step_size_min"] > hp["step_size_max"]:
        raise ValueError("optimizer 'rprop': step_size_min must not exceed step_size_max")


def quickprop_update(grad, state, params, hp, lr, t, hessian=None):
    """cᵢ = (gᵢ − gᵢ_prev) / Δθᵢ_prev ;  Δθᵢ = −gᵢ / cᵢ, with |Δθᵢ| ≤ μ|Δθᵢ_prev| ;  else Δθᵢ = −η gᵢ

    Quickprop (Fahlman 1988): per parameter, fit a parabola through the last
    two gradients (a secant estimate c of the second derivative) and jump to
    its minimum. This variant takes the secant step only where it makes sense:
    a previous step exists and the secant curvature is positive. Elsewhere,
    including the first step, it takes a plain gradient step η g. The secant
    step is limited to μ (max_growth) times the previous step.
    """
    prev_step = state["prev_step"]
    with np.errstate(divide="ignore", invalid="ignore"):
        curvature = (grad - state["prev_grad"]) / prev_step
        secant_rate = 1.0 / curvature
        growth_limit = hp["max_growth"] * np.abs(prev_step) / np.abs(grad)
        use_secant = (prev_step != 0) & (curvature > 0) & np.isfinite(secant_rate)
        rate = np.where(use_secant, np.minimum(secant_rate, growth_limit), lr)
    delta = -rate * grad
    return Step(delta, {"prev_grad": grad, "prev_step": delta}, rate)


def newton_update(grad, state, params, hp, lr, t, hessian=None):
    """θ ← θ − η H⁻¹ g

    Newton's method with step damping η: jump to the stationary point of the
    local quadratic model. On a quadratic with η = 1 it lands there in one
    step, be it a minimum, a maximum or a saddle. A singular H uses the
    pseudo-inverse.
    """
    inverse = np.linalg.pinv(hessian)
    delta = -lr * np.einsum("...ij,...j->...i", inverse, grad)
    return Step(delta, state, lr * np.diagonal(inverse, axis1=-2, axis2=-1))


def _no_state(params, hp):
    return {}


# --- the registry -------------------------------------------------------------------------

_ADAM_HPARAMS = (_lr(1e-3), _BETA1, _BETA2, _eps(1e-8), _WEIGHT_DECAY,
                 HParam("amsgrad", False, kind=bool, symbol="AMSGrad",
                        help="divide by the running maximum of v̂ (AMSGrad)"),
                 HParam("bias_correction", True, kind=bool, symbol="bias corr.",
                        help="divide m and v by 1 − βᵗ (off: the uncorrected moments of the paper's section 6.4)"))
_ADAM_STATE = {"m": "first moment: running mean of gradients",
               "v": "second moment: running mean of squared gradients",
               "v_max": "running maximum of v (AMSGrad only)"}
_LR_ADAM = "η / (√v̂ + ε): the factor applied to the bias-corrected first moment m̂"

OPTIMIZERS: dict[str, Optimizer] = {opt.name: opt for opt in (
    Optimizer(
        "sgd", "Gradient descent",
        (_lr(0.01), _WEIGHT_DECAY),
        {}, _no_state, sgd_update,
        "η", "Cauchy (1847); Robbins & Monro (1951); torch.optim.SGD"),
    Optimizer(
        "momentum", "Momentum",
        (_lr(0.01), _MOMENTUM,
         HParam("dampening", 0.0, 0.0, 1.0, "linear", "τ",
                "fraction of the new gradient removed before adding it to the velocity"),
         _WEIGHT_DECAY),
        {"velocity": "running sum of past gradients, decayed by α"},
        _zeros("velocity"), momentum_update,
        "η: the factor applied to the velocity", "Polyak (1964); torch.optim.SGD(momentum=α)"),
    Optimizer(
        "nesterov", "Nesterov momentum",
        (_lr(0.01), _MOMENTUM, _WEIGHT_DECAY),
        {"velocity": "running sum of past gradients, decayed by α"},
        _zeros("velocity"), nesterov_update,
        "η: the factor applied to the look-ahead direction g + αv",
        "Nesterov (1983); Sutskever et al. (2013); torch.optim.SGD(nesterov=True)"),
    Optimizer(
        "adagrad", "Adagrad",
        (_lr(0.01),
         HParam("lr_decay", 0.0, 0.0, 10.0, "linear", "decay", "η_t = η / (1 + (t − 1)·decay)"),
         _eps(1e-10),
         HParam("initial_accumulator_value", 0.0, 0.0, 1e3, "linear", "r₀",
                "starting value of the sum of squared gradients")),
        {"sum_sq": "sum of squared gradients r"},
        _adagrad_init, adagrad_update,
        "η_t / (√r + ε)", "Duchi, Hazan & Singer (2011); torch.optim.Adagrad"),
    Optimizer(
        "rmsprop", "RMSProp",
        (_lr(0.01),
         HParam("alpha", 0.99, 0.0, 1.0, "linear", "ρ", "decay rate of the running mean of squared gradients"),
         _eps(1e-8),
         HParam("momentum", 0.0, 0.0, 1.0, "linear", "μ", "momentum on the scaled gradient", high_open=True),
         HParam("centered", False, kind=bool, symbol="centered",
                help="divide by the gradient's running standard deviation instead of its RMS")),
        {"sq_avg": "running mean of squared gradients r",
         "grad_avg": "running mean of gradients ḡ (centered only)",
         "velocity": "momentum buffer b (momentum > 0 only)"},
        _zeros("sq_avg", "grad_avg", "velocity"), rmsprop_update,
        "η / (√r + ε), or η / (√(r − ḡ²) + ε) when centered",
        "Hinton, Neural Networks for Machine Learning, lecture 6e (2012); torch.optim.RMSprop"),
    Optimizer(
        "adadelta", "Adadelta",
        (_lr(1.0),
         HParam("rho", 0.9, 0.0, 1.0, "linear", "ρ", "decay rate of both running means"),
         _eps(1e-6)),
        {"sq_avg": "running mean of squared gradients E[g²]",
         "delta_sq_avg": "running mean of squared updates E[Δθ²]"},
        _zeros("sq_avg", "delta_sq_avg"), adadelta_update,
        "η · RMS[Δθ] / RMS[g], with RMS[x] = √(E[x²] + ε) and E[Δθ²] from before this step",
        "Zeiler (2012), arXiv:1212.5701; torch.optim.Adadelta"),
    Optimizer(
        "adam", "Adam", _ADAM_HPARAMS, _ADAM_STATE, _zeros("m", "v", "v_max"), adam_update,
        _LR_ADAM, "Kingma & Ba (2015), arXiv:1412.6980; torch.optim.Adam"),
    Optimizer(
        "adamw", "AdamW",
        (*_ADAM_HPARAMS[:4],
         HParam("weight_decay", 1e-2, 0.0, 10.0, "linear", "λ",
                "decoupled weight decay: θ shrinks by ηλθ each step"),
         *_ADAM_HPARAMS[5:]),
        _ADAM_STATE, _zeros("m", "v", "v_max"), adamw_update,
        _LR_ADAM, "Loshchilov & Hutter (2019), arXiv:1711.05101; torch.optim.AdamW"),
    Optimizer(
        "adamax", "Adamax",
        (_lr(2e-3), _BETA1,
         HParam("beta2", 0.999, 0.0, 1.0, "linear", "β₂", "decay rate of the infinity norm u", high_open=True),
         _eps(1e-8)),
        {"m": "first moment: running mean of gradients",
         "u": "exponentially weighted infinity norm of gradients"},
        _zeros("m", "u"), adamax_update,
        "η / u: the factor applied to the bias-corrected first moment",
        "Kingma & Ba (2015), section 7.1; torch.optim.Adamax"),
    Optimizer(
        "nadam", "Nadam",
        (_lr(2e-3), _BETA1, _BETA2, _eps(1e-8),
         HParam("momentum_decay", 4e-3, 0.0, 1.0, "log", "ψ", "how fast μ_t warms up to β₁")),
        {"m": "first moment: running mean of gradients",
         "v": "second moment: running mean of squared gradients",
         "mu_product": "product of the momentum coefficients μ₁…μ_t"},
        _nadam_init, nadam_update,
        "η / (√v̂ + ε): the factor applied to the look-ahead combination of g and m",
        "Dozat (2016), Incorporating Nesterov momentum into Adam; torch.optim.NAdam"),
    Optimizer(
        "rprop", "Rprop",
        (_lr(0.01),
         HParam("eta_minus", 0.5, 0.0, 1.0, "linear", "η⁻", "factor that shrinks the step after a sign change",
                low_open=True, high_open=True),
         HParam("eta_plus", 1.2, 1.0, 100.0, "linear", "η⁺", "factor that grows the step while the sign holds",
                low_open=True),
         HParam("step_size_min", 1e-6, 0.0, 1e3, "log", "Δmin", "smallest step size"),
         HParam("step_size_max", 50.0, 0.0, 1e6, "log", "Δmax", "largest step size", low_open=True)),
        {"step_size": "per-parameter step size Δ", "prev_grad": "gradient of the previous step (0 after a sign change)"},
        _zeros("step_size", "prev_grad"), rprop_update,
        "the step size Δ: the distance moved, whatever the gradient's magnitude",
        "Riedmiller & Braun (1993); torch.optim.Rprop", check=_rprop_check),
    Optimizer(
        "quickprop", "Quickprop",
        (_lr(0.01),
         HParam("max_growth", 1.75, 1.0, 100.0, "linear", "μ",
                "largest ratio of a step to the previous one", low_open=True)),
        {"prev_grad": "gradient of the previous step", "prev_step": "previous parameter change Δθ"},
        _zeros("prev_grad", "prev_step"), quickprop_update,
        "1/c for a secant step (or μ|Δθ_prev|/|g| when limited), η for a gradient step: Δθ = −rate·g",
        "Fahlman (1988), An empirical study of learning speed in back-propagation networks, CMU-CS-88-162"),
    Optimizer(
        "newton", "Newton's method",
        (HParam("lr", 1.0, 0.0, 1e3, "log", "η", "damping: the fraction of the Newton step taken"),),
        {}, _no_state, newton_update,
        "η·[H⁻¹]ᵢᵢ: the diagonal of the preconditioner η H⁻¹ (negative along directions of negative curvature)",
        "Nocedal & Wright, Numerical Optimization (2006), chapter 3", needs_hessian=True),
)}


def get_optimizer(name: str) -> Optimizer:
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise unknown_name_error("optimizer", name, OPTIMIZERS) from None
