"""A lesson step's scene as an app experiment, and its action, as the app and the checker play them (Qt-free)."""
from __future__ import annotations

from ..app.runs import Until
from ..experiment import PALETTE, Experiment, RunConfig
from .schema import Step


def scene_experiment(step: Step, revealed: bool = True) -> Experiment:
    """The step's scene as an experiment; its runs named by their aliases unless `revealed`
    (the names do not change what is computed: the checker and the app play the same runs)."""
    scene = step.scene
    names = scene.shown_names(revealed)
    runs = [RunConfig(run.optimizer, dict(run.hparams), PALETTE[i % len(PALETTE)], True, names[i], run.batch_size,
                      dict(run.model), run.schedule) for i, run in enumerate(scene.runs)]
    experiment = Experiment(surface=scene.problem or "rosenbrock", surface_params=dict(scene.problem_params),
                            start=scene.start, runs=runs, schedule=scene.schedule, clip=scene.clip,
                            grad_noise=scene.grad_noise, seed=scene.seed, max_steps=action_steps(step),
                            dataset=scene.dataset, dataset_params=dict(scene.dataset_params),
                            batch_size=scene.batch_size)
    if scene.dataset is not None:
        experiment.model = {**experiment.model, **scene.model}
    return experiment.validate()


def action_steps(step: Step) -> int:
    """The most updates the step's action takes (a run_until action may stop sooner)."""
    return max(1, step.action.get("steps", 1))


def action_pause(step: Step) -> int | None:
    """The step at which a run action pauses for the class (Next goes on to the end), if any."""
    return step.action.get("pause_at")


def action_until(step: Step) -> Until | None:
    """A run_until action's condition, with its run named by index."""
    if step.action.get("kind") != "run_until":
        return None
    condition = dict(step.action["until"])
    name = condition.pop("run")
    (test, value), = condition.items()
    index = next(i for i, run in enumerate(step.scene.runs) if run.name == name)
    return Until(index, test, float(value))
