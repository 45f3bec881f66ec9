"""The app model without Qt: driven against a real session in this process."""
import numpy as np
import pytest

from gradsim.app.model import AppModel
from gradsim.app.runs import play
from gradsim.app.session import Session
from gradsim.experiment import Experiment, RunConfig


class Harness:
    """The model wired to a session in this process; `pump` delivers every command and reply."""

    def __init__(self, experiment=None):
        self.session = Session()
        self.queue = []
        self.model = AppModel(experiment, send=self.queue.append)
        self.events = []
        for name in ("configured", "run_changed", "rejected", "stopped", "logged"):
            getattr(self.model, name).connect(lambda *args, n=name: self.events.append((n, *args)))
        self.model.load(self.model.experiment)
        self.pump()

    def pump(self):
        while self.queue:
            for reply in self.session.handle(self.queue.pop(0)):
                self.model.receive(reply)

    def play_until(self, done, limit=100_000):
        self.model.play(True)
        self.pump()
        while not done() and self.session.playing and limit:
            for reply in self.session.tick():
                self.model.receive(reply)
            self.pump()
            limit -= 1
        self.model.play(False)
        self.pump()


def test_the_model_builds_runs_and_follows_the_session():
    h = Harness()
    assert h.model.ready and h.model.info.kind == "surface" and h.model.newest_step() == 0
    h.play_until(lambda: h.model.newest_step() >= 300)
    assert all(history.last_step == h.model.newest_step() for history in h.model.histories)


def test_a_refused_value_is_announced_and_the_run_keeps_its_own():
    h = Harness()
    h.model.select(2)
    assert not h.model.set_hparam(2, "eps", 0.0)
    assert h.events[-1][0] == "rejected" and h.events[-1][1] == "hp_eps" and "eps" in h.events[-1][2]
    assert h.model.hparams(2)["eps"] == 1e-8 and h.model.log[-1].kind == "rejected"


def test_a_live_change_is_acknowledged_recorded_and_named_in_the_label():
    h = Harness()
    h.play_until(lambda: h.model.newest_step() >= 100)
    at = h.model.newest_step()
    assert h.model.set_hparam(0, "lr", 2e-3)
    h.pump()
    assert h.model.experiment.changes == [{"step": at, "run": 0, "hparams": {"lr": 2e-3}}]
    assert "η=0.002" in h.model.label(0) and ("run_changed", 0) in h.events
    assert h.model.hparams(0, at - 1)["lr"] == 1e-3 and h.model.hparams(0, at)["lr"] == 2e-3


def test_a_start_point_then_a_network_problem_works():
    h = Harness()
    assert h.model.set_start(0.5, 0.5)
    h.pump()
    h.model.set_problem("moons")
    h.pump()
    assert h.model.experiment.dataset == "moons" and h.model.experiment.start is None
    assert h.model.info.kind == "network" and h.model.ready
    h.model.step_forward()
    h.pump()
    assert h.model.newest_step() == 1


def test_scrubbing_back_and_changing_the_rate_branches_there():
    h = Harness()
    h.play_until(lambda: h.model.newest_step() >= 200)
    before = [history.get("params").copy() for history in h.model.histories]
    h.model.scrub(40)
    assert h.model.shown_step() == 40
    h.model.set_hparam(2, "lr", 0.01)
    h.pump()
    assert h.model.newest_step() == 40 and h.model.experiment.changes == [{"step": 40, "run": 2,
                                                                          "hparams": {"lr": 0.01}}]
    h.play_until(lambda: h.model.newest_step() >= 120)
    for i, history in enumerate(h.model.histories):
        np.testing.assert_array_equal(history.get("params")[:41], before[i][:41])  # before the branch: unchanged
    lr = h.model.histories[2].get("lr")
    assert np.all(lr[:40] == 0.05) and np.all(lr[40:] == 0.01)
    expected = h.model.saved_experiment()
    trace = play(expected, expected.steps_played)[2]
    np.testing.assert_array_equal(h.model.histories[2].get("params"), trace.params)


