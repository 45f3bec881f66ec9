"""Sweeps: every setting is its single run; the divergence threshold and the theory on quadratics."""
import math

import numpy as np
import pytest

import gradsim
from gradsim.core import theory
from gradsim.core.sweeps import sweep_bands

BOWL = {"a": 1.0, "b": 10.0, "angle": 30.0}


def test_every_setting_equals_its_single_run():
    lrs, momenta = np.geomspace(1e-3, 0.5, 7), np.linspace(0.0, 0.95, 5)
    result = gradsim.sweep(surface="rosenbrock", optimizer="momentum", hparams={"dampening": 0.1},
                           vary={"lr": lrs, "momentum": momenta}, start=(-1.2, 1.0), steps=80, tol=1e-4,
                           clip={"norm": 100.0}, grad_noise=0.3, seed=2, max_param_norm=10.0)
    assert result.final_loss.shape == (7, 5) and result.diverged.dtype == bool
    for i, lr in enumerate(lrs):
        for j, beta in enumerate(momenta):
            alone = gradsim.simulate("rosenbrock", optimizer="momentum", start=(-1.2, 1.0), steps=80,
                                     hparams={"dampening": 0.1, "lr": lr, "momentum": beta}, clip={"norm": 100.0},
                                     grad_noise=0.3, seed=2, max_param_norm=10.0)
            assert result.diverged[i, j] == (alone.status == "diverged")
            assert result.final_loss[i, j] == alone.loss[-1]
            hit = np.nonzero(alone.loss <= 1e-4)[0]
            assert result.steps_to_tol[i, j] == (hit[0] if len(hit) else -1)
    assert result.diverged.any() and (~result.diverged).any()


def test_a_sweep_filled_band_by_band_ends_equal_to_the_whole_sweep():
    kwargs = dict(surface="rosenbrock", optimizer="adam", vary={"lr": np.geomspace(1e-3, 1.0, 5),
                                                                "beta1": [0.0, 0.5, 0.9]},
                  start=(-1.2, 1.0), steps=60, tol=1e-3)
    bands = list(sweep_bands(rows_per_band=2, **kwargs))
    assert [s.rows_done for s in bands] == [2, 4, 5] and bands[-1].complete and not bands[0].complete
    assert np.all(np.isnan(bands[0].final_loss[2:])) and np.all(bands[0].steps_to_tol[2:] == -1)
    whole = gradsim.sweep(**kwargs)
    for name in ("final_loss", "steps_to_tol", "diverged", "diverged_at", "final"):
        np.testing.assert_array_equal(getattr(bands[-1], name), getattr(whole, name), err_msg=name)


def test_the_divergence_threshold_on_a_quadratic_lands_on_2_over_lambda_max():
    lrs = np.geomspace(1e-2, 1.0, 200)
    # Just above 2/λmax the error grows by |1 − ηλmax| ≈ 1.02 a step: 1000 steps carry it past the bound 1e6.
    result = gradsim.sweep(surface="quadratic", surface_params=BOWL, optimizer="sgd", vary={"lr": lrs},
                           start=(1.0, 1.0), steps=1000)
    first = int(np.argmax(result.diverged))
    assert first > 0 and result.diverged[first:].all() and not result.diverged[:first].any()
    assert lrs[first - 1] <= 2 / 10 <= lrs[first]  # within one step of the grid
    assert result.theory.marks["2/λmax"] == pytest.approx(0.2) and not result.theory.local


def test_the_predicted_steps_follow_the_measured_ones_along_the_flat_direction():
    # From a start on λmin's eigen-direction the prediction from max|1 − ηλ| is exact where λmin is slowest.
    start = (math.cos(math.pi / 6), math.sin(math.pi / 6))
    lrs = np.linspace(0.02, 0.09, 8)
    result = gradsim.sweep(surface="quadratic", surface_params=BOWL, optimizer="sgd", vary={"lr": lrs}, start=start,
                           steps=2000, tol=1e-10)
    np.testing.assert_array_equal(result.steps_to_tol, result.theory.predicted_steps.astype(int))


def test_a_phase_diagram_has_the_heavy_ball_boundary_and_critical_damping():
    lrs, momenta = np.geomspace(0.01, 1.0, 40), np.linspace(0.0, 0.9, 10)
    result = gradsim.sweep(surface="quadratic", surface_params=BOWL, optimizer="momentum",
                           vary={"lr": lrs, "momentum": momenta}, start=(1.0, 1.0), steps=600)
    np.testing.assert_allclose(result.theory.boundary_lr, 2 * (1 + momenta) / 10)
    for j, limit in enumerate(result.theory.boundary_lr):  # measured boundary within a grid step of theory
        first = int(np.argmax(result.diverged[:, j]))
        assert lrs[first - 1] <= limit * (1 + 1e-9) and limit <= lrs[first] * (1 + 1e-9)
    curve = result.theory.critical_momentum["λ=10"]
    np.testing.assert_allclose(curve, [theory.critical_momentum(lr, 10.0) for lr in lrs])


def test_off_quadratics_the_marks_are_local_at_the_minimum_the_run_ends_in():
    result = gradsim.sweep(surface="himmelblau", optimizer="sgd", hparams={"lr": 0.01}, vary={"lr": [0.001, 0.01]},
                           start=(2.5, -1.0), steps=300)
    assert result.theory.local and result.criterion == "loss − f* ≤ tol"
    np.testing.assert_allclose(result.theory.minimum, (3.584428, -1.848126), atol=1e-5)
    lam = np.linalg.eigvalsh(gradsim.get_surface("himmelblau").hessian(result.theory.minimum))
    assert result.theory.marks["2/λmax"] == pytest.approx(2 / lam.max())


@pytest.mark.parametrize("vary, message", [
    (None, "vary must map one or two"),
    ({"lr": [0.1], "momentum": [0.5], "dampening": [0.0]}, "vary must map one or two"),
    ({"lrr": [0.1]}, "did you mean 'lr'"),
    ({"lr": [0.1, -0.1]}, "'lr' = -0.1 is outside its valid range"),
    ({"lr": []}, "non-empty"),
])
def test_bad_input_names_the_problem(vary, message):
    with pytest.raises(ValueError, match=message):
        gradsim.sweep(optimizer="momentum", vary=vary, steps=3)


def test_a_flag_cannot_be_swept():
    with pytest.raises(ValueError, match="cannot be swept"):
        gradsim.sweep(optimizer="adam", vary={"amsgrad": [0, 1]}, steps=3)


def test_the_vectorized_rates_equal_the_scalar_ones():
    lrs, lam = np.geomspace(1e-3, 1.0, 9), [1.0, 10.0]
    np.testing.assert_array_equal(theory.gd_rates(lrs, lam), [theory.gd_rate(lr, lam) for lr in lrs])
    np.testing.assert_allclose(theory.heavy_ball_rates(lrs, 0.7, lam),
                               [theory.heavy_ball_rate(lr, 0.7, lam) for lr in lrs], rtol=1e-15)
    assert list(theory.predicted_steps([0.5, 1.0], 1.0, 1e-8)) == [theory.steps_to_tolerance(0.5, 1.0, 1e-8), np.inf]
