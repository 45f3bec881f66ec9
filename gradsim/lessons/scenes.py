"""A lesson step's scene as an app experiment (Qt-free)."""
from __future__ import annotations

from ..experiment import PALETTE, Experiment, RunConfig
from .schema import Step


def scene_experiment(step: Step) -> Experiment:
    scene = step.scene
    runs = [RunConfig(run.optimizer, dict(run.hparams), PALETTE[i % len(PALETTE)], True, run.name, run.batch_size,
                      dict(run.model)) for i, run in enumerate(scene.runs)]
    experiment = Experiment(surface=scene.problem or "rosenbrock", surface_params=dict(scene.problem_params),
                            start=scene.start, runs=runs, schedule=scene.schedule, clip=scene.clip,
                            grad_noise=scene.grad_noise, seed=scene.seed,
                            max_steps=max(1, step.action.get("steps", 1)), dataset=scene.dataset,
                            dataset_params=dict(scene.dataset_params), batch_size=scene.batch_size)
    if scene.dataset is not None:
        experiment.model = {**experiment.model, **scene.model}
    return experiment.validate()
