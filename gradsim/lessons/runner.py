"""Playing a lesson headlessly through the engine, and checking every claim it makes."""
from __future__ import annotations

from ..core.simulate import Trace, simulate
from .claims import CLAIMS
from .schema import Lesson, Step


def play_step(step: Step) -> dict[str, Trace]:
    """Every run of the step's scene, for the step's action."""
    scene = step.scene
    common = dict(steps=step.action.get("steps", 0), schedule=scene.schedule, clip=scene.clip,
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
