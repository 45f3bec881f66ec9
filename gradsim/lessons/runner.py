"""Playing a lesson headlessly, exactly as the app's session plays it, and checking every claim."""
from __future__ import annotations

from ..app.runs import play
from ..core.simulate import Trace
from .claims import CLAIMS
from .scenes import action_steps, action_until, scene_experiment
from .schema import Lesson, Step


def play_step(step: Step) -> dict[str, Trace]:
    """Every run of the step's scene, by name, for the step's action ("run_until": up to the first
    step at which the condition holds, or the step limit)."""
    steps = action_steps(step) if step.action.get("kind") in ("run", "run_until") else 0
    traces = play(scene_experiment(step), steps, action_until(step))
    return {run.name: trace for run, trace in zip(step.scene.runs, traces)}


def check_lesson(lesson: Lesson) -> list[tuple[int, dict, bool, str]]:
    """(step number, claim, holds, what was seen) for every claim of the lesson."""
    results = []
    for number, step in enumerate(lesson.steps, start=1):
        if not step.claims:
            continue
        traces = play_step(step)
        for claim in step.claims:
            results.append((number, claim, *check_claim(traces, claim)))
    return results


def check_claim(traces: dict[str, Trace], claim: dict) -> tuple[bool, str]:
    """(holds, what was seen); a claim that cannot be read from the traces (a step past a run that
    stopped early, a layer the network lacks) does not hold, and says why."""
    try:
        return CLAIMS[claim["kind"]].check(traces, claim)
    except (IndexError, KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return False, f"{claim.get('run', '')}: cannot be checked ({type(error).__name__}: {error})"
