"""The ensemble engine's in-place kernels compute the pure optimizers' updates to the last bit."""
import numpy as np
import pytest

import gradsim
from gradsim.core import get_surface, run_ensemble
from gradsim.core.kernels import KERNELS, kernel_for
from gradsim.core.optimizers import get_optimizer

# Every branch of every kernel: weight decay, AMSGrad, no bias correction, lerp weights on both
# sides of ½, centered and momentum RMSProp, no momentum, dampening, Adagrad's decay and start.
VARIANTS = {
    "sgd": [{"lr": 0.01}, {"lr": 0.02, "weight_decay": 0.3}],
    "momentum": [{"lr": 0.01}, {"lr": 0.01, "momentum": 0.0}, {"lr": 0.01, "dampening": 0.3, "weight_decay": 0.1}],
    "nesterov": [{"lr": 0.01}, {"lr": 0.01, "momentum": 0.0}, {"lr": 0.01, "weight_decay": 0.2}],
    "adagrad": [{"lr": 0.1}, {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.4, "eps": 1e-3}],
    "rmsprop": [{"lr": 0.01}, {"lr": 0.01, "centered": True}, {"lr": 0.01, "momentum": 0.7},
                {"lr": 0.01, "centered": True, "momentum": 0.5, "alpha": 0.3}],
    "adam": [{"lr": 0.05}, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}, {"lr": 0.05, "beta1": 0.3},
             {"lr": 0.05, "bias_correction": False, "beta2": 0.9}],
    "adamw": [{"lr": 0.05}, {"lr": 0.05, "weight_decay": 0.0, "amsgrad": True}],
    "nadam": [{"lr": 0.03}, {"lr": 0.03, "momentum_decay": 0.3, "beta1": 0.2}],
}
CASES = [(name, hp) for name, variants in VARIANTS.items() for hp in variants]


def bits(array):
    return np.ascontiguousarray(array, dtype=float).view(np.int64)


def test_every_kernel_is_tested():
    assert set(VARIANTS) == set(KERNELS)


@pytest.mark.parametrize("in_place", [False, True])
@pytest.mark.parametrize("name, hparams", CASES)
def test_a_kernel_step_equals_the_pure_update_bit_for_bit(name, hparams, in_place):
    optimizer = get_optimizer(name)
    hp = optimizer.resolve(hparams)
    kernel = kernel_for(optimizer, hp)
    rng = np.random.default_rng(3)
    params = rng.normal(size=(50, 2))
    pure_state = optimizer.init(params, hp)
    state = {key: value.copy() for key, value in pure_state.items()}
    scratch = (np.empty_like(params), np.empty_like(params))
    for t in range(1, 8):
        grad = rng.normal(size=params.shape) * 10.0 ** rng.integers(-3, 3, size=params.shape)
        lr = hp["lr"] * 0.9 ** t
        expected = optimizer.update(grad, pure_state, params, hp, lr, t)
        into = {"delta": np.empty_like(params), "lr_eff": np.empty_like(params),
                **{key: value if in_place else np.empty_like(value) for key, value in state.items()}}
        got = kernel(grad.copy(), state, params, hp, lr, t, into, scratch)
        np.testing.assert_array_equal(bits(got.delta), bits(expected.delta), err_msg=f"delta at t={t}")
        np.testing.assert_array_equal(bits(got.lr_eff), bits(expected.lr_eff), err_msg=f"lr_eff at t={t}")
        assert set(got.state) == set(expected.state)
        for key in expected.state:
            np.testing.assert_array_equal(bits(got.state[key]), bits(expected.state[key]), err_msg=f"{key} at t={t}")
        pure_state, state = expected.state, got.state
        params = params + expected.delta


def test_one_value_per_run_goes_through_the_pure_functions():
    optimizer = get_optimizer("adam")
    assert kernel_for(optimizer, optimizer.resolve({"lr": 0.1})) is KERNELS["adam"]
    assert kernel_for(optimizer, {**optimizer.resolve({"lr": 0.1}), "lr": np.array([[0.1], [0.2]])}) is None
    assert kernel_for(get_optimizer("rprop"), get_optimizer("rprop").resolve({})) is None


STARTS = np.array([[-1.2, 1.0], [0.5, -0.5], [1.5, 2.0], [-0.3, 0.1], [2.9, -2.5]])


@pytest.mark.parametrize("name, hparams", CASES)
def test_each_run_of_a_kernel_ensemble_equals_its_single_run(name, hparams):
    """Whatever is kept: the full trace, and the final point of the in-place, column-ordered path."""
    assert_each_run_equals_its_single_run(name, {**hparams, "lr": hparams["lr"] * 0.2})


def test_runs_that_break_at_different_steps_each_read_nan_from_their_own_step_on():
    assert_each_run_equals_its_single_run("momentum", {"lr": 0.004}, diverging_at={1, 3, 11})


def assert_each_run_equals_its_single_run(name, hp, diverging_at=None):
    kwargs = dict(schedule={"name": "step", "step_size": 10}, grad_noise=0.3, max_param_norm=3.5)
    trace = run_ensemble(get_surface("rosenbrock"), name, hp, STARTS, 40, keep="trace", seed=7, **kwargs).trace
    final = run_ensemble(get_surface("rosenbrock"), name, hp, STARTS, 40, keep="final", seed=7, tol=1e-3,
                         target=0.0, **kwargs)
    if diverging_at is not None:
        assert set(trace.diverged_at[trace.diverged_at >= 0]) == diverging_at
    for i, start in enumerate(STARTS):
        alone = gradsim.simulate("rosenbrock", optimizer=name, hparams=hp, start=start, steps=40, seed=7 + i, **kwargs)
        n = len(alone)
        for key in ("params", "loss", "grad", "lr_eff", "update"):
            np.testing.assert_array_equal(bits(getattr(trace, key)[:n, i]), bits(getattr(alone, key)), err_msg=key)
        for key in alone.state:
            np.testing.assert_array_equal(bits(trace.state[key][:n, i]), bits(alone.state[key]), err_msg=key)
        if alone.status == "diverged":  # every field reads NaN from the step that broke on
            for key in ("params", "loss", "grad", "lr_eff", "update"):
                assert np.isnan(getattr(trace, key)[n:, i]).all(), key
            for key in alone.state:
                assert np.isnan(trace.state[key][n:, i]).all(), key
        np.testing.assert_array_equal(bits(final.final[i]), bits(alone.params[-1]))
        assert final.diverged_at[i] == (alone.diverged_at if alone.status == "diverged" else -1)
        reached = np.nonzero(alone.loss <= 1e-3)[0]
        assert final.steps_to_tol[i] == (reached[0] if len(reached) else -1)
