"""The app's stepping session and experiment files, without Qt."""
import json

import numpy as np
import pytest

from gradsim.experiment import MAX_RUNS, Experiment, RunConfig
from gradsim.session import Session


def configured(experiment=None):
    session = Session()
    messages = session.handle(("configure", (experiment or Experiment.default()).to_json(), 7))
    return session, messages


def test_configure_reports_every_start():
    session, messages = configured()
    kind, generation, rows = messages[0]
    assert kind == "chunk" and generation == 7 and set(rows) == {0, 1, 2}
    np.testing.assert_array_equal(rows[0]["current"]["params"], [-1.2, 1.0])


def test_full_speed_keeps_runs_in_lockstep():
    session, _ = configured()
    session.handle(("play", True))
    for _ in range(5):
        session.tick()
    steps = {stepper.k for stepper in session.steppers}
    assert len(steps) == 1 and steps.pop() > 0


def test_a_step_command_and_a_live_hyperparameter_change():
    session, _ = configured()
    (kind, _, rows), = session.handle(("step",))
    assert kind == "chunk" and all(len(r["step"]) == 1 for r in rows.values())
    adam = session.steppers[2]
    state = dict(adam.state)
    session.handle(("hparams", 2, {"lr": 0.5}))
    assert adam.hparams["lr"] == 0.5 and all(adam.state[k] is state[k] for k in state)


def test_divergence_and_the_end_are_reported():
    experiment = Experiment(surface="quadratic", runs=[RunConfig("sgd", {"lr": 0.25}), RunConfig("sgd", {"lr": 0.1})],
                            max_steps=300)
    session, _ = configured(experiment)
    session.handle(("play", True))
    messages = []
    while session.playing:
        messages += session.tick()
    diverged = [m for m in messages if m[0] == "diverged"]
    assert diverged == [("diverged", 7, 0, 34, "lr 0.25 is above 2/λmax = 0.2")]
    assert messages[-1] == ("stopped", 7) and session.steppers[1].k == 300


def test_speed_limit_in_steps_per_second():
    session, _ = configured()
    session.handle(("speed", 1000.0))
    session.handle(("play", True))
    session._last_tick -= 0.05  # 50 ms have passed
    session.tick()
    assert all(40 <= s.k <= 60 for s in session.steppers)


def test_experiment_round_trip_and_checks(tmp_path):
    experiment = Experiment.default()
    experiment.start = (0.5, -0.25)
    path = tmp_path / "e.json"
    experiment.save(str(path))
    loaded = Experiment.load(str(path))
    assert loaded == experiment.validate()
    document = json.loads(path.read_text())
    for change, message in [({"version": 99}, "version 99"), ({"format": "other"}, "not a GradSim experiment"),
                            ({"surface": "rosenbrok"}, "did you mean 'rosenbrock'"),
                            ({"runs": []}, f"1 to {MAX_RUNS} runs"),
                            ({"runs": [{"optimizer": "adam", "hparams": {"lr": -1}}]}, "run 1: .*outside"),
                            ({"colour": "red"}, "unknown field")]:
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({**document, **change}))
        with pytest.raises(ValueError, match=message):
            Experiment.load(str(bad))
    with pytest.raises(ValueError, match="cannot open"):
        Experiment.load(str(tmp_path / "missing.json"))
