"""Learning-rate schedules: the rate of update k as a pure function of k.

The update that produces step k+1 uses lr(k), so lr(0) is the base rate. Any
schedule can take a linear warmup: over the first `warmup` updates the rate
is multiplied by (k+1)/warmup. Where torch.optim.lr_scheduler has the
schedule the values agree with it (StepLR, ExponentialLR, LinearLR,
CosineAnnealingLR up to t_max; warmup is LinearLR(1/warmup, 1, warmup−1)).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .specs import HParam, resolve_values, unknown_name_error


@dataclass(frozen=True)
class Schedule:
    name: str
    formula: str
    hparams: tuple[HParam, ...]
    rate: Callable[..., float]  # rate(k, lr, **hparams) without warmup


WARMUP = HParam("warmup", 0, 0, 10**9, "linear", "N", "linear warmup over the first N updates", kind=int)

SCHEDULES: dict[str, Schedule] = {s.name: s for s in (
    Schedule("constant", "η_k = η", (), lambda k, lr: lr),
    Schedule("step", "η_k = η·γ^⌊k/s⌋",
             (HParam("step_size", 100, 1, 10**9, "log", "s", "updates between two decays", kind=int),
              HParam("gamma", 0.5, 0.0, 10.0, "linear", "γ", "factor applied at each decay", low_open=True)),
             lambda k, lr, step_size, gamma: lr * gamma ** (k // step_size)),
    Schedule("exponential", "η_k = η·γ^k",
             (HParam("gamma", 0.99, 0.0, 10.0, "linear", "γ", "factor applied at every update", low_open=True),),
             lambda k, lr, gamma: lr * gamma ** k),
    Schedule("inverse_time", "η_k = η / (1 + d·k)",
             (HParam("decay", 0.01, 0.0, 1e6, "log", "d", "how fast the rate falls"),),
             lambda k, lr, decay: lr / (1.0 + decay * k)),
    Schedule("linear", "η_k = (1 − k/τ)·η + (k/τ)·η_τ for k ≤ τ, then η_τ",
             (HParam("tau", 100, 1, 10**9, "log", "τ", "update after which the rate stays at lr_end", kind=int),
              HParam("lr_end", 0.0, 0.0, 1e3, "log", "η_τ", "final rate")),
             lambda k, lr, tau, lr_end: _linear(k, lr, tau, lr_end)),
    Schedule("cosine", "η_k = η_min + ½(η − η_min)(1 + cos(π·min(k, T)/T))",
             (HParam("t_max", 100, 1, 10**9, "log", "T", "updates over which the rate falls to lr_min", kind=int),
              HParam("lr_min", 0.0, 0.0, 1e3, "log", "η_min", "rate from T on")),
             lambda k, lr, t_max, lr_min: lr_min + 0.5 * (lr - lr_min) * (1.0 + math.cos(math.pi * min(k, t_max) / t_max))),
)}


def _linear(k: int, lr: float, tau: int, lr_end: float) -> float:
    alpha = min(k, tau) / tau
    return (1.0 - alpha) * lr + alpha * lr_end


def get_schedule(name: str) -> Schedule:
    try:
        return SCHEDULES[name]
    except (KeyError, TypeError):
        raise unknown_name_error("schedule", name, SCHEDULES) from None


def make_lr_fn(config: Mapping[str, Any] | str | None) -> tuple[dict, Callable[[int, float], float]]:
    """Check a schedule configuration and return it resolved, with lr(k, base_lr).

    `config` is None (constant), a name, or {"name": ..., hyperparameters..., "warmup": N}.
    """
    if config is None:
        config = {"name": "constant"}
    elif isinstance(config, str):
        config = {"name": config}
    elif not isinstance(config, Mapping):
        raise ValueError(f"schedule must be a name or a mapping with a 'name', got {config!r}")
    config = dict(config)
    schedule = get_schedule(config.pop("name", "constant"))
    values = resolve_values((*schedule.hparams, WARMUP), config, f"schedule '{schedule.name}'")
    warmup = values.pop("warmup")
    rate = schedule.rate
    resolved = {"name": schedule.name, **values, "warmup": warmup}
    if schedule.name == "constant" and warmup == 0:
        return resolved, lambda k, lr: lr  # the common case, kept cheap for the step loop

    def lr_at(k: int, lr: float) -> float:
        value = rate(k, lr, **values)
        if k < warmup:
            value *= (k + 1) / warmup
        return value

    return resolved, lr_at
