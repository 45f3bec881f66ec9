"""Every step of every shipped lesson plays in the app's session exactly as the checker played it."""
import numpy as np
import pytest

from gradsim.app import protocol as p
from gradsim.app.session import Session
from gradsim.lessons import load_lessons
from gradsim.lessons.runner import play_step
from gradsim.lessons.scenes import action_until, scene_experiment

STEPS = [pytest.param(step, id=f"{lesson.path.stem}-{number}")
         for lesson in load_lessons() for number, step in enumerate(lesson.steps, start=1)
         if step.action.get("kind") in ("run", "run_until")]


def session_rows(step) -> dict[int, dict[str, np.ndarray]]:
    """What the app's session sends for the step's action, each run's chunks joined (newest point last)."""
    session = Session()
    replies = session.handle(p.Configure(1, scene_experiment(step).to_json(), action_until(step)))
    session.handle(p.Play(1, True))
    while session.playing:
        replies += session.tick()
    pieces = {}
    for reply in replies:
        if isinstance(reply, p.Chunk):
            for index, rows in reply.rows.items():
                pieces.setdefault(index, []).append(rows)
    joined = {}
    for index, chunks in pieces.items():
        columns = {}
        for key in ("step", "params", "loss", "grad", "lr", "lr_eff", "update"):
            parts = [c[key] for c in chunks if len(c["step"])]
            if chunks[-1].get("current") is not None:
                parts.append(np.asarray(chunks[-1]["current"][key])[None])
            columns[key] = np.concatenate(parts)
        for group in ("state", "extra"):
            for name in chunks[0][group]:
                parts = [c[group][name] for c in chunks if len(c["step"])]
                if chunks[-1].get("current") is not None:
                    parts.append(np.asarray(chunks[-1]["current"][group][name])[None])
                columns[f"{group}.{name}"] = np.concatenate(parts)
        joined[index] = columns
    return joined


@pytest.mark.parametrize("step", STEPS)
def test_the_app_plays_what_the_checker_checked(step):
    traces = play_step(step)
    rows = session_rows(step)
    for index, run in enumerate(step.scene.runs):
        trace, got = traces[run.name], rows[index]
        network = step.scene.dataset is not None
        expected = {"step": trace.step, "params": trace.params, "grad": trace.grad, "lr": trace.lr,
                    "lr_eff": trace.lr_eff, "update": trace.update,
                    "loss": trace.batch_loss if network else trace.loss}
        expected.update({f"state.{k}": v for k, v in trace.state.items()})
        if network:
            expected["extra.train_loss"] = trace.loss
            expected["extra.train_accuracy"] = trace.train_accuracy
        for key, value in expected.items():
            np.testing.assert_array_equal(got[key], value, err_msg=f"run {run.name}: {key}")
