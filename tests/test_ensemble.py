"""The ensemble engine: every run of an ensemble equals the same run made alone, bit for bit."""
import numpy as np
import pytest

import gradsim
from gradsim.core import Stepper, get_surface, run_ensemble
from gradsim.core import ensembles as ensemble_module
from gradsim.core.noise import NoiseBlocks

STARTS = np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 2.0], [-0.3, 0.1], [0.9, 0.7], [2.9, -2.5]])
HPARAMS = {"sgd": {"lr": 2e-3, "weight_decay": 0.1}, "momentum": {"lr": 1e-3, "dampening": 0.1},
           "nesterov": {"lr": 2e-3}, "adagrad": {"lr": 0.3, "lr_decay": 0.01}, "adadelta": {"lr": 2.0},
           "rmsprop": {"lr": 1e-2, "centered": True, "momentum": 0.5}, "adam": {"lr": 0.05, "amsgrad": True},
           "adamw": {"lr": 0.05}, "adamax": {"lr": 0.05}, "nadam": {"lr": 0.03}, "rprop": {"lr": 0.05},
           "quickprop": {"lr": 1e-3}, "newton": {"lr": 0.7}}
# max_param_norm 3.5: the last start (norm 3.8) diverges at once, others wander past it or not.
COMMON = dict(schedule={"name": "exponential", "gamma": 0.99, "warmup": 3}, clip={"norm": 200.0}, grad_noise=0.5,
              max_param_norm=3.5)
FIELDS = ("params", "loss", "grad", "lr_eff", "update")


def assert_run_equals(trace, i, alone):
    """Run i of an ensemble trace holds exactly alone's rows, then NaN if it diverged."""
    n = len(alone)
    for key in FIELDS:
        np.testing.assert_array_equal(getattr(trace, key)[:n, i], getattr(alone, key), err_msg=key)
    for name in alone.state:
        np.testing.assert_array_equal(trace.state[name][:n, i], alone.state[name], err_msg=name)
    if alone.status == "diverged":
        assert trace.status[i] == "diverged" and trace.diverged_at[i] == alone.diverged_at
        assert np.all(np.isnan(trace.params[n:, i]))
    else:
        assert trace.status[i] == "ok" and trace.diverged_at[i] == -1


def test_every_optimizer_covers_this_test():
    assert set(HPARAMS) == set(gradsim.OPTIMIZERS)


@pytest.mark.parametrize("optimizer", sorted(HPARAMS))
def test_each_start_equals_its_single_run_with_schedule_clipping_and_noise(optimizer):
    hp = HPARAMS[optimizer]
    together = run_ensemble(get_surface("rosenbrock"), optimizer, hp, STARTS, 120, keep="trace", seed=11,
                            **COMMON).trace
    assert together.params.shape == (121, len(STARTS), 2)
    for i, start in enumerate(STARTS):
        alone = gradsim.simulate("rosenbrock", optimizer=optimizer, hparams=hp, start=start, steps=120, seed=11 + i,
                                 **COMMON)
        assert_run_equals(together, i, alone)


def test_the_cases_above_include_divergence():
    statuses = [run_ensemble(get_surface("rosenbrock"), name, hp, STARTS, 120, seed=11, **COMMON).diverged
                for name, hp in HPARAMS.items()]
    assert 0 < np.sum(statuses) < np.size(statuses)


VARIED = {"sgd": {"lr": [1e-4, 2e-3, 8e-3], "weight_decay": [0.0, 0.2, 0.0]},
          "momentum": {"lr": [1e-3, 1e-3, 4e-3], "momentum": [0.0, 0.5, 0.9]},
          "nesterov": {"momentum": [0.9, 0.0, 0.3]}, "adagrad": {"lr_decay": [0.0, 0.1, 1.0]},
          "adadelta": {"rho": [0.3, 0.9, 0.99]}, "rmsprop": {"momentum": [0.0, 0.5, 0.9], "alpha": [0.3, 0.6, 0.99]},
          "adam": {"beta1": [0.0, 0.4, 0.9], "weight_decay": [0.0, 0.1, 0.0]},
          "adamw": {"weight_decay": [0.0, 0.01, 0.5], "beta2": [0.9, 0.99, 0.999]},
          "adamax": {"beta1": [0.2, 0.5, 0.9]}, "nadam": {"momentum_decay": [0.001, 0.004, 0.5]},
          "rprop": {"eta_plus": [1.1, 1.2, 2.0], "eta_minus": [0.3, 0.5, 0.9]},
          "quickprop": {"max_growth": [1.2, 1.75, 10.0]}, "newton": {"lr": [0.1, 0.7, 1.0]}}


