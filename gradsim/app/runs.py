"""The one place where an experiment's runs are built, seeded and played (Qt-free).

The app's session, the lesson checker and the tests all build their steppers here, so that what
the app shows a class is exactly what the checker verified.

Seeding rule: every run of an experiment is seeded with the experiment's `seed`. On a network
that seed draws the data, the initial weights and the batch order, so all runs train on the same
data from the same weights; with gradient noise, every run draws the same noise sequence (common
random numbers: differences between runs come from the optimizers, not from luck). Lesson files
set the seed of each scene (`seed = ...`, default 0).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core import Stepper
from ..core.simulate import Trace, run_trace
from ..experiment import Experiment

UNTIL_TESTS = ("loss_below", "accuracy_at_least")


@dataclass(frozen=True)
class Until:
    """Stop every run at the first step where run `run` satisfies `test` against `value`: its loss
    (on all training data, for a network) below `value`, or its training accuracy at least `value`."""

    run: int
    test: str
    value: float

    def __post_init__(self):
        if self.test not in UNTIL_TESTS:
            raise ValueError(f"a run-until condition is one of {', '.join(UNTIL_TESTS)}, not {self.test!r}")

    def first(self, rows: dict[str, Any], after: int = -1) -> int | None:
        """The first step (> `after`) of `rows` (as `Stepper.run` returns them) where the condition holds."""
        extra = rows.get("extra", {})
        if self.test == "loss_below":
            loss = extra.get("train_loss", rows["loss"])
            holds = np.asarray(loss) < self.value
        else:
            holds = np.asarray(extra.get("train_accuracy", np.full(len(rows["step"]), np.nan))) >= self.value
        steps = np.asarray(rows["step"])
        hits = np.nonzero(holds & (steps > after))[0]
        return int(steps[hits[0]]) if len(hits) else None


def build_steppers(experiment: Experiment) -> list[Stepper]:
    """One stepper per run of `experiment` (checked already), seeded by the rule above."""
    return [Stepper(problem, run.optimizer, run.hparams, start,
                    schedule=experiment.schedule if run.schedule is None else run.schedule, clip=experiment.clip,
                    grad_noise=experiment.grad_noise, seed=experiment.seed)
            for run, (problem, start) in zip(experiment.runs, experiment.run_problems())]


def apply_changes(stepper: Stepper, changes: list[dict], run: int, step: int) -> None:
    """The live hyperparameter changes the experiment recorded for `run` at `step`."""
    for change in changes:
        if change["run"] == run and change["step"] == step:
            stepper.set_hparams(**change["hparams"])


def steps_until(experiment: Experiment, steps: int, until: Until | None) -> int:
    """How many updates an action of at most `steps` takes: all of them, or up to the first step
    where `until` holds (found by playing the condition's run alone)."""
    if until is None:
        return steps
    trace = _play_run(experiment, build_steppers(experiment)[until.run], until.run, steps)
    hit = until.first({"step": trace.step, "loss": trace.loss, "extra": trace.extra})
    return steps if hit is None else min(hit, steps)


def play(experiment: Experiment, steps: int, until: Until | None = None) -> list[Trace]:
    """Every run of `experiment` played headlessly for `steps` updates (or until `until` holds),
    with the experiment's recorded live changes applied at their steps: one Trace per run, as
    `gradsim.simulate` returns it."""
    steps = steps_until(experiment, steps, until)
    traces = []
    for index, (stepper, run) in enumerate(zip(build_steppers(experiment), experiment.runs)):
        trace = _play_run(experiment, stepper, index, steps)
        trace.config = {"optimizer": run.optimizer, "hparams": dict(stepper.hparams), "name": run.name,
                        "steps": steps, "seed": experiment.seed}
        if experiment.is_network:
            _finish_network_trace(trace, stepper.problem)
        else:
            trace.extra["problem"] = stepper.problem  # the surface, for claims that need its Hessian
        traces.append(trace)
    return traces


def _play_run(experiment: Experiment, stepper: Stepper, index: int, steps: int) -> Trace:
    marks = sorted({c["step"] for c in experiment.changes if c["run"] == index and c["step"] < steps})
    pieces = []
    for mark in marks:  # the rows up to each live change, then the change
        pieces.append(stepper.run(mark - stepper.k))
        apply_changes(stepper, experiment.changes, index, mark)
    trace = run_trace(stepper, steps - stepper.k, {})
    return _prepend(pieces, trace) if pieces else trace


def _prepend(pieces: list[dict], trace: Trace) -> Trace:
    for name in ("step", "params", "loss", "grad", "lr", "lr_eff", "update"):
        setattr(trace, name, np.concatenate([*(piece[name] for piece in pieces), getattr(trace, name)]))
    for group in ("state", "extra"):
        values = getattr(trace, group)
        for key in list(values):
            values[key] = np.concatenate([*(piece[group][key] for piece in pieces), values[key]])
    return trace


def trace_rows(trace: Trace) -> dict[str, Any]:
    """A played run's rows as the session sends them (`Stepper.run`'s format, with "current" the
    newest point when the run did not diverge): the inverse of what `play` adds to a network's trace."""
    network = "batch_loss" in trace.extra
    extra = {k: v for k, v in trace.extra.items() if isinstance(v, np.ndarray) and k != "batch_loss"}
    if network:
        extra["train_loss"] = trace.loss
    rows = {"step": trace.step, "params": trace.params, "loss": trace.extra["batch_loss"] if network else trace.loss,
            "grad": trace.grad, "lr": trace.lr, "lr_eff": trace.lr_eff, "update": trace.update,
            "state": dict(trace.state), "extra": extra}
    if trace.status == "diverged":
        return rows
    last = len(trace.step) - 1
    head = {k: (v[:last] if k not in ("state", "extra") else {n: a[:last] for n, a in v.items()}) for k, v in rows.items()}
    head["current"] = {k: (v[last] if k not in ("state", "extra") else {n: a[last] for n, a in v.items()})
                       for k, v in rows.items()}
    return head


def _finish_network_trace(trace: Trace, problem) -> None:
    # as gradsim.simulate gives it: `loss` on all training data, the batch loss beside it
    trace.extra["batch_loss"] = trace.loss
    trace.loss = trace.extra.pop("train_loss")
    trace.extra["data"] = (problem.data.X, problem.data.y)
    trace.extra["params_init"] = [(W.copy(), b.copy()) for W, b in problem.mlp.layers(trace.params[0])]
    trace.extra["params_final"] = [(W.copy(), b.copy()) for W, b in problem.mlp.layers(trace.params[-1])]
    trace.extra["problem"] = problem