def test_play_from_a_scrubbed_step_continues_from_there():
    h = Harness()
    h.play_until(lambda: h.model.newest_step() >= 100)
    h.model.scrub(30)
    h.play_until(lambda: h.model.newest_step() >= 35)
    steps = h.model.histories[0].get("step")
    np.testing.assert_array_equal(steps, np.arange(len(steps)))  # no gap, no duplicate: replayed from 30


def test_reset_keeps_the_rates_the_runs_use_now_and_forgets_the_changes():
    h = Harness()
    h.play_until(lambda: h.model.newest_step() >= 50)
    h.model.set_hparam(1, "lr", 5e-4)
    h.pump()
    h.model.reset()
    h.pump()
    assert h.model.experiment.runs[1].hparams["lr"] == 5e-4 and h.model.experiment.changes == []
    assert h.model.newest_step() == 0


def test_saving_and_opening_resumes_where_the_runs_were(tmp_path):
    h = Harness()
    h.play_until(lambda: h.model.newest_step() >= 150)
    h.model.set_hparam(2, "lr", 0.02)
    h.pump()
    h.play_until(lambda: h.model.newest_step() >= 300)
    path = tmp_path / "e.json"
    h.model.saved_experiment().save(str(path))
    again = Harness()
    again.model.load(Experiment.load(str(path)), resume=True)
    again.pump()
    for old, new in zip(h.model.histories, again.model.histories):
        np.testing.assert_array_equal(new.get("params"), old.get("params"))
    assert again.model.hparams(2)["lr"] == 0.02


def test_a_network_problem_the_session_cannot_build_falls_back_to_the_last_good_one():
    h = Harness(Experiment(surface="quadratic", runs=[RunConfig("sgd", {"lr": 0.1})]).validate())
    bad = Experiment(surface="quadratic", runs=[RunConfig("sgd", {"lr": 0.1})]).validate()
    bad.max_steps = 0  # passes no check: the session refuses it
    h.model.experiment = bad
    h.model._configure()
    h.pump()
    assert h.model.experiment.max_steps == 100_000 and h.model.ready
    assert any(e[0] == "rejected" for e in h.events)


def test_run_until_comes_from_the_session():
    from gradsim.app.runs import Until
    experiment = Experiment(surface="quadratic", start=(2.0, 1.0), max_steps=1000,
                            runs=[RunConfig("sgd", {"lr": 0.09}), RunConfig("sgd", {"lr": 0.01})]).validate()
    h = Harness()
    h.model.load(experiment, until=Until(0, "loss_below", 1e-4))
    h.pump()
    h.play_until(lambda: False)
    assert h.model.newest_step() == 53 and ("stopped",) in h.events


@pytest.mark.parametrize("network", [False, True])
def test_the_session_answers_the_inspector(network):
    experiment = (Experiment(dataset="xor", model={"hidden": [3]}, runs=[RunConfig("newton", {"lr": 1.0})])
                  if network else Experiment.default()).validate()
    h = Harness(experiment)
    h.model.request_inspection(0, 0, full=True)
    h.pump()
    assert h.model.inspection is not None and h.model.inspection.hessian.shape[0] == (13 if network else 2)  # 2·3 + 3 + 3·1 + 1 weights


def test_a_label_names_the_rate_once():
    from gradsim.experiment import RunConfig
    assert RunConfig(optimizer="adam", hparams={"lr": 0.01}).label == "Adam (η=0.01)"
    assert RunConfig(name="η = 0.05: creeps", optimizer="sgd", hparams={"lr": 0.05}).label == "η = 0.05: creeps"
    # a name that says another rate (the rate was changed live, or is only similar) still gets the current one
    assert RunConfig(name="η = 0.05: creeps", optimizer="sgd", hparams={"lr": 0.5}).label == "η = 0.05: creeps (η=0.5)"
    assert RunConfig(name="η = 0.15", optimizer="sgd", hparams={"lr": 0.1}).label == "η = 0.15 (η=0.1)"