@pytest.mark.parametrize("optimizer", sorted(VARIED))
def test_each_setting_equals_its_single_run(optimizer):
    """N settings at once (a sweep): per-run hyperparameters round as scalars do."""
    base, varied = HPARAMS[optimizer], VARIED[optimizer]
    together = run_ensemble(get_surface("rosenbrock"), optimizer, {**base, **varied}, np.tile([-1.2, 1.0], (3, 1)),
                            100, keep="trace", noise_seeds=[5, 5, 5], **COMMON).trace
    for i in range(3):
        hp = {**base, **{name: values[i] for name, values in varied.items()}}
        alone = gradsim.simulate("rosenbrock", optimizer=optimizer, hparams=hp, start=(-1.2, 1.0), steps=100, seed=5,
                                 **COMMON)
        assert_run_equals(together, i, alone)
        if "lr" in varied:
            np.testing.assert_array_equal(together.lr[:len(alone), i], alone.lr)


@pytest.mark.parametrize("keep", ["final", "path"])
def test_what_is_kept_agrees_with_the_whole_trace(keep, monkeypatch):
    monkeypatch.setattr(ensemble_module, "CHUNK_BYTES", dict.fromkeys(ensemble_module.KEEPS, 16 * 3))  # chunks of three runs: the seams are tested too
    starts = np.random.default_rng(1).uniform([-2, -1], [2, 3], size=(8, 2))
    kwargs = dict(keep=keep, seed=2, grad_noise=0.2, tol=1e-3, target=0.0)
    trace = run_ensemble(get_surface("rosenbrock"), "adam", {"lr": 0.2}, starts, 200, **{**kwargs, "keep": "trace"})
    kept = run_ensemble(get_surface("rosenbrock"), "adam", {"lr": 0.2}, starts, 200, **kwargs)
    np.testing.assert_array_equal(kept.diverged_at, trace.diverged_at)
    np.testing.assert_array_equal(kept.steps_to_tol, trace.steps_to_tol)
    alive = trace.diverged_at < 0
    np.testing.assert_array_equal(kept.final[alive], trace.trace.params[-1][alive])
    np.testing.assert_array_equal(kept.loss_final[alive], trace.trace.loss[-1][alive])
    if keep == "path":
        np.testing.assert_array_equal(kept.path, trace.trace.params)
        np.testing.assert_array_equal(kept.path_loss, trace.trace.loss)
    # steps_to_tol is the first row whose loss is within tol, from the trace itself
    loss = trace.trace.loss
    first = np.where((loss <= 1e-3).any(axis=0), np.argmax(loss <= 1e-3, axis=0), -1)
    np.testing.assert_array_equal(kept.steps_to_tol, first)


def test_gradient_norm_criterion_without_a_target():
    result = run_ensemble(get_surface("quadratic"), "sgd", {"lr": 0.1}, [[1.0, 1.0], [0.0, 0.0]], 50, keep="path",
                          tol=1e-2)
    grads = np.linalg.norm(get_surface("quadratic").loss_grad(result.path)[1], axis=-1)
    np.testing.assert_array_equal(result.steps_to_tol, np.argmax(grads <= 1e-2, axis=0))
    assert result.steps_to_tol[1] == 0


def test_a_diverged_run_stays_at_its_last_finite_point():
    result = run_ensemble(get_surface("quadratic"), "sgd", {"lr": [0.25, 0.1]}, [[1.0, 1.0], [1.0, 1.0]], 200)
    alone = gradsim.simulate("quadratic", optimizer="sgd", hparams={"lr": 0.25}, start=(1.0, 1.0), steps=200)
    assert result.diverged_at[0] == alone.diverged_at and result.diverged_at[1] == -1
    np.testing.assert_array_equal(result.final[0], alone.params[-1])


