"""An optimizer's update rule with one step's numbers put in, for one parameter.

`explain` turns a recorded step (the gradient, the state before and after, the learning rate,
the update) into lines such as

    m ← β₁·m + (1 − β₁)·g      m = 0.9·0.0812 + (1 − 0.9)·(−1.25) = −0.05192

Every number on the right is the engine's own, and every line's `numbers` text is an expression
that evaluates (with √, ·, −, ², ^, |…|, max, min, sign) to its `value`: `tests/test_equations.py`
writes them with seventeen digits, evaluates them and compares with what the optimizer computed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .optimizers import get_optimizer
from .stepper import clip_gradient


@dataclass(frozen=True)
class Line:
    rule: str  # the rule in symbols: "m ← β₁·m + (1 − β₁)·g"
    name: str  # the quantity it gives: "m"
    numbers: str | None  # the rule with this step's numbers, or None where it cannot be written out
    value: float


class _Numbers:
    """One parameter's numbers for one step, formatted to `digits` significant digits."""

    def __init__(self, values: dict[str, float], digits: int):
        self.values, self.digits = values, digits

    def __getitem__(self, key: str) -> str:
        return self.text(self.values[key])

    def text(self, x: float) -> str:
        if isinstance(x, (bool, np.bool_, int, np.integer)):  # a step count or a switch
            return str(int(x))
        x = float(x)
        if x == 0:
            return "0"
        body = f"{x:.{self.digits}g}".replace("-", "−").replace("inf", "∞")
        return f"({body})" if x < 0 else body

    def line(self, rule: str, name: str, template: str | None, value) -> Line:
        numbers = None if template is None else template.format_map(self)
        return Line(rule, name, numbers, float(value))


def _weight_decay(n: _Numbers, lines: list, values: dict) -> None:
    """g ← g + λθ (the coupled L2 penalty); updates values["g"]."""
    if values.get("weight_decay"):
        values["g"] = values["g"] + values["weight_decay"] * values["theta"]
        lines.append(n.line("g ← g + λθ", "g", "{g_in} + {weight_decay}·{theta}", values["g"]))


def _sgd(n, v, lines):
    _weight_decay(n, lines, v)
    lines.append(n.line("Δθ = −η·g", "Δθ", "−{lr}·{g}", v["delta"]))


def _heavy_ball(n, v, lines, nesterov: bool):
    _weight_decay(n, lines, v)
    if v["momentum"] == 0:
        lines.append(n.line("Δθ = −η·g", "Δθ", "−{lr}·{g}", v["delta"]))
        return
    if v["t"] == 1:
        lines.append(n.line("v = g   (the first step starts the velocity)", "v", "{g}", v["new_velocity"]))
    elif nesterov:
        lines.append(n.line("v ← α·v + g", "v", "{momentum}·{old_velocity} + {g}", v["new_velocity"]))
    else:
        lines.append(n.line("v ← α·v + (1 − τ)·g", "v", "{momentum}·{old_velocity} + (1 − {dampening})·{g}",
                            v["new_velocity"]))
    if nesterov:
        lines.append(n.line("Δθ = −η·(g + α·v)", "Δθ", "−{lr}·({g} + {momentum}·{new_velocity})", v["delta"]))
    else:
        lines.append(n.line("Δθ = −η·v", "Δθ", "−{lr}·{new_velocity}", v["delta"]))


def _adagrad(n, v, lines):
    lines.append(n.line("r ← r + g²", "r", "{old_sum_sq} + {g}²", v["new_sum_sq"]))
    if v["lr_decay"]:
        v["lr_t"] = v["lr"] / (1.0 + (v["t"] - 1) * v["lr_decay"])
        lines.append(n.line("η_t = η / (1 + (t − 1)·decay)", "η_t", "{lr} / (1 + ({t} − 1)·{lr_decay})", v["lr_t"]))
        lines.append(n.line("Δθ = −η_t·g / (√r + ε)", "Δθ", "−{lr_t}·{g} / (√({new_sum_sq}) + {eps})", v["delta"]))
    else:
        lines.append(n.line("Δθ = −η·g / (√r + ε)", "Δθ", "−{lr}·{g} / (√({new_sum_sq}) + {eps})", v["delta"]))


