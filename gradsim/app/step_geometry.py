"""One recorded step of a surface run as geometry: the arrows and the rate box drawn on the path (Qt-free).

Every vector is in parameter units, as a step: a gradient-like quantity q (the gradient, a velocity,
a first moment) is drawn as −η·q, the move plain gradient descent would make with it at this step's
scheduled rate η. The update Δθ is the engine's own, and its parts (`parts`) are computed from the
optimizer's rule with the recorded state and add up to it, tip to tail, to rounding
(`tests/test_step_geometry.py`). The views multiply every arrow by one display factor (`nice_scale`).

Nesterov, in PyTorch's form (torch.optim.SGD(nesterov=True), Sutskever et al. 2013 rewritten):
    v ← αv + g ;  θ ← θ − η(g + αv)
Its parameters are the *look-ahead points* of Sutskever's form  u ← αu − η∇f(φ + αu), φ ← φ + u,
with θ = φ + αu and u = −ηv: the gradient is always taken at θ. So Δθ splits into the gradient
part −ηg, which leads to Sutskever's iterate φ' = θ − ηg, and the look-ahead jump −ηαv from
there: the look-ahead point φ' − ηαv = θ + Δθ is where the next gradient is taken.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.optimizers import get_optimizer
from ..core.stepper import clip_gradient

# Optimizers whose effective rate differs per coordinate (drawn as a box). Newton's is left out:
# its preconditioner H⁻¹ is not diagonal, so a box of its diagonal would mislead.
ADAPTIVE = frozenset({"adagrad", "rmsprop", "adadelta", "adam", "adamw", "adamax", "nadam", "rprop", "quickprop"})
MOMENTUM_STATE = {"momentum": ("velocity", "v"), "nesterov": ("velocity", "v"), "rmsprop": ("velocity", "b"),
                  "adam": ("m", "m"), "adamw": ("m", "m"), "adamax": ("m", "m"), "nadam": ("m", "m")}


@dataclass(frozen=True)
class Part:
    name: str          # "gradient", "momentum", "weight decay", "look-ahead", …
    formula: str       # "−ηg", "−ηαv", …
    vector: np.ndarray


@dataclass(frozen=True)
class StepGeometry:
    step: int
    point: np.ndarray                 # θ
    gradient: np.ndarray              # −η·g, g the recorded (raw) gradient
    clipped: np.ndarray | None        # −η·clip(g), where clipping changed g
    velocity: np.ndarray | None       # −η·(the momentum state after the update), where there is one
    velocity_formula: str
    update: np.ndarray                # Δθ, as recorded
    parts: tuple[Part, ...] | None    # Δθ split by the rule (None: the previous state is not kept)
    lookahead: np.ndarray | None      # Nesterov: where the next gradient is taken (θ + Δθ)
    iterate: np.ndarray | None        # Nesterov: Sutskever's iterate θ − ηg, where the look-ahead jump starts
    rates: np.ndarray | None          # per-coordinate effective rates (adaptive methods)

    def part_starts(self) -> list[np.ndarray]:
        """Where each part starts when they are drawn tip to tail from θ."""
        starts, at = [], self.point
        for part in self.parts or ():
            starts.append(at)
            at = at + part.vector
        return starts

    def vectors(self) -> list[np.ndarray]:
        """Every arrow's vector (for choosing a display scale)."""
        found = [self.gradient, self.update]
        found += [v for v in (self.clipped, self.velocity) if v is not None]
        found += [part.vector for part in self.parts or ()]
        return found


