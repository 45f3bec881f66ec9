"""Ensemble work in the session and the ensemble views' model, without Qt: what the app shows is what
the API returns for the same settings, bit for bit; stale work is dropped; bad settings are refused."""
import numpy as np
import pytest

import gradsim
from gradsim.app import protocol as p
from gradsim.app.ensemble_model import EnsembleModel, axis_values, default_range, numeric_hparams
from gradsim.app.model import AppModel
from gradsim.app.session import Session
from gradsim.core.basins import PENDING
from gradsim.experiment import Experiment, RunConfig

SPEC = p.EnsembleSpec("himmelblau", {}, "momentum", {"lr": 0.005, "momentum": 0.5}, clip={"norm": 20.0},
                      grad_noise=0.5, seed=4)
API = dict(surface="himmelblau", optimizer="momentum", hparams={"lr": 0.005, "momentum": 0.5}, clip={"norm": 20.0},
           grad_noise=0.5, seed=4)


def work(session, limit=1000):
    """Every reply of the session's jobs until none is left."""
    replies = []
    while session.jobs and limit:
        replies += session.tick()
        limit -= 1
    return replies


def test_a_basin_map_comes_coarse_then_fills_in_band_by_band_and_equals_the_api(monkeypatch):
    monkeypatch.setattr("gradsim.app.ensemble_jobs.BAND_RUN_STEPS", 20 * 61)  # a few rows per band
    session = Session()
    window = ((-5.0, 5.0), (-4.0, 4.0))
    session.handle(p.BasinRequest(1, 7, SPEC, window, (10, 9), 60, 1e-3, coarse=(4, 4)))
    maps = [reply.map for reply in work(session)]
    assert maps[0].resolution == (4, 4) and maps[0].complete
    fine = maps[1:]
    assert [m.rows_done for m in fine] == [2, 4, 6, 8, 9] and np.all(fine[0].basin[2:] == PENDING)
    whole = gradsim.basins(window=window, resolution=(10, 9), steps=60, tol=1e-3, **API)
    for name in ("starts", "final", "basin", "steps_to_tol", "loss_final", "minima"):
        np.testing.assert_array_equal(getattr(fine[-1], name), getattr(whole, name), err_msg=name)
    np.testing.assert_array_equal(maps[0].basin, gradsim.basins(window=window, resolution=(4, 4), steps=60,
                                                                tol=1e-3, **API).basin)


def test_a_newer_request_replaces_the_old_one_and_cancel_drops_it():
    session = Session()
    request = p.BasinRequest(1, 1, SPEC, ((-5.0, 5.0), (-5.0, 5.0)), (64, 64), 100, 1e-3, coarse=(4, 4))
    session.handle(request)
    session.handle(p.SweepRequest(1, 2, SPEC, {"lr": (1e-3, 1e-2)}, (0.0, 0.0), 20, 1e-3))
    session.handle(p.BasinRequest(1, 3, SPEC, ((-5.0, 5.0), (-5.0, 5.0)), (4, 4), 20, 1e-3, coarse=None))
    replies = work(session)
    assert {r.job for r in replies} == {2, 3}  # both kinds ran side by side; job 1 was replaced
    session.handle(request)
    session.handle(p.CancelJob(1, 1))
    assert not session.jobs and not session.busy and session.tick() == []


def test_a_sweep_and_a_phase_diagram_equal_the_api():
    session = Session()
    lrs, momenta = tuple(np.geomspace(1e-3, 0.05, 9)), (0.0, 0.5, 0.9)
    session.handle(p.SweepRequest(1, 1, SPEC, {"lr": lrs, "momentum": momenta}, (0.0, 0.0), 50, 1e-3))
    last = work(session)[-1].sweep
    whole = gradsim.sweep(vary={"lr": lrs, "momentum": momenta}, start=(0.0, 0.0), steps=50, tol=1e-3, **API)
    assert last.complete and last.names == ("lr", "momentum")
    for name in ("final_loss", "steps_to_tol", "diverged"):
        np.testing.assert_array_equal(getattr(last, name), getattr(whole, name), err_msg=name)


def test_a_swarm_is_the_ensemble_of_its_starts_with_the_statistics_of_every_step():
    session = Session()
    session.handle(p.SwarmRequest(1, 5, SPEC, 40, "gaussian", ((-5.0, 5.0), (-5.0, 5.0)), (0.0, 0.0), 1.5, 30))
    (result,) = work(session)
    starts = gradsim.sample_starts(40, "gaussian", center=(0.0, 0.0), spread=1.5, seed=4)
    np.testing.assert_array_equal(result.starts, starts)
    ens = gradsim.ensemble(starts=starts, steps=30, keep="path", **API)
    np.testing.assert_array_equal(result.frame_steps, np.arange(31))
    np.testing.assert_array_equal(result.frames, ens.path.astype(np.float32))
    stats = gradsim.swarm_stats(ens.path, ens.path_loss)
    np.testing.assert_array_equal(result.stats.median, stats.median)
    np.testing.assert_array_equal(result.stats.moving, stats.moving)