def _rmsprop(n, v, lines):
    lines.append(n.line("r ← ρ·r + (1 − ρ)·g²", "r", "{alpha}·{old_sq_avg} + (1 − {alpha})·{g}²", v["new_sq_avg"]))
    if v["centered"]:
        lines.append(n.line("ḡ ← ρ·ḡ + (1 − ρ)·g", "ḡ", "{alpha}·{old_grad_avg} + (1 − {alpha})·{g}",
                            v["new_grad_avg"]))
        root, root_rule = "√({new_sq_avg} − {new_grad_avg}²)", "√(r − ḡ²)"
    else:
        root, root_rule = "√({new_sq_avg})", "√r"
    if v["momentum"] > 0:
        lines.append(n.line(f"b ← μ·b + g / ({root_rule} + ε)", "b",
                            "{momentum}·{old_velocity} + {g} / (" + root + " + {eps})", v["new_velocity"]))
        lines.append(n.line("Δθ = −η·b", "Δθ", "−{lr}·{new_velocity}", v["delta"]))
    else:
        lines.append(n.line(f"Δθ = −η·g / ({root_rule} + ε)", "Δθ", "−{lr}·{g} / (" + root + " + {eps})", v["delta"]))


def _adadelta(n, v, lines):
    lines.append(n.line("r ← ρ·r + (1 − ρ)·g²", "r", "{rho}·{old_sq_avg} + (1 − {rho})·{g}²", v["new_sq_avg"]))
    v["u"] = math.sqrt(v["old_delta_sq_avg"] + v["eps"]) / math.sqrt(v["new_sq_avg"] + v["eps"]) * v["g"]
    lines.append(n.line("u = √(s + ε) / √(r + ε) · g", "u", "√({old_delta_sq_avg} + {eps}) / √({new_sq_avg} + {eps})·{g}",
                        v["u"]))
    lines.append(n.line("s ← ρ·s + (1 − ρ)·u²", "s", "{rho}·{old_delta_sq_avg} + (1 − {rho})·{u}²",
                        v["new_delta_sq_avg"]))
    lines.append(n.line("Δθ = −η·u", "Δθ", "−{lr}·{u}", v["delta"]))


def _adam(n, v, lines, decoupled: bool = False):
    if not decoupled:
        _weight_decay(n, lines, v)
    lines.append(n.line("m ← β₁·m + (1 − β₁)·g", "m", "{beta1}·{old_m} + (1 − {beta1})·{g}", v["new_m"]))
    lines.append(n.line("v ← β₂·v + (1 − β₂)·g²", "v", "{beta2}·{old_v} + (1 − {beta2})·{g}²", v["new_v"]))
    second = "new_v"
    if v["amsgrad"]:
        lines.append(n.line("v_max ← max(v_max, v)", "v_max", "max({old_v_max}, {new_v})", v["new_v_max"]))
        second = "new_v_max"
    if v.get("bias_correction", True):
        v["m_hat"] = v["new_m"] / (1.0 - v["beta1"] ** v["t"])
        v["v_hat"] = v[second] / (1.0 - v["beta2"] ** v["t"])
        # m′ and v′ are the paper's m̂ and v̂: combining hats misrender in some fonts, primes never do
        lines.append(n.line("m′ = m / (1 − β₁ᵗ)   (bias-corrected)", "m′", "{new_m} / (1 − {beta1}^{t})", v["m_hat"]))
        lines.append(n.line("v′ = v / (1 − β₂ᵗ)   (bias-corrected)", "v′", "{" + second + "} / (1 − {beta2}^{t})",
                            v["v_hat"]))
        step, rule = "−{lr}·{m_hat} / (√({v_hat}) + {eps})", "Δθ = −η·m′ / (√v′ + ε)"
    else:
        step, rule = "−{lr}·{new_m} / (√({" + second + "}) + {eps})", "Δθ = −η·m / (√v + ε)   (no bias correction)"
    if decoupled and v["weight_decay"]:
        lines.append(n.line(rule + " − ηλθ", "Δθ", step + " − {lr}·{weight_decay}·{theta}", v["delta"]))
    else:
        lines.append(n.line(rule, "Δθ", step, v["delta"]))


