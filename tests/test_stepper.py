"""The step loop: ensembles, divergence, bad input, live changes, snapshots, noise and slices."""
import math

import numpy as np
import pytest

import gradsim
from gradsim.core import Stepper, clip_gradient

STARTS = np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 2.0], [-0.3, 0.1], [0.9, 0.7]])


@pytest.mark.parametrize("optimizer, hparams", [
    ("sgd", {"lr": 1e-3}), ("momentum", {"lr": 1e-3}), ("adam", {"lr": 0.02, "amsgrad": True}),
    ("rmsprop", {"lr": 1e-3, "centered": True, "momentum": 0.5}), ("rprop", {}), ("nadam", {"lr": 0.01}),
    ("adadelta", {}), ("adagrad", {"lr": 0.1}), ("adamax", {"lr": 0.01}), ("quickprop", {"lr": 1e-3}),
    ("newton", {"lr": 0.5})])
def test_an_ensemble_equals_each_run_made_alone(optimizer, hparams):
    together = gradsim.simulate("rosenbrock", optimizer=optimizer, hparams=hparams, start=STARTS, steps=150,
                                schedule={"name": "exponential", "gamma": 0.995}, clip={"norm": 50.0})
    assert together.params.shape == (151, 5, 2) and together.loss.shape == (151, 5)
    for i, start in enumerate(STARTS):
        alone = gradsim.simulate("rosenbrock", optimizer=optimizer, hparams=hparams, start=start, steps=150,
                                 schedule={"name": "exponential", "gamma": 0.995}, clip={"norm": 50.0})
        if alone.status == "diverged":
            assert together.status[i] == "diverged" and together.diverged_at[i] == alone.diverged_at
            n = alone.diverged_at
            assert np.all(np.isnan(together.params[n:, i]))
        else:
            assert together.status[i] == "ok" and together.diverged_at[i] == -1
            n = len(alone)
        np.testing.assert_allclose(together.params[:n, i], alone.params, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(together.lr_eff[:n, i], alone.lr_eff, rtol=1e-12, atol=1e-300)
        for name in alone.state:
            np.testing.assert_allclose(together.state[name][:n, i], alone.state[name], rtol=1e-12, atol=1e-300)


def test_a_diverging_run_stops_at_its_last_finite_state_and_says_when():
    # On ½(x² + 10y²) gradient descent diverges when lr > 2/λmax = 0.2.
    trace = gradsim.simulate("quadratic", optimizer="sgd", hparams={"lr": 0.25}, start=(1.0, 1.0), steps=500)
    assert trace.status == "diverged"
    k = trace.diverged_at
    assert len(trace) == k and len(trace.params) == k
    assert np.all(np.isfinite(trace.params)) and np.all(np.isfinite(trace.loss))
    # |y| grows by |1 − 0.25·10| = 1.5 per step until it passes the bound 1e6
    assert k == math.ceil(math.log(1e6) / math.log(1.5))
    assert np.linalg.norm(trace.params[-1]) <= 1e6 < np.linalg.norm(trace.params[-1] + trace.update[-1])
    stable = gradsim.simulate("quadratic", optimizer="sgd", hparams={"lr": 0.19}, start=(1.0, 1.0), steps=500)
    assert stable.status == "ok" and stable.diverged_at is None and len(stable) == 501


def test_divergence_bound_is_settable_and_nan_counts_too():
    trace = gradsim.simulate("quadratic", optimizer="sgd", hparams={"lr": 0.25}, start=(1.0, 1.0), steps=500,
                             max_param_norm=100.0)
    assert trace.status == "diverged" and np.linalg.norm(trace.params[-1]) <= 100
    # log(x) leaves its domain: the loss becomes NaN, which is divergence, not an exception
    nan = gradsim.simulate("custom", {"expr": "log(x) + y**2"}, optimizer="sgd", hparams={"lr": 2.0},
                           start=(0.5, 0.0), steps=50)
    assert nan.status == "diverged" and np.all(np.isfinite(nan.loss))


def test_silly_hyperparameters_never_raise():
    for lr in (0.0, 1e3):
        for name in gradsim.OPTIMIZERS:
            trace = gradsim.simulate("rosenbrock", optimizer=name, hparams={"lr": lr}, steps=50)
            assert trace.status in ("ok", "diverged")
            assert np.all(np.isfinite(trace.params))


def test_an_ensemble_keeps_running_the_runs_that_did_not_diverge():
    trace = gradsim.simulate("quadratic", optimizer="sgd", hparams={"lr": 0.25},
                             start=[[1.0, 1.0], [1.0, 0.0]], steps=100)
    assert list(trace.status) == ["diverged", "ok"]
    k = trace.diverged_at[0]
    assert np.all(np.isfinite(trace.params[:k, 0])) and np.all(np.isnan(trace.params[k:, 0]))
    np.testing.assert_allclose(trace.params[:, 1, 0], 0.75 ** np.arange(101))


@pytest.mark.parametrize("kwargs, message", [
    ({"surface": "rosenbrok"}, "unknown surface 'rosenbrok'; did you mean 'rosenbrock'"),
    ({"optimizer": "nesterof"}, "unknown optimizer 'nesterof'; did you mean 'nesterov'"),
    ({"start": (float("nan"), 0.0)}, "start must be finite"),
    ({"start": (float("inf"), 0.0)}, "start must be finite"),
    ({"start": (1.0, 2.0, 3.0)}, r"start must have shape \(2,\) or \(N, 2\)"),
    ({"start": "here"}, "start must be numbers"),
    ({"steps": -1}, "steps must be a whole number from 0 to 1000000, got -1"),
    ({"steps": 2.5}, "steps must be a whole number"),
    ({"schedule": {"name": "cosin"}}, "unknown schedule 'cosin'; did you mean 'cosine'"),
    ({"schedule": {"name": "step", "gamma": 0}}, "'gamma' = 0 is outside its valid range"),
    ({"schedule": {"name": "step", "step_size": 2.5}}, "must be a whole number"),
    ({"schedule": {"name": "cosine", "tmax": 5}}, "did you mean 't_max'"),
    ({"clip": {"norm": -1}}, "clip norm must be a positive finite number"),
    ({"clip": {"both": 1}}, "clip must be"),
    ({"grad_noise": -0.1}, "grad_noise must be a finite number ≥ 0"),
    ({"seed": -5}, "seed must be a whole number from 0 to 2147483647"),
    ({"max_param_norm": 0}, "max_param_norm must be positive"),
])
def test_bad_input_raises_a_value_error_that_names_the_problem(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gradsim.simulate(**{"steps": 10, **kwargs})


def test_changing_a_hyperparameter_keeps_the_optimizer_state():
    surface = gradsim.get_surface("rosenbrock")
    stepper = Stepper(surface, "adam", {"lr": 0.01}, (-1.2, 1.0))
    stepper.run(20)
    state = dict(stepper.state)
    delta_before = stepper.pending().step.delta
    stepper.set_hparams(lr=0.05)
    assert stepper.k == 20 and all(stepper.state[k] is state[k] for k in state)
    np.testing.assert_allclose(stepper.pending().step.delta, 5 * delta_before, rtol=1e-12)
    with pytest.raises(ValueError, match="outside its valid range"):
        stepper.set_hparams(lr=-1)
    assert stepper.hparams["lr"] == 0.05  # a refused change leaves the run as it was


def test_snapshot_and_restore_replay_exactly_even_with_noise():
    stepper = Stepper(gradsim.get_surface("himmelblau"), "momentum", {"lr": 0.005}, (0.0, 0.0),
                      grad_noise=2.0, seed=7)
    stepper.run(10)
    snap = stepper.snapshot()
    first = stepper.run(30)
    stepper.restore(snap)
    second = stepper.run(30)
    for key in ("params", "grad", "lr_eff", "update"):
        np.testing.assert_array_equal(first[key], second[key])
    np.testing.assert_array_equal(first["state"]["velocity"], second["state"]["velocity"])


def test_gradient_noise_is_seeded():
    kwargs = dict(surface="quadratic", optimizer="sgd", hparams={"lr": 0.05}, steps=100, grad_noise=0.5)
    a, b = gradsim.simulate(seed=1, **kwargs), gradsim.simulate(seed=1, **kwargs)
    c = gradsim.simulate(seed=2, **kwargs)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.allclose(a.params, c.params)
    exact = gradsim.get_surface("quadratic").loss_grad(a.params)[1]
    noise = a.grad - exact  # the trace records the noisy gradient the optimizer was given
    assert 0.4 < noise.std() < 0.6 and abs(noise.mean()) < 0.1


def test_clipping_matches_torch_formulas_and_the_trace_keeps_the_raw_gradient():
    g = np.array([3.0, 4.0])
    np.testing.assert_allclose(clip_gradient(g, {"norm": 1.0}), g * (1.0 / (5.0 + 1e-6)))
    np.testing.assert_array_equal(clip_gradient(g, {"norm": 10.0}), g)
    np.testing.assert_array_equal(clip_gradient(g, {"value": 3.5}), [3.0, 3.5])
    batch = np.array([[3.0, 4.0], [0.3, 0.4]])
    np.testing.assert_allclose(clip_gradient(batch, {"norm": 1.0}), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-5)
    trace = gradsim.simulate("rosenbrock", optimizer="sgd", hparams={"lr": 1e-3}, steps=5, clip={"norm": 1.0})
    exact = gradsim.get_surface("rosenbrock").loss_grad(trace.params)[1]
    np.testing.assert_allclose(trace.grad, exact)
    assert np.linalg.norm(trace.grad[0]) > 100  # raw, far above the clip
    np.testing.assert_allclose(np.linalg.norm(trace.update[:-1], axis=1), 1e-3 / (1 + 1e-6 / np.linalg.norm(trace.grad[:-1], axis=1)), rtol=1e-9)


def test_running_in_slices_gives_the_same_trace_as_one_call():
    whole = gradsim.simulate("beale", optimizer="nadam", hparams={"lr": 0.01}, steps=120)
    stepper = Stepper(gradsim.get_surface("beale"), "nadam", {"lr": 0.01}, gradsim.get_surface("beale").start)
    chunks = [stepper.run(50), stepper.run(0), stepper.run(70)]
    params = np.concatenate([c["params"] for c in chunks] + [stepper.record()["params"][None]])
    np.testing.assert_array_equal(params, whole.params)
    assert [c["step"][0] for c in chunks if len(c["step"])] == [0, 50]


def test_a_time_budget_returns_a_slice_promptly():
    stepper = Stepper(gradsim.get_surface("rosenbrock"), "adam", {"lr": 0.01}, (-1.2, 1.0))
    chunk = stepper.run(10**9, time_budget=0.02)
    assert 0 < len(chunk["step"]) < 10**9 and stepper.k == len(chunk["step"])


def test_zero_steps_gives_the_start_only():
    trace = gradsim.simulate("rosenbrock", optimizer="adam", steps=0)
    assert trace.params.shape == (1, 2) and trace.status == "ok"
    np.testing.assert_array_equal(trace.params[0], [-1.2, 1.0])
