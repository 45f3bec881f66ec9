"""The theory the overlays draw on quadratics: the Hessian read once, each run's predicted rate, the measured one."""
import math

import numpy as np
import pytest

import gradsim
from gradsim.app.quadratic_theory import Prediction, envelope, measured_rate, predict, quadratic_info
from gradsim.core import get_surface, theory


def test_a_typed_quadratic_formula_has_its_minimum_and_curvatures():
    q = quadratic_info(get_surface("custom", {"expr": "(x - 1)**2 + 3*(y + 2)**2 + x*y"}))
    hessian = np.array([[2.0, 1.0], [1.0, 6.0]])
    np.testing.assert_allclose(q.eigenvalues, np.linalg.eigvalsh(hessian))
    np.testing.assert_allclose(hessian @ np.array(q.minimum), [2.0, -12.0])  # ∇f = Hθ + (−2, 12) = 0
    for lam, vector in zip(q.eigenvalues, q.eigenvectors):
        np.testing.assert_allclose(hessian @ vector, lam * np.array(vector), atol=1e-12)


@pytest.mark.parametrize("surface, params", [("rosenbrock", {}), ("saddle", {}), ("quadratic", {"a": -1.0}),
                                              ("custom", {"expr": "sin(x) + y**2"})])
def test_only_quadratics_with_a_minimum_have_this_theory(surface, params):
    assert quadratic_info(get_surface(surface, params)) is None


def test_each_run_gets_its_methods_rate_or_a_reason():
    q = quadratic_info(get_surface("quadratic", {"a": 1.0, "b": 10.0}))
    assert predict(q, "sgd", {"lr": 0.1}).rate == pytest.approx(0.9)
    hb = predict(q, "momentum", {"lr": 0.05, "momentum": 0.5, "dampening": 0.0})
    assert hb.theory == "heavy_ball_envelope" and hb.rate == theory.heavy_ball_rate(0.05, 0.5, [1.0, 10.0])
    nag = predict(q, "nesterov", {"lr": 0.05, "momentum": 0.5})
    assert nag.method == "Nesterov" and nag.rate == theory.nesterov_rate(0.05, 0.5, [1.0, 10.0])
    assert predict(q, "momentum", {"lr": 0.1, "momentum": 0.0}).theory == "gd_envelope"
    assert predict(q, "sgd", {"lr": 0.1, "weight_decay": 1.0}).rate == pytest.approx(max(abs(1 - 0.1 * 2), abs(1 - 0.1 * 11)))
    assert "schedule" in predict(q, "sgd", {"lr": 0.1}, schedule={"name": "cosine", "t_max": 10})
    assert "clipping" in predict(q, "sgd", {"lr": 0.1}, clip={"norm": 1.0})
    assert "noisy" in predict(q, "sgd", {"lr": 0.1}, grad_noise=0.1)
    assert "heavy ball" in predict(q, "adam", {"lr": 0.1})


@pytest.mark.parametrize("optimizer, hparams", [("sgd", {"lr": 0.15}), ("momentum", {"lr": 0.05, "momentum": 0.8}),
                                                ("nesterov", {"lr": 0.05, "momentum": 0.6})])
def test_the_measured_rate_of_a_run_is_the_predicted_one(optimizer, hparams):
    bowl = {"a": 1.0, "b": 10.0, "angle": 30.0}
    run = gradsim.simulate(surface="quadratic", surface_params=bowl, optimizer=optimizer, hparams=hparams,
                           start=(2.0, 1.0), steps=400)
    q = quadratic_info(get_surface("quadratic", bowl))
    predicted = predict(q, optimizer, gradsim.get_optimizer(optimizer).resolve(hparams))
    assert isinstance(predicted, Prediction)
    assert measured_rate(run.step, run.loss, 0.0) == pytest.approx(predicted.rate, abs=2e-3)
    thinned = slice(None, None, 7)  # a history thinned for memory measures the same
    assert measured_rate(run.step[thinned], run.loss[thinned], 0.0) == pytest.approx(predicted.rate, abs=2e-3)


def test_the_envelope_is_the_loss_gap_contracting_by_the_rate_squared():
    values = envelope(0.9, 2.0, 0.5, np.array([0, 1, 10]))
    np.testing.assert_allclose(values, [2.5, 0.5 + 2.0 * 0.81, 0.5 + 2.0 * 0.9 ** 20])
    assert math.isnan(envelope(0.5, 1.0, 0.0, np.array([5000]))[0])  # underflow is not drawn as zero