def _adamax(n, v, lines):
    lines.append(n.line("m ← β₁·m + (1 − β₁)·g", "m", "{beta1}·{old_m} + (1 − {beta1})·{g}", v["new_m"]))
    lines.append(n.line("u ← max(β₂·u, |g| + ε)", "u", "max({beta2}·{old_u}, |{g}| + {eps})", v["new_u"]))
    lines.append(n.line("Δθ = −η / (1 − β₁ᵗ) · m / u", "Δθ", "−{lr} / (1 − {beta1}^{t})·{new_m} / {new_u}", v["delta"]))


def _nadam(n, v, lines):
    t = v["t"]
    v["t_next"] = t + 1
    v["mu"] = v["beta1"] * (1.0 - 0.5 * 0.96 ** (t * v["momentum_decay"]))
    v["mu_next"] = v["beta1"] * (1.0 - 0.5 * 0.96 ** ((t + 1) * v["momentum_decay"]))
    lines.append(n.line("μ_t = β₁·(1 − ½·0.96^(tψ))", "μ_t", "{beta1}·(1 − 0.5·0.96^({t}·{momentum_decay}))", v["mu"]))
    lines.append(n.line("μ_t+1 = β₁·(1 − ½·0.96^((t+1)ψ))", "μ_t+1",
                        "{beta1}·(1 − 0.5·0.96^({t_next}·{momentum_decay}))", v["mu_next"]))
    lines.append(n.line("Πμ ← Πμ·μ_t", "Πμ", "{old_mu_product}·{mu}", v["new_mu_product"]))
    lines.append(n.line("m ← β₁·m + (1 − β₁)·g", "m", "{beta1}·{old_m} + (1 − {beta1})·{g}", v["new_m"]))
    lines.append(n.line("v ← β₂·v + (1 − β₂)·g²", "v", "{beta2}·{old_v} + (1 − {beta2})·{g}²", v["new_v"]))
    lines.append(n.line("Δθ = −η·[(1 − μ_t)·g / (1 − Πμ) + μ_t+1·m / (1 − Πμ·μ_t+1)] / (√(v / (1 − β₂ᵗ)) + ε)", "Δθ",
                        "−{lr}·((1 − {mu})·{g} / (1 − {new_mu_product}) + {mu_next}·{new_m} / "
                        "(1 − {new_mu_product}·{mu_next})) / (√({new_v} / (1 − {beta2}^{t})) + {eps})", v["delta"]))


def _rprop(n, v, lines):
    if v["t"] == 1:  # the step sizes start at η and there is no previous gradient
        v["old_step_size"], v["old_prev_grad"] = v["lr"], 0.0
    agreement = float(np.sign(v["g"] * v["old_prev_grad"]))
    v["factor"] = {1.0: v["eta_plus"], -1.0: v["eta_minus"]}.get(agreement, 1.0)
    lines.append(n.line("s = sign(g·g_prev)", "s", "sign({g}·{old_prev_grad})", agreement))
    factor_rule = {1.0: "η⁺ (same sign)", -1.0: "η⁻ (the sign flipped)"}.get(agreement, "1 (a zero)")
    lines.append(n.line(f"Δ ← min(max(f·Δ, Δmin), Δmax),  f = {factor_rule}", "Δ",
                        "min(max({factor}·{old_step_size}, {step_size_min}), {step_size_max})", v["new_step_size"]))
    if agreement < 0:
        lines.append(n.line("Δθ = 0   (after a flip: no step, and g is forgotten)", "Δθ", "0", v["delta"]))
    else:
        lines.append(n.line("Δθ = −sign(g)·Δ", "Δθ", "−sign({g})·{new_step_size}", v["delta"]))


def _quickprop(n, v, lines):
    prev_step, g = v["old_prev_step"], v["g"]
    curvature = (g - v["old_prev_grad"]) / prev_step if prev_step != 0 else math.nan
    if prev_step != 0 and curvature > 0 and math.isfinite(1.0 / curvature):
        v["c"] = curvature
        lines.append(n.line("c = (g − g_prev) / Δθ_prev   (secant curvature)", "c",
                            "({g} − {old_prev_grad}) / {old_prev_step}", curvature))
        lines.append(n.line("Δθ = −min(1/c, μ·|Δθ_prev| / |g|)·g", "Δθ",
                            "−min(1 / {c}, {max_growth}·|{old_prev_step}| / |{g}|)·{g}", v["delta"]))
    else:
        why = "first step" if v["t"] == 1 or prev_step == 0 else "no positive secant curvature"
        lines.append(n.line(f"Δθ = −η·g   ({why}: a gradient step)", "Δθ", "−{lr}·{g}", v["delta"]))


