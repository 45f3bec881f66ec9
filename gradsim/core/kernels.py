"""In-place twins of the common optimizers, for the ensemble engine.

`optimizers.py` holds the rules as pure functions, which allocate a new array for every
intermediate value. Stepping thousands of runs, that allocation and the copy of each result into
the trace cost as much as the arithmetic. A kernel here computes the same update with the same
floating-point operations in the same order (so every run rounds exactly as it does alone; the
tests compare them bit for bit), but writes each result where it is wanted: into the rows of the
trace being recorded, or over the previous state when only the final point is kept.

    step = kernel(grad, state, params, hp, lr, t, into, scratch)

`into` maps "delta", "lr_eff" and the state names to the arrays to write (an entry may be the
very array of `state` it replaces: every kernel reads an old value before it overwrites it;
"lr_eff" None: not needed). `scratch` holds two spare arrays shaped like `grad`. The returned
`Step` holds the arrays written, or the old state array where the rule leaves it as it was. Only
scalar hyperparameters and rates are handled (`kernel_for` says None otherwise): one value per
run goes through the pure functions.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .optimizers import Optimizer, Step


def kernel_for(optimizer: Optimizer, hp: dict) -> Callable | None:
    """The in-place kernel of `optimizer`, if it has one and every hyperparameter is one number."""
    if any(isinstance(value, np.ndarray) for value in hp.values()):
        return None
    return KERNELS.get(optimizer.name)


def _with_weight_decay(grad, params, weight_decay, scratch):
    """g + λθ where λ ≠ 0 (as optimizers._with_weight_decay), into scratch[1]."""
    if weight_decay == 0:
        return grad
    decayed = np.multiply(params, weight_decay, out=scratch[1])
    return np.add(grad, decayed, out=decayed)


def _fill_lr(into, lr) -> None:
    if into["lr_eff"] is not None:
        into["lr_eff"].fill(lr)


def _lerp_into(start, end, weight, out, spare):
    """optimizers._lerp(start, end, weight) for a scalar weight, written into out (which may be start)."""
    diff = np.subtract(end, start, out=spare)
    if weight < 0.5:
        np.multiply(diff, weight, out=diff)
        return np.add(start, diff, out=out)
    np.multiply(diff, 1.0 - weight, out=diff)
    return np.subtract(end, diff, out=out)


def _running_square(old, grad, decay, out, spare):
    """decay·old + ((1 − decay)·g)·g, written into out (which may be old)."""
    square = np.multiply(grad, 1.0 - decay, out=spare)
    np.multiply(square, grad, out=square)
    np.multiply(old, decay, out=out)
    return np.add(out, square, out=out)


def sgd(grad, state, params, hp, lr, t, into, scratch):
    grad = _with_weight_decay(grad, params, hp["weight_decay"], scratch)
    _fill_lr(into, lr)
    return Step(np.multiply(grad, -lr, out=into["delta"]), state, into["lr_eff"])


def _heavy_ball(grad, state, params, hp, lr, t, into, scratch, nesterov):
    grad = _with_weight_decay(grad, params, hp["weight_decay"], scratch)
    mu = hp["momentum"]
    _fill_lr(into, lr)
    if mu == 0:  # PyTorch keeps no velocity then
        return Step(np.multiply(grad, -lr, out=into["delta"]), state, into["lr_eff"])
    velocity = into["velocity"]
    if t == 1:  # the first gradient, undamped
        np.copyto(velocity, grad)
    else:
        damped = np.multiply(grad, 1.0 - hp.get("dampening", 0.0), out=scratch[0])
        np.multiply(state["velocity"], mu, out=velocity)
        np.add(velocity, damped, out=velocity)
    if nesterov:
        direction = np.multiply(velocity, mu, out=scratch[0])
        np.add(grad, direction, out=direction)
    else:
        direction = velocity
    return Step(np.multiply(direction, -lr, out=into["delta"]), {"velocity": velocity}, into["lr_eff"])


def momentum(grad, state, params, hp, lr, t, into, scratch):
    return _heavy_ball(grad, state, params, hp, lr, t, into, scratch, nesterov=False)


def nesterov(grad, state, params, hp, lr, t, into, scratch):
    return _heavy_ball(grad, state, params, hp, lr, t, into, scratch, nesterov=True)


def adagrad(grad, state, params, hp, lr, t, into, scratch):
    clr = lr / (1.0 + (t - 1) * hp["lr_decay"])
    square = np.multiply(grad, grad, out=scratch[0])
    sum_sq = np.add(state["sum_sq"], square, out=into["sum_sq"])
    denom = np.sqrt(sum_sq, out=scratch[0])
    np.add(denom, hp["eps"], out=denom)
    delta = np.multiply(grad, -clr, out=into["delta"])
    np.divide(delta, denom, out=delta)
    if into["lr_eff"] is not None:
        np.divide(clr, denom, out=into["lr_eff"])
    return Step(delta, {"sum_sq": sum_sq}, into["lr_eff"])


def rmsprop(grad, state, params, hp, lr, t, into, scratch):
    alpha, mu = hp["alpha"], hp["momentum"]
    sq_avg = _running_square(state["sq_avg"], grad, alpha, into["sq_avg"], scratch[0])
    new = {"sq_avg": sq_avg, "grad_avg": state["grad_avg"], "velocity": state["velocity"]}
    avg = scratch[0]
    if hp["centered"]:
        grad_avg = new["grad_avg"] = _lerp_into(state["grad_avg"], grad, 1.0 - alpha, into["grad_avg"], scratch[1])
        np.multiply(grad_avg, grad_avg, out=avg)
        np.subtract(sq_avg, avg, out=avg)
        np.sqrt(avg, out=avg)
    else:
        np.sqrt(sq_avg, out=avg)
    np.add(avg, hp["eps"], out=avg)
    delta = into["delta"]
    if mu > 0:
        velocity = new["velocity"] = into["velocity"]
        scaled = np.divide(grad, avg, out=scratch[1])
        np.multiply(state["velocity"], mu, out=velocity)
        np.add(velocity, scaled, out=velocity)
        np.multiply(velocity, -lr, out=delta)
    else:
        np.multiply(grad, -lr, out=delta)
        np.divide(delta, avg, out=delta)
    if into["lr_eff"] is not None:
        np.divide(lr, avg, out=into["lr_eff"])
    return Step(delta, new, into["lr_eff"])


def _adam_core(grad, state, hp, lr, t, into, scratch):
    beta1, beta2 = hp["beta1"], hp["beta2"]
    m = _lerp_into(state["m"], grad, 1.0 - beta1, into["m"], scratch[0])
    v = _running_square(state["v"], grad, beta2, into["v"], scratch[0])
    v_max = np.maximum(state["v_max"], v, out=into["v_max"]) if hp["amsgrad"] else state["v_max"]
    if hp.get("bias_correction", True):
        bias_correction1 = 1.0 - beta1 ** t  # for numbers optimizers._pow is plain **
        bias_correction2_sqrt = (1.0 - beta2 ** t) ** 0.5
    else:
        bias_correction1 = bias_correction2_sqrt = 1.0
    denom = np.sqrt(v_max if hp["amsgrad"] else v, out=scratch[0])
    np.divide(denom, bias_correction2_sqrt, out=denom)
    np.add(denom, hp["eps"], out=denom)
    delta = np.multiply(m, -lr / bias_correction1, out=into["delta"])
    np.divide(delta, denom, out=delta)
    if into["lr_eff"] is not None:
        np.divide(lr, denom, out=into["lr_eff"])
    return Step(delta, {"m": m, "v": v, "v_max": v_max}, into["lr_eff"])


def adam(grad, state, params, hp, lr, t, into, scratch):
    return _adam_core(_with_weight_decay(grad, params, hp["weight_decay"], scratch), state, hp, lr, t, into,
                      scratch)


def adamw(grad, state, params, hp, lr, t, into, scratch):
    step = _adam_core(grad, state, hp, lr, t, into, scratch)
    if hp["weight_decay"] != 0:
        shrink = np.multiply(params, lr * hp["weight_decay"], out=scratch[0])
        np.subtract(step.delta, shrink, out=step.delta)
    return step


def nadam(grad, state, params, hp, lr, t, into, scratch):
    beta1, beta2, psi = hp["beta1"], hp["beta2"], hp["momentum_decay"]
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
    mu_product = float(state["mu_product"].flat[0]) * mu
    m = _lerp_into(state["m"], grad, 1.0 - beta1, into["m"], scratch[0])
    v = _running_square(state["v"], grad, beta2, into["v"], scratch[0])
    denom = np.divide(v, 1.0 - beta2 ** t, out=scratch[0])
    np.sqrt(denom, out=denom)
    np.add(denom, hp["eps"], out=denom)
    delta = np.multiply(grad, -lr * (1.0 - mu) / (1.0 - mu_product), out=into["delta"])
    np.divide(delta, denom, out=delta)
    ahead = np.multiply(m, (-lr * mu_next) / (1.0 - mu_product * mu_next), out=scratch[1])
    np.divide(ahead, denom, out=ahead)
    np.add(delta, ahead, out=delta)
    products = into["mu_product"]
    products.fill(mu_product)
    if into["lr_eff"] is not None:
        np.divide(lr, denom, out=into["lr_eff"])
    return Step(delta, {"m": m, "v": v, "mu_product": products}, into["lr_eff"])


KERNELS: dict[str, Callable] = {"sgd": sgd, "momentum": momentum, "nesterov": nesterov, "adagrad": adagrad,
                                "rmsprop": rmsprop, "adam": adam, "adamw": adamw, "nadam": nadam}