def step_geometry(optimizer: str, hparams: dict, row: dict, previous_state: dict | None,
                  clip: dict | None = None) -> StepGeometry | None:
    """The geometry of the step recorded in `row` (a surface run's row: 2 parameters).

    `previous_state` is the state the step started from (the row before's "state"; None at step 0,
    where it is the optimizer's initial state, or where that row is not kept: then `parts` is None).
    Returns None for a row that is not finite (a diverged run).
    """
    spec = get_optimizer(optimizer)
    hp = spec.resolve(hparams)
    theta = np.asarray(row["params"], dtype=float)
    raw = np.asarray(row["grad"], dtype=float)
    update = np.asarray(row["update"], dtype=float)
    if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(raw)) and np.all(np.isfinite(update))):
        return None
    k, lr = int(row["step"]), float(row["lr"])
    state = {name: np.asarray(value, dtype=float) for name, value in row["state"].items()}
    if previous_state is None and k == 0:
        previous_state = spec.init(theta, hp)
    grad = clip_gradient(raw, clip) if clip else raw
    clipped = -lr * grad if clip and not np.array_equal(grad, raw) else None
    velocity, velocity_formula = _velocity(optimizer, hp, state, lr)
    parts = None if previous_state is None else _parts(optimizer, hp, row, grad, theta, update, previous_state, state)
    lookahead = iterate = None
    if optimizer == "nesterov" and hp["momentum"] != 0:
        iterate = theta - lr * _with_decay(grad, theta, hp)
        lookahead = iterate - lr * hp["momentum"] * state["velocity"]
    rates = np.asarray(row["lr_eff"], dtype=float) if optimizer in ADAPTIVE else None
    return StepGeometry(k, theta, -lr * raw, clipped, velocity, velocity_formula, update,
                        None if parts is None else tuple(parts), lookahead, iterate, rates)


def _with_decay(grad, theta, hp):
    wd = hp.get("weight_decay", 0.0)
    return grad + wd * theta if wd else grad


def _velocity(optimizer: str, hp: dict, state: dict, lr: float):
    name, symbol = MOMENTUM_STATE.get(optimizer, (None, ""))
    if name is None or (optimizer in ("momentum", "nesterov", "rmsprop") and hp["momentum"] == 0):
        return None, ""
    return -lr * state[name], f"−η{symbol}"


