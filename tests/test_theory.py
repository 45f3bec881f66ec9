"""Theory on quadratics against what the engine measures (and against closed forms)."""
import math

import numpy as np
import pytest

from gradsim import get_surface, simulate
from gradsim.core import theory

BOWL = {"a": 1.0, "b": 10.0, "angle": 30.0}  # κ = 10, rotated so that x and y mix


def test_the_hessian_of_the_bowl_has_its_two_curvatures():
    values, vectors = theory.hessian_eigen(get_surface("quadratic", BOWL), (0.3, -0.2))
    np.testing.assert_allclose(values, [1.0, 10.0], rtol=1e-12)
    np.testing.assert_allclose(np.abs(vectors[:, 0]), np.abs([math.cos(math.pi / 6), math.sin(math.pi / 6)]), atol=1e-12)


def test_marks_on_the_learning_rate_axis():
    assert theory.lr_marks([1.0, 10.0]) == pytest.approx({"1/λmax": 0.1, "2/(λmin+λmax)": 2 / 11, "2/λmax": 0.2})
    with pytest.raises(ValueError, match="positive-definite"):
        theory.lr_marks([-1.0, 10.0])


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.15, 2 / 11])
def test_gradient_descent_contracts_at_the_predicted_rate(lr):
    trace = simulate(surface="quadratic", surface_params=BOWL, optimizer="sgd", hparams={"lr": lr},
                     start=(1.0, 0.5), steps=150)
    predicted = theory.gd_rate(lr, [1.0, 10.0])
    assert theory.measured_rate(trace.loss, skip=20) == pytest.approx(predicted, rel=2e-3)


def test_heavy_ball_contracts_at_the_predicted_rate():
    lr, beta = 0.05, 0.7  # complex roots along both directions: a clean geometric rate
    trace = simulate(surface="quadratic", surface_params=BOWL, optimizer="momentum",
                     hparams={"lr": lr, "momentum": beta}, start=(1.0, 0.5), steps=300)
    predicted = theory.heavy_ball_rate(lr, beta, [1.0, 10.0])
    assert predicted == pytest.approx(math.sqrt(beta), rel=1e-12)  # complex roots have modulus √β
    distance = np.linalg.norm(trace.params, axis=1)
    measured = (distance[250] / distance[50]) ** (1 / 200)
    assert measured == pytest.approx(predicted, rel=1e-2)


def test_the_optimal_heavy_ball_beats_the_best_gradient_descent():
    lr, beta, rate = theory.optimal_heavy_ball([1.0, 10.0])
    root = math.sqrt(10.0)
    assert rate == pytest.approx((root - 1) / (root + 1))
    assert theory.heavy_ball_rate(lr, beta, [1.0, 10.0]) == pytest.approx(rate, rel=1e-6)
    assert rate < theory.gd_rate(2 / 11, [1.0, 10.0]) == pytest.approx(9 / 11)


def test_critical_damping_separates_real_from_complex_roots():
    lr, lam = 0.05, 10.0
    beta = theory.critical_momentum(lr, lam)
    below, above = theory.heavy_ball_factors(lr, beta * 0.9, [lam]), theory.heavy_ball_factors(lr, beta * 1.1, [lam])
    assert above[0] == pytest.approx(math.sqrt(beta * 1.1))  # complex: modulus √β
    assert below[0] > math.sqrt(beta * 0.9)  # real: the larger root exceeds √β


def test_predicted_steps_to_tolerance_match_the_run():
    lr, tol = 0.1, 1e-8
    trace = simulate(surface="quadratic", surface_params={"a": 1.0, "b": 10.0}, optimizer="sgd",
                     hparams={"lr": lr}, start=(1.0, 0.0), steps=400)  # only the flat direction moves
    measured = int(np.argmax(trace.loss <= tol))
    assert theory.steps_to_tolerance(theory.gd_rate(lr, [1.0, 10.0]), float(trace.loss[0]), tol) == measured
    assert theory.steps_to_tolerance(1.0, 1.0, tol) == math.inf


def test_nesterov_contracts_at_the_predicted_rate():
    lr, beta = 0.01, 0.9
    trace = simulate(surface="quadratic", surface_params={"a": 1.0, "b": 50.0}, optimizer="nesterov",
                     hparams={"lr": lr, "momentum": beta}, start=(2.0, 1.0), steps=1000)
    predicted = theory.nesterov_rate(lr, beta, [1.0, 50.0])
    # along λ the roots of z² − (1 + β)(1 − ηλ)z + β(1 − ηλ); here real along λ = 1, complex along 50
    z = np.roots([1.0, -(1 + beta) * (1 - lr), beta * (1 - lr)])
    assert predicted == pytest.approx(max(abs(z)), rel=1e-12)
    assert theory.nesterov_factors(lr, beta, [50.0])[0] == pytest.approx(math.sqrt(beta * (1 - 50 * lr)))
    assert theory.fitted_rate(trace.loss[300:]) == pytest.approx(predicted, abs=2e-4)
    assert theory.predicted_rate("nesterov", {"lr": lr, "momentum": beta}, [1.0, 50.0]) == predicted


def test_the_fitted_rate_ignores_the_phase_of_an_oscillating_run():
    trace = simulate(surface="quadratic", surface_params={"a": 1.0, "b": 50.0}, optimizer="momentum",
                     hparams={"lr": 0.01, "momentum": 0.9}, start=(2.0, 1.0), steps=700)
    predicted = theory.predicted_rate("momentum", {"lr": 0.01, "momentum": 0.9}, [1.0, 50.0])
    for first, last in ((100, 400), (120, 430), (200, 600), (300, 700)):
        assert theory.fitted_rate(trace.loss[first:last + 1]) == pytest.approx(predicted, abs=5e-4)
    assert abs(theory.measured_rate(trace.loss[100:401]) - predicted) > 1e-3  # the ends' ratio does not


def test_predicted_rate_knows_its_limits():
    assert theory.predicted_rate("sgd", {"lr": 0.1}, [1.0, 10.0]) == pytest.approx(0.9)
    assert theory.predicted_rate("momentum", {"lr": 0.1, "momentum": 0.0}, [1.0, 10.0]) == pytest.approx(0.9)
    with pytest.raises(ValueError, match="no rate theory for 'adam'"):
        theory.predicted_rate("adam", {"lr": 0.1}, [1.0, 10.0])
    with pytest.raises(ValueError, match="dampening"):
        theory.predicted_rate("momentum", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}, [1.0])
