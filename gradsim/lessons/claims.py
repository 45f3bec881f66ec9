"""What a lesson may claim about a step's outcome, each checked against the traces it produced.

Each check takes {run name: Trace} and the claim's fields and returns (holds, what was seen).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core import theory


@dataclass(frozen=True)
class ClaimKind:
    fields: tuple[str, ...]
    check: Callable[[dict, dict], tuple[bool, str]]


def _first_below(trace, value: float) -> int | None:
    below = np.nonzero(trace.loss < value)[0]
    return int(below[0]) if len(below) else None


def diverges_before(traces, c):
    t = traces[c["run"]]
    return (t.status == "diverged" and t.diverged_at < c["step"],
            f"{c['run']}: {t.status}" + (f" at step {t.diverged_at}" if t.diverged_at is not None else ""))


def stays_finite(traces, c):
    t = traces[c["run"]]
    return t.status == "ok", f"{c['run']}: {t.status}"


def loss_below(traces, c):
    k = _first_below(traces[c["run"]], c["value"])
    return k is not None and k <= c.get("step", 10**12), f"{c['run']}: first below {c['value']:g} at step {k}"


def loss_above(traces, c):
    """The loss is still above `value` at `step` (default: the end)."""
    t = traces[c["run"]]
    k = min(c.get("step", len(t.loss) - 1), len(t.loss) - 1)
    return float(t.loss[k]) > c["value"], f"{c['run']}: loss {float(t.loss[k]):.4g} at step {k}"


def rate_change(traces, c):
    """The effective learning rate of `coordinate` at step `to` (default: the last) over its value at
    step `from` (default 0) is at most/at least a factor."""
    t = traces[c["run"]]
    first, last = c.get("from", 0), min(c.get("to", len(t.lr_eff) - 1), len(t.lr_eff) - 1)
    ratio = float(t.lr_eff[last, c["coordinate"]] / t.lr_eff[first, c["coordinate"]])
    holds = ratio <= c.get("at_most", float("inf")) and ratio >= c.get("at_least", 0.0)
    return holds, f"{c['run']}: effective rate changed by a factor {ratio:.3g} from step {first} to {last}"


def largest_step(traces, c):
    """The longest single step ‖Δθ‖ (of the last `last` steps, default all) is at most/at least a length."""
    t = traces[c["run"]]
    params = t.params[-(c["last"] + 1):] if "last" in c else t.params
    longest = float(np.linalg.norm(np.diff(params, axis=0), axis=1).max())
    holds = longest <= c.get("at_most", float("inf")) and longest >= c.get("at_least", 0.0)
    where = f" of the last {c['last']}" if "last" in c else ""
    return holds, f"{c['run']}: longest step{where} {longest:.3g}"


def ends_below(traces, c):
    t = traces[c["run"]]
    return float(t.loss[-1]) < c["value"], f"{c['run']}: final loss {float(t.loss[-1]):.4g}"


def reaches_first(traces, c):
    mine, theirs = _first_below(traces[c["run"]], c["value"]), _first_below(traces[c["other"]], c["value"])
    holds = mine is not None and (theirs is None or mine < theirs)
    return holds, f"below {c['value']:g}: {c['run']} at step {mine}, {c['other']} at step {theirs}"


def ends_near(traces, c):
    t = traces[c["run"]]
    distance = float(np.linalg.norm(t.params[-1] - np.asarray(c["point"])))
    return distance <= c["tolerance"], f"{c['run']}: ends {distance:.3g} from {c['point']}"


def oscillates(traces, c):
    """The coordinate changes sign at (nearly) every one of the first `steps` steps."""
    t = traces[c["run"]]
    values = t.params[: c["steps"] + 1, c["coordinate"]]
    flips = np.mean(np.sign(values[1:]) != np.sign(values[:-1]))
    return flips >= 0.9, f"{c['run']}: coordinate {c['coordinate']} flips sign at {flips:.0%} of steps"


def monotone(traces, c):
    """The coordinate approaches 0 without changing sign over the first `steps` steps."""
    t = traces[c["run"]]
    values = t.params[: c["steps"] + 1, c["coordinate"]]
    same_sign = np.all(np.sign(values[1:]) == np.sign(values[0]))
    shrinking = np.all(np.abs(values[1:]) < np.abs(values[:-1]))
    return bool(same_sign and shrinking), f"{c['run']}: coordinate {c['coordinate']} monotone: {same_sign and shrinking}"


def coordinate_at(traces, c):
    """Coordinate `coordinate` equals `value` (within `tolerance`) after `step` steps."""
    t = traces[c["run"]]
    value = float(t.params[c["step"], c["coordinate"]])
    return abs(value - c["value"]) <= c["tolerance"], f"{c['run']}: coordinate {c['coordinate']} is {value:.3g} at step {c['step']}"


def coordinate_range(traces, c):
    """Coordinate `coordinate` after `step` updates (default: the end) is at least/at most a value."""
    params = traces[c["run"]].params
    k = min(c.get("step", len(params) - 1), len(params) - 1)
    value = float(params[k, c["coordinate"]])
    return _bounded(value, c), f"{c['run']}: coordinate {c['coordinate']} is {value:.4g} at step {k}"


def layer_gradient_ratio(traces, c):
    """‖g‖ of layer `numerator` over layer `denominator` (1-based) at `step` is at most/at least a factor."""
    t = traces[c["run"]]
    norms = t.grad_norm_layers[c.get("step", 0)]
    ratio = float(norms[c["numerator"] - 1] / norms[c["denominator"] - 1])
    holds = ratio <= c.get("at_most", float("inf")) and ratio >= c.get("at_least", 0.0)
    return holds, f"{c['run']}: gradient norm of layer {c['numerator']} / layer {c['denominator']} = {ratio:.3g}"


def units_identical(traces, c):
    """Every hidden unit of layer `layer` ended with the same incoming weights (symmetry never broke)."""
    W = traces[c["run"]].params_final[c["layer"] - 1][0]
    spread = float(np.ptp(W, axis=1).max())
    return spread <= 1e-12, f"{c['run']}: largest difference between units of layer {c['layer']}: {spread:.3g}"


def units_differ(traces, c):
    holds, seen = units_identical(traces, c)
    return not holds, seen


def accuracy_at_least(traces, c):
    accuracy = float(traces[c["run"]].train_accuracy[-1])
    return accuracy >= c["value"], f"{c['run']}: final training accuracy {accuracy:.3f}"


def _bounded(value: float, c: dict) -> bool:
    return c.get("at_least", -float("inf")) <= value <= c.get("at_most", float("inf"))


def accuracy_at(traces, c):
    """The training accuracy after `step` updates (default: the end) is at most/at least a value."""
    accuracy = traces[c["run"]].train_accuracy
    k = min(c.get("step", len(accuracy) - 1), len(accuracy) - 1)
    return _bounded(float(accuracy[k]), c), f"{c['run']}: training accuracy {float(accuracy[k]):.3f} at step {k}"


def accuracy_reaches(traces, c):
    """The training accuracy first reaches `value` at or before `step`."""
    accuracy = traces[c["run"]].train_accuracy
    reached = np.nonzero(accuracy >= c["value"])[0]
    k = int(reached[0]) if len(reached) else None
    return k is not None and k <= c["step"], f"{c['run']}: accuracy first ≥ {c['value']:g} at step {k}"


def gradient_ratio(traces, c):
    """‖g‖ of `run` over ‖g‖ of `other` after `step` updates (default 0) is at most/at least a factor."""
    k = c.get("step", 0)
    mine = float(np.linalg.norm(traces[c["run"]].grad[k]))
    theirs = float(np.linalg.norm(traces[c["other"]].grad[k]))
    ratio = mine / theirs if theirs > 0 else float("inf")
    return _bounded(ratio, c), f"‖g‖ at step {k}: {c['run']} {mine:.3g}, {c['other']} {theirs:.3g} (ratio {ratio:.3g})"


def gradient_below(traces, c):
    """‖g‖ after `step` updates (default: the end) is below `value`: the run has nothing left to follow."""
    grad = traces[c["run"]].grad
    k = min(c.get("step", len(grad) - 1), len(grad) - 1)
    norm = float(np.linalg.norm(grad[k]))
    return norm < c["value"], f"{c['run']}: ‖g‖ = {norm:.3g} at step {k}"


def epoch_at_end(traces, c):
    epoch = int(traces[c["run"]].epoch[-1])
    return epoch == c["value"], f"{c['run']}: epoch {epoch} at the last step"


def loss_rises(traces, c):
    """The fraction of updates after which the loss on all training data went up."""
    loss = traces[c["run"]].loss
    fraction = float(np.mean(np.diff(loss) > 0))
    holds = fraction <= c.get("at_most", 1.0) and fraction >= c.get("at_least", 0.0)
    return holds, f"{c['run']}: the loss rose after {fraction:.0%} of the updates"


CLAIMS: dict[str, ClaimKind] = {
    "epoch_at_end": ClaimKind(("run", "value"), epoch_at_end),
    "loss_rises": ClaimKind(("run",), loss_rises),
    "layer_gradient_ratio": ClaimKind(("run", "numerator", "denominator"), layer_gradient_ratio),
    "units_identical": ClaimKind(("run", "layer"), units_identical),
    "units_differ": ClaimKind(("run", "layer"), units_differ),
    "accuracy_at_least": ClaimKind(("run", "value"), accuracy_at_least),
    "accuracy_at": ClaimKind(("run",), accuracy_at),
    "accuracy_reaches": ClaimKind(("run", "value", "step"), accuracy_reaches),
    "gradient_ratio": ClaimKind(("run", "other"), gradient_ratio),
    "gradient_below": ClaimKind(("run", "value"), gradient_below),
    "coordinate_range": ClaimKind(("run", "coordinate"), coordinate_range),
    "coordinate_at": ClaimKind(("run", "coordinate", "step", "value", "tolerance"), coordinate_at),
    "diverges_before": ClaimKind(("run", "step"), diverges_before),
    "stays_finite": ClaimKind(("run",), stays_finite),
    "loss_below": ClaimKind(("run", "value"), loss_below),
    "loss_above": ClaimKind(("run", "value"), loss_above),
    "ends_below": ClaimKind(("run", "value"), ends_below),
    "reaches_first": ClaimKind(("run", "other", "value"), reaches_first),
    "ends_near": ClaimKind(("run", "point", "tolerance"), ends_near),
    "oscillates": ClaimKind(("run", "coordinate", "steps"), oscillates),
    "monotone": ClaimKind(("run", "coordinate", "steps"), monotone),
    "rate_change": ClaimKind(("run", "coordinate"), rate_change),
    "largest_step": ClaimKind(("run",), largest_step),
}


# --- theory next to measurement (quadratics) ---------------------------------------------------------

def _quadratic_theory(trace) -> tuple[np.ndarray, float, float]:
    """(the Hessian's eigenvalues, the minimum's loss f*, the run's predicted rate) on a quadratic."""
    problem = trace.extra.get("problem")
    minima = [p for p in getattr(problem, "stationary_points", ()) if p.kind == "minimum"]
    if not minima:
        raise ValueError("the rate theory needs a surface with a minimum")
    point = np.array([minima[0].x, minima[0].y])
    eigenvalues = theory.hessian_eigen(problem, point)[0]
    rate = theory.predicted_rate(trace.config["optimizer"], trace.config["hparams"], eigenvalues)
    return eigenvalues, float(problem.loss(point)), rate


def rate_matches(traces, c):
    """On a quadratic: the per-step contraction of the distance to the minimum, measured over the
    steps `window` = [from, to] (fitted to the loss gap, see theory.fitted_rate), is within
    `tolerance` of what theory predicts for the run's optimizer and hyperparameters; with `predicted`,
    the prediction is also the number the lesson states, to its last digit."""
    t = traces[c["run"]]
    eigenvalues, f_star, predicted = _quadratic_theory(t)
    first, last = c["window"]
    measured = theory.fitted_rate(t.loss[first:last + 1] - f_star)
    stated = c.get("predicted")
    holds = abs(measured - predicted) <= c["tolerance"] and (stated is None or _same_to_its_digits(stated, predicted))
    return holds, (f"{c['run']}: measured rate {measured:.5f} per step over steps {first}–{last}, "
                   f"predicted {predicted:.5f}" + (f" (the lesson says {stated})" if stated is not None else ""))


def steps_match(traces, c):
    """On a quadratic: the first step at which the loss gap f − f* falls below `value` is within
    `within` steps of theory's ⌈log(value/gap₀) / (2 log rate)⌉."""
    t = traces[c["run"]]
    eigenvalues, f_star, predicted = _quadratic_theory(t)
    gaps = t.loss - f_star
    expected = theory.steps_to_tolerance(predicted, float(gaps[0]), c["value"])
    below = np.nonzero(gaps <= c["value"])[0]
    measured = int(below[0]) if len(below) else None
    holds = measured is not None and abs(measured - expected) <= c["within"]
    return holds, f"{c['run']}: loss gap first ≤ {c['value']:g} at step {measured}, predicted {expected:g}"


def _same_to_its_digits(stated: float, value: float) -> bool:
    """`stated` is `value` rounded to the digits it was written with (at most 12)."""
    text = repr(float(stated))
    digits = len(text.split(".")[1]) if "." in text and "e" not in text else 12
    return round(value, digits) == round(float(stated), digits)


def _at(values, c):
    """Row `step` of `values` (default: the last)."""
    return min(c.get("step", len(values) - 1), len(values) - 1)


def gradient_at(traces, c):
    """The gradient after `step` updates (default 0) is `value`, component by component, within `tolerance`."""
    grad = traces[c["run"]].grad
    k = c.get("step", 0)
    seen = grad[k]
    holds = bool(np.all(np.abs(seen - np.asarray(c["value"], dtype=float)) <= c["tolerance"]))
    return holds, f"{c['run']}: gradient {np.array2string(seen, precision=4)} at step {k}"


def loss_at(traces, c):
    """The loss (on all training data, for a network) after `step` updates (default: the end) is at
    least/at most a value."""
    loss = traces[c["run"]].loss
    k = _at(loss, c)
    return _bounded(float(loss[k]), c), f"{c['run']}: loss {float(loss[k]):.6g} at step {k}"


def hessian_signs(traces, c):
    """The Hessian of the loss at the run's point after `step` updates (default: the end) has exactly
    `negative` negative and `positive` positive eigenvalues (beyond ±`zero`, default 1e-9; either
    count may be left out)."""
    t = traces[c["run"]]
    k = _at(t.params, c)
    eigenvalues = theory.hessian_eigen(t.extra["problem"], t.params[k])[0]
    zero = c.get("zero", 1e-9)
    negative, positive = int(np.sum(eigenvalues < -zero)), int(np.sum(eigenvalues > zero))
    holds = negative == c.get("negative", negative) and positive == c.get("positive", positive)
    shown = np.array2string(eigenvalues[[0, -1]] if len(eigenvalues) > 4 else eigenvalues, precision=4)
    return holds, (f"{c['run']}: at step {k} the Hessian has {negative} negative and {positive} positive "
                   f"eigenvalues (of {len(eigenvalues)}; extremes {shown})")


def cycles(traces, c):
    """Over the last `steps` updates the run alternates between two points: every point is within
    `tolerance` of the one two steps before and at least `at_least` from the one before."""
    params = traces[c["run"]].params[-(c["steps"] + 1):]
    back_two = float(np.linalg.norm(params[2:] - params[:-2], axis=1).max())
    shortest = float(np.linalg.norm(np.diff(params, axis=0), axis=1).min())
    holds = back_two <= c["tolerance"] and shortest >= c["at_least"]
    return holds, (f"{c['run']}: over the last {c['steps']} updates each point is within {back_two:.3g} of the "
                   f"one two steps before; the shortest step is {shortest:.3g}")


def settles(traces, c):
    """Over the last `steps` updates no step is longer than `tolerance`: the run has come to rest."""
    params = traces[c["run"]].params[-(c["steps"] + 1):]
    longest = float(np.linalg.norm(np.diff(params, axis=0), axis=1).max())
    return longest <= c["tolerance"], f"{c['run']}: longest of the last {c['steps']} steps {longest:.3g}"


def update_angle(traces, c):
    """The largest angle, in degrees, between an update and the negative gradient it came from is
    at most/at least a value (clipping by norm keeps the direction; clipping by value turns it)."""
    t = traces[c["run"]]
    update, grad = t.update[:-1], t.grad[:-1]
    norms = np.linalg.norm(update, axis=1) * np.linalg.norm(grad, axis=1)
    good = norms > 0
    cosine = np.clip(np.sum(-update[good] * grad[good], axis=1) / norms[good], -1.0, 1.0)
    largest = float(np.degrees(np.arccos(cosine)).max()) if good.any() else 0.0
    return _bounded(largest, c), f"{c['run']}: largest angle between the update and −g: {largest:.3g}°"


def rate_ratio(traces, c):
    """The effective learning rate of coordinate `numerator` over that of `denominator`, after `step`
    updates (default: the end), is at least/at most a factor."""
    lr_eff = traces[c["run"]].lr_eff
    k = _at(lr_eff, c)
    ratio = float(lr_eff[k, c["numerator"]] / lr_eff[k, c["denominator"]])
    return _bounded(ratio, c), (f"{c['run']}: effective rate of coordinate {c['numerator']} over coordinate "
                                f"{c['denominator']} at step {k}: {ratio:.3g}")


def loss_spikes(traces, c):
    """The number of spikes after step `after` (default 0): stretches of consecutive rises of the
    loss that, taken together, multiply it by at least `factor` — at least/at most a count."""
    loss = traces[c["run"]].loss[c.get("after", 0):]
    rises = np.diff(loss) > 0
    count, start = 0, None
    for k, rising in enumerate(np.append(rises, False)):
        if rising and start is None:
            start = k
        elif not rising and start is not None:
            count += bool(loss[k] >= c["factor"] * loss[start])
            start = None
    return _bounded(count, c), f"{c['run']}: {count} spikes of ×{c['factor']:g} or more after step {c.get('after', 0)}"


def gradient_norm(traces, c):
    """‖g‖ (the raw gradient, before any clipping) after `step` updates (default: the end) is at
    least/at most a value."""
    grad = traces[c["run"]].grad
    k = _at(grad, c)
    norm = float(np.linalg.norm(grad[k]))
    return _bounded(norm, c), f"{c['run']}: ‖g‖ = {norm:.4g} at step {k}"


def loss_mean(traces, c):
    """The mean loss over the last `last` steps is at least/at most a value (a noisy run's level)."""
    loss = traces[c["run"]].loss[-c["last"]:]
    mean = float(np.mean(loss))
    return _bounded(mean, c), f"{c['run']}: mean loss over the last {c['last']} steps {mean:.4g}"


def lr_at(traces, c):
    """The scheduled learning rate used by the update from step `step` is `value` within `tolerance`."""
    lr = float(traces[c["run"]].lr[c["step"]])
    return abs(lr - c["value"]) <= c["tolerance"], f"{c['run']}: scheduled rate {lr:.6g} at step {c['step']}"


def parameter_count(traces, c):
    """The run's model has `value` parameters (a surface has 2)."""
    count = traces[c["run"]].params.shape[-1]
    return count == c["value"], f"{c['run']}: {count} parameters"


CLAIMS.update({
    "rate_matches": ClaimKind(("run", "window", "tolerance"), rate_matches),
    "steps_match": ClaimKind(("run", "value", "within"), steps_match),
    "gradient_at": ClaimKind(("run", "value", "tolerance"), gradient_at),
    "loss_at": ClaimKind(("run",), loss_at),
    "hessian_signs": ClaimKind(("run",), hessian_signs),
    "cycles": ClaimKind(("run", "steps", "tolerance", "at_least"), cycles),
    "settles": ClaimKind(("run", "steps", "tolerance"), settles),
    "update_angle": ClaimKind(("run",), update_angle),
    "parameter_count": ClaimKind(("run", "value"), parameter_count),
    "rate_ratio": ClaimKind(("run", "numerator", "denominator"), rate_ratio),
    "loss_spikes": ClaimKind(("run", "factor"), loss_spikes),
    "loss_mean": ClaimKind(("run", "last"), loss_mean),
    "gradient_norm": ClaimKind(("run",), gradient_norm),
    "lr_at": ClaimKind(("run", "step", "value", "tolerance"), lr_at),
})
# claims that bound a value and so need at_most or at_least (checked when a lesson is loaded)
BOUNDED = ("rate_change", "largest_step", "layer_gradient_ratio", "loss_rises", "accuracy_at", "gradient_ratio",
           "coordinate_range", "loss_at", "update_angle", "rate_ratio", "loss_spikes", "loss_mean", "gradient_norm")