def test_invalid_starts_raise_or_count_as_diverged_at_step_0():
    surface = get_surface("custom", {"expr": "log(x) + y**2"})
    with pytest.raises(ValueError, match="not finite at start 1"):
        run_ensemble(surface, "sgd", {"lr": 0.1}, [[1.0, 0.0], [-1.0, 0.0]], 5)
    result = run_ensemble(surface, "sgd", {"lr": 0.1}, [[1.0, 0.0], [-1.0, 0.0]], 5, invalid_starts="diverge",
                          keep="path", tol=1e-3)
    assert list(result.diverged_at) == [-1, 0] and result.steps_to_tol[1] == -1
    assert np.isnan(result.path[:, 1]).all() and np.isfinite(result.path[:, 0]).all()


def test_simulate_with_n_starts_uses_the_engine_and_stepper_ensembles_agree_with_noise():
    via_simulate = gradsim.simulate("himmelblau", optimizer="momentum", hparams={"lr": 0.005}, start=STARTS[:3],
                                    steps=40, grad_noise=1.0, seed=4)
    stepper = Stepper(get_surface("himmelblau"), "momentum", {"lr": 0.005}, STARTS[:3], grad_noise=1.0, seed=4)
    rows = stepper.run(40)
    np.testing.assert_array_equal(rows["params"], via_simulate.params[:40])
    np.testing.assert_array_equal(rows["grad"], via_simulate.grad[:40])


def test_stepper_ensemble_snapshot_rewinds_every_noise_stream():
    stepper = Stepper(get_surface("himmelblau"), "adam", {"lr": 0.05}, STARTS[:3], grad_noise=2.0, seed=1)
    stepper.run(5)
    snap = stepper.snapshot()
    first = stepper.run(20)
    stepper.restore(snap)
    np.testing.assert_array_equal(stepper.run(20)["grad"], first["grad"])


def test_noise_blocks_read_the_same_draws_as_single_steps():
    blocks = NoiseBlocks([3, 4], 2, block=4)
    singles = [np.random.default_rng(3), np.random.default_rng(4)]
    for k in range(11):
        np.testing.assert_array_equal(blocks.at(k), [g.standard_normal(2) for g in singles])


@pytest.mark.parametrize("kwargs, message", [
    ({"keep": "all"}, "keep must be one of final, path, trace"),
    ({"hparams": {"lr": [0.1, 0.2]}}, r"needs one value per run: 3 values"),
    ({"hparams": {"lr": [0.1, -1, 0.2]}}, "'lr' = -1 is outside its valid range"),
    ({"hparams": {"amsgrad": [True, False, True]}}, "cannot take one value per run"),
    ({"starts": [[0.0, 0.0, 0.0]]}, r"start must have shape"),
    ({"starts": [0.0, 0.0]}, r"starts must have shape \(N, 2\)"),
    ({"tol": -1.0}, "tol must be a finite number"),
    ({"target": [0.0, 1.0], "tol": 1.0}, "target must be one number or one per run"),
    ({"noise_seeds": [1]}, "noise_seeds needs one seed per run"),
    ({"seed": -2}, "seed must be a whole number from 0 to 2147483647"),
])
def test_bad_input_names_the_problem(kwargs, message):
    args = {"hparams": {"lr": 0.1}, "starts": np.zeros((3, 2)), **kwargs}
    with pytest.raises(ValueError, match=message):
        run_ensemble(get_surface("quadratic"), "adam", args.pop("hparams"), args.pop("starts"), 5, **args)


def test_the_surface_level_form_measures_against_f_star():
    result = gradsim.ensemble(surface="quadratic", optimizer="sgd", hparams={"lr": 0.1}, starts=[[1.0, 0.0]],
                              steps=300, tol=1e-8)
    trace = gradsim.simulate("quadratic", optimizer="sgd", hparams={"lr": 0.1}, start=(1.0, 0.0), steps=300)
    assert result.steps_to_tol[0] == int(np.argmax(trace.loss <= 1e-8))