@pytest.mark.parametrize("request_, text", [
    (p.SwarmRequest(1, 1, SPEC, 5000, "uniform", ((-1.0, 1.0), (-1.0, 1.0)), (0.0, 0.0), 1.0, 5000),
     "a swarm is at most"),
    (p.BasinRequest(1, 1, SPEC, ((1.0, -1.0), (0.0, 1.0)), (4, 4), 10, 1e-3), "x0 < x1"),
    (p.SweepRequest(1, 1, SPEC, {"lr": (-1.0, 0.1)}, (0.0, 0.0), 10, 1e-3), "outside its valid range"),
])
def test_bad_settings_fail_with_a_reason_and_the_session_goes_on(request_, text):
    session = Session()
    session.handle(request_)
    (reply,) = work(session)
    assert isinstance(reply, p.JobFailed) and text in reply.text and not session.jobs


class Harness:
    """The app model and the ensemble model wired to a session in this process."""

    def __init__(self, experiment):
        self.session, self.queue = Session(), []
        self.model = AppModel(experiment, send=self.queue.append)
        self.ensembles = EnsembleModel(self.model)
        self.results, self.rejected = [], []
        self.ensembles.result_changed.connect(self.results.append)
        self.ensembles.rejected.connect(lambda field, reason: self.rejected.append((field, reason)))
        self.model.load(experiment)
        self.pump()

    def pump(self):
        while self.queue or self.session.jobs:
            while self.queue:
                for reply in self.session.handle(self.queue.pop(0)):
                    self.model.receive(reply)
                    self.ensembles.receive(reply)
            for reply in self.session.tick():
                self.model.receive(reply)
                self.ensembles.receive(reply)


def bowl(optimizer="sgd", hparams=None):
    return Experiment(surface="quadratic", runs=[RunConfig(optimizer, hparams or {"lr": 0.05})])


def test_the_view_on_screen_asks_again_when_the_selected_runs_settings_change():
    h = Harness(bowl())
    h.ensembles.set_setting("basins", "detail", 12)
    h.ensembles.set_setting("basins", "steps", 40)
    assert h.results == []  # nothing is computed for a view that is not on screen
    h.ensembles.set_view("basins")
    h.pump()
    first = h.ensembles.results["basins"]
    assert h.ensembles.finished("basins") and first.resolution == (12, 12) and first.config["hparams"]["lr"] == 0.05
    h.model.set_hparam(0, "lr", 0.25)  # above 2/λmax = 0.2: every start off the minimum diverges
    h.pump()
    again = h.ensembles.results["basins"]
    assert again.config["hparams"]["lr"] == 0.25 and np.mean(again.basin == -1) > 0.9
    count = len(h.results)
    h.ensembles.set_window("basins", ((-3.0, 3.0), (-3.0, 3.0)))  # the window it has already
    h.pump()
    assert len(h.results) == count


def test_a_click_on_a_pixel_starts_the_runs_from_its_centre():
    h = Harness(bowl())
    h.ensembles.set_setting("basins", "detail", 8)
    h.ensembles.set_view("basins")
    h.pump()
    m = h.ensembles.results["basins"]
    assert h.ensembles.start_at(0.1, -2.9)
    h.pump()
    np.testing.assert_array_equal(h.model.experiment.start, m.starts[0, 4])


def test_refused_settings_are_announced_and_kept_out():
    h = Harness(bowl())
    assert not h.ensembles.set_setting("swarm", "n", 9)
    assert not h.ensembles.set_setting("sweep", "tol", -1.0)
    assert [field for field, _ in h.rejected] == ["swarm.n", "sweep.tol"]
    assert h.ensembles.settings["swarm"].n == 500


def test_the_default_sweep_range_spans_the_theory_marks_of_the_default_bowl():
    h = Harness(bowl("sgd", {"lr": 0.01}))
    h.ensembles.set_setting("sweep", "steps", 300)
    h.ensembles.set_view("sweep")
    h.pump()
    result = h.ensembles.results["sweep"]
    lrs = result.values["lr"]
    assert len(lrs) == 100 and lrs[0] == pytest.approx(1e-5) and lrs[-1] == pytest.approx(1.0)
    assert lrs[0] < result.theory.marks["1/λmax"] < result.theory.marks["2/λmax"] < lrs[-1]
    assert result.diverged.any() and not result.diverged[lrs < 0.19].any()


def test_a_network_has_no_ensemble_views_and_says_so():
    h = Harness(Experiment(dataset="xor", runs=[RunConfig("sgd", {"lr": 0.1})]))
    h.ensembles.set_view("basins")
    h.pump()
    assert h.results == [] and "2-D surfaces" in h.ensembles.status["basins"]


def test_ranges_follow_the_scale_of_each_hyperparameter():
    specs = {spec.name: spec for spec in numeric_hparams("momentum")}
    assert default_range(specs["lr"], 0.01) == pytest.approx((1e-5, 1.0))
    low, high = default_range(specs["momentum"], 0.9)
    assert low == 0.0 and 0.98 < high < 1.0
    np.testing.assert_allclose(axis_values(specs["lr"], 1e-3, 1.0, 4), [1e-3, 1e-2, 1e-1, 1.0])
    assert "dampening" in [s.name for s in numeric_hparams("momentum")]