def _parts(optimizer: str, hp: dict, row: dict, grad, theta, update, old: dict, new: dict) -> list[Part]:
    """Δθ as the sum of the terms of the optimizer's rule (each from recorded numbers)."""
    lr, t = float(row["lr"]), int(row["step"]) + 1
    rates = np.asarray(row["lr_eff"], dtype=float)
    wd = hp.get("weight_decay", 0.0)
    decay = wd * theta

    def keep(*parts):
        return [Part(*p) for p in parts if p is not None]

    if optimizer == "sgd" or (optimizer in ("momentum", "nesterov") and hp["momentum"] == 0):
        return keep(("gradient", "−ηg", -lr * grad), ("weight decay", "−ηλθ", -lr * decay) if wd else None)
    if optimizer == "momentum":
        if t == 1:  # PyTorch starts the velocity at the first gradient
            return keep(("gradient", "−ηg", -lr * grad), ("weight decay", "−ηλθ", -lr * decay) if wd else None)
        alpha, kept = hp["momentum"], 1.0 - hp["dampening"]
        return keep(("momentum", "−ηαv_prev", -lr * alpha * old["velocity"]),
                    ("gradient", "−η(1−τ)g" if hp["dampening"] else "−ηg", -lr * kept * grad),
                    ("weight decay", "−η(1−τ)λθ" if hp["dampening"] else "−ηλθ", -lr * kept * decay) if wd else None)
    if optimizer == "nesterov":
        return keep(("gradient", "−ηg", -lr * grad), ("weight decay", "−ηλθ", -lr * decay) if wd else None,
                    ("look-ahead", "−ηαv", -lr * hp["momentum"] * new["velocity"]))
    if optimizer == "rmsprop" and hp["momentum"] > 0:
        return keep(("momentum", "−ημb_prev", -lr * hp["momentum"] * old["velocity"]),
                    ("scaled gradient", "−η_eff·g", -rates * grad))
    if optimizer in ("adam", "adamw", "adamax"):
        beta1 = hp["beta1"]
        corrected = optimizer == "adamax" or hp.get("bias_correction", True)
        bias1 = 1.0 - beta1 ** t if corrected else 1.0
        coupled = optimizer == "adam" and wd
        scale = -rates / bias1
        hat = "′" if corrected else ""  # m′: the bias-corrected moment, as the equation panel writes it
        return keep(("momentum", f"−η_eff·β₁m_prev{hat}", scale * beta1 * old["m"]),
                    ("gradient", f"−η_eff·(1−β₁)g{hat}", scale * (1.0 - beta1) * grad),
                    ("weight decay", f"−η_eff·(1−β₁)λθ{hat}", scale * (1.0 - beta1) * decay) if coupled else None,
                    ("decoupled weight decay", "−ηλθ", -lr * decay) if optimizer == "adamw" and wd else None)
    if optimizer == "nadam":
        beta1, psi = hp["beta1"], hp["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        product = float(np.asarray(new["mu_product"]).flat[0])
        return keep(("gradient", "−η_eff·(1−μ_t)g/(1−Πμ)", -rates * (1.0 - mu) / (1.0 - product) * grad),
                    ("momentum", "−η_eff·μ_t+1·m/(1−Πμ·μ_t+1)",
                     -rates * mu_next / (1.0 - product * mu_next) * new["m"]))
    names = {"adagrad": ("scaled gradient", "−η_eff·g"), "rmsprop": ("scaled gradient", "−η_eff·g"),
             "adadelta": ("scaled gradient", "−η_eff·g"), "rprop": ("sign step", "−sign(g)·Δ"),
             "quickprop": ("secant step", "−rate·g"), "newton": ("Newton step", "−ηH⁻¹g")}
    name, formula = names[optimizer]
    return [Part(name, formula, update)]


def nice_scale(length: float, target: float) -> float:
    """A display factor from 1-2-5 steps that draws `length` at about `target` (1 when nothing moves)."""
    if not (length > 0 and np.isfinite(length)) or not (target > 0 and np.isfinite(target)):
        return 1.0
    raw = target / length
    exponent = np.floor(np.log10(raw))
    mantissa = raw / 10 ** exponent
    step = 5.0 if mantissa >= 5 else 2.0 if mantissa >= 2 else 1.0
    return float(step * 10 ** exponent)


def fit(vector: np.ndarray, limit: float) -> tuple[np.ndarray, bool]:
    """`vector` shortened to at most `limit` long, and whether it was (the views draw it dashed)."""
    length = float(np.hypot(*vector))
    if length <= limit or length == 0:
        return vector, False
    return vector * (limit / length), True


def geometry_at(model, run: int, step: int) -> StepGeometry | None:
    """The geometry of run `run` of an app model (`gradsim.app.model.AppModel`) at `step` on screen."""
    experiment = model.experiment
    if experiment.is_network or run >= len(experiment.runs):
        return None
    row = model.row(run, step)
    if row is None:
        return None
    k = int(row["step"])
    before = model.row(run, k - 1) if k > 0 else None
    previous = before["state"] if before is not None and int(before["step"]) == k - 1 else None
    return step_geometry(experiment.runs[run].optimizer, model.hparams(run, k), row, previous, experiment.clip)


def arrow_segments(start, vector, aspect: float = 1.0, head: float = 0.03) -> np.ndarray:
    """An arrow as three line segments (shaft, two barbs), (6, 2), in the units of `start`.

    The barbs are `head` long (at most a third of the arrow) and 25° off the shaft, measured where
    x is stretched by `aspect` (the drawing's pixels per unit of x over those of y), so they look
    even on a plot whose axes are scaled differently.
    """
    start, vector = np.asarray(start, dtype=float), np.asarray(vector, dtype=float)
    tip = start + vector
    screen = vector * (aspect, 1.0)
    length = float(np.hypot(*screen))
    if length == 0:
        return np.array([start, tip, tip, tip, tip, tip])
    size = min(head, length / 3)
    back = -screen / length * size
    barbs = []
    for angle in (np.radians(25), -np.radians(25)):
        c, s = np.cos(angle), np.sin(angle)
        barbs.append(tip + np.array([c * back[0] - s * back[1], s * back[0] + c * back[1]]) / (aspect, 1.0))
    return np.array([start, tip, tip, barbs[0], tip, barbs[1]])
