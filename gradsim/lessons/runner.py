"""Playing a lesson headlessly through the engine, and checking every claim it makes."""
from __future__ import annotations

import numpy as np

from ..core.simulate import Trace, simulate
from .claims import CLAIMS
from .schema import Lesson, Step


UNTIL = {"loss_below": lambda trace, value: trace.loss < value,
         "accuracy_at_least": lambda trace, value: trace.train_accuracy >= value}


def play_step(step: Step) -> dict[str, Trace]:
    """Every run of the step's scene, for the step's action ("run_until": up to the first step
    at which the condition holds, or the step limit)."""
    traces = _play(step, step.action.get("steps", 0))
    if step.action.get("kind") == "run_until":
        stop = until_step(step, traces)
        if stop < step.action["steps"]:
            traces = _play(step, stop)  # the same runs, stopped where the condition first held
    return traces


def until_step(step: Step, traces: dict[str, Trace] | None = None) -> int:
    """The number of updates a "run_until" action takes: where its condition first holds."""
    until = dict(step.action["until"])
    traces = traces or _play(step, step.action["steps"])
    trace = traces[until.pop("run")]
    (test, value), = until.items()
    holds = np.nonzero(UNTIL[test](trace, value))[0]
    return int(holds[0]) if len(holds) else step.action["steps"]


def _play(step: Step, steps: int) -> dict[str, Trace]:
    scene = step.scene
    common = dict(steps=steps, schedule=scene.schedule, clip=scene.clip,
                  grad_noise=scene.grad_noise, seed=scene.seed)
    if scene.dataset is not None:
        problem = dict(dataset=scene.dataset, dataset_params=scene.dataset_params, model=scene.model,
                       batch_size=scene.batch_size, start=scene.start)
    else:
        problem = dict(surface=scene.problem, surface_params=scene.problem_params, start=scene.start)
    traces = {}
    for run in scene.runs:
        own = {"batch_size": run.batch_size} if run.batch_size is not None else {}
        if run.model:
            own["model"] = {**scene.model, **run.model}
        traces[run.name] = simulate(optimizer=run.optimizer, hparams=run.hparams, **{**problem, **own}, **common)
    return traces


def check_lesson(lesson: Lesson) -> list[tuple[int, dict, bool, str]]:
    """(step number, claim, holds, what was seen) for every claim of the lesson."""
    results = []
    for number, step in enumerate(lesson.steps, start=1):
        if not step.claims:
            continue
        traces = play_step(step)
        for claim in step.claims:
            holds, seen = CLAIMS[claim["kind"]].check(traces, claim)
            results.append((number, claim, holds, seen))
    return results