def _newton(n, v, lines):
    if "hessian_inverse" not in v:
        lines.append(n.line("Δθ = −η·(H⁻¹g)ᵢ", "Δθ", None, v["delta"]))
        return
    terms = " + ".join(f"{{Hinv{j}}}·{{g{j}}}" for j in range(v["dim"]))
    lines.append(n.line("Δθ = −η·Σⱼ (H⁻¹)ᵢⱼ·gⱼ", "Δθ", "−{lr}·(" + terms + ")", v["delta"]))


_EXPLAINERS: dict[str, Callable] = {
    "sgd": _sgd,
    "momentum": lambda n, v, lines: _heavy_ball(n, v, lines, nesterov=False),
    "nesterov": lambda n, v, lines: _heavy_ball(n, v, lines, nesterov=True),
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adadelta": _adadelta,
    "adam": _adam,
    "adamw": lambda n, v, lines: _adam(n, v, lines, decoupled=True),
    "adamax": _adamax,
    "nadam": _nadam,
    "rprop": _rprop,
    "quickprop": _quickprop,
    "newton": _newton,
}


def explain(optimizer: str, hparams: dict, row: dict, previous_state: dict | None, index: int,
            clip: dict | None = None, hessian: np.ndarray | None = None, digits: int = 4) -> list[Line]:
    """The update rule of `optimizer` for parameter `index`, with the numbers of the step in `row`.

    `row` is a recorded row (`Stepper.record`/`run`: params, grad, lr, update, state after the
    step, step k); `previous_state` is the state the step started from (the row before's state;
    None at step 0, where it is the optimizer's initial state). `clip` is the run's clipping,
    applied to the gradient as the stepper does; `hessian` the Hessian at the point (Newton).
    """
    spec = get_optimizer(optimizer)
    hp = spec.resolve(hparams)
    theta, raw = np.asarray(row["params"], dtype=float), np.asarray(row["grad"], dtype=float)
    grad = clip_gradient(raw, clip) if clip else raw
    if previous_state is None:
        previous_state = spec.init(theta, hp)
    values = dict(hp)
    values.update(theta=theta[index], g=grad[index], g_in=grad[index], lr=float(row["lr"]), t=int(row["step"]) + 1,
                  delta=float(np.asarray(row["update"])[index]), dim=len(theta))
    for name, value in previous_state.items():
        values[f"old_{name}"] = float(np.asarray(value)[index])
    for name, value in row["state"].items():
        values[f"new_{name}"] = float(np.asarray(value)[index])
    if hessian is not None and np.all(np.isfinite(hessian)):
        inverse = np.linalg.pinv(hessian)
        values["hessian_inverse"] = True
        for j in range(len(theta)):
            values[f"Hinv{j}"], values[f"g{j}"] = inverse[index, j], grad[j]
    numbers = _Numbers(values, digits)
    lines: list[Line] = []
    if clip and raw[index] != grad[index]:
        kind = "norm" if "norm" in clip else "value"
        lines.append(Line(f"g clipped by {kind} to {clip[kind]:g}", "g", None, float(grad[index])))
    _EXPLAINERS[optimizer](numbers, values, lines)
    lines.append(Line("θ ← θ + Δθ", "θ", numbers.text(values["theta"]) + " + " + numbers.text(values["delta"]),
                      values["theta"] + values["delta"]))
    return lines


def without_numbers(lines: list[Line]) -> list[Line]:
    """The rules alone, as the equation panel shows them while a lesson's question waits: this step's
    numbers (the first update, a rate) are often the very answer the class is asked to predict."""
    return [Line(line.rule, line.name, None, math.nan) for line in lines]


def parameter_names(mlp=None) -> list[str]:
    """x, y on a surface; "layer 1 W[1,2]" … "layer 2 b[1]" on a network, in the flat vector's order."""
    if mlp is None:
        return ["x", "y"]
    names = []
    for layer, (_, _, (fan_in, fan_out)) in enumerate(mlp.slices(), start=1):
        names += [f"layer {layer} W[{i + 1},{j + 1}]" for i in range(fan_in) for j in range(fan_out)]
        names += [f"layer {layer} b[{j + 1}]" for j in range(fan_out)]
    return names
