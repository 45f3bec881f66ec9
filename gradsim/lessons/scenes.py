"""A lesson step's scene as an app experiment (Qt-free)."""
from __future__ import annotations

from ..experiment import PALETTE, Experiment, RunConfig
from .runner import until_step
from .schema import Step

_UNTIL: dict[int, tuple[Step, int]] = {}  # a run_until step's length, found once by playing it headlessly


def action_steps(step: Step) -> int:
    """How many updates the step's action takes (where a run_until condition first holds)."""
    if step.action.get("kind") != "run_until":
        return step.action.get("steps", 1)
    known = _UNTIL.get(id(step))
    if known is None or known[0] is not step:  # (the step is kept, so its id cannot be reused)
        known = _UNTIL[id(step)] = (step, until_step(step))
    return known[1]


def scene_experiment(step: Step) -> Experiment:
    scene = step.scene
    runs = [RunConfig(run.optimizer, dict(run.hparams), PALETTE[i % len(PALETTE)], True, run.name, run.batch_size,
                      dict(run.model)) for i, run in enumerate(scene.runs)]
    experiment = Experiment(surface=scene.problem or "rosenbrock", surface_params=dict(scene.problem_params),
                            start=scene.start, runs=runs, schedule=scene.schedule, clip=scene.clip,
                            grad_noise=scene.grad_noise, seed=scene.seed,
                            max_steps=max(1, action_steps(step)), dataset=scene.dataset,
                            dataset_params=dict(scene.dataset_params), batch_size=scene.batch_size)
    if scene.dataset is not None:
        experiment.model = {**experiment.model, **scene.model}
    return experiment.validate()
