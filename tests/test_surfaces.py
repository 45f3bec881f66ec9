"""Every surface: exact gradient and Hessian against central finite differences, markers, views."""
import numpy as np
import pytest

import gradsim
from gradsim.core.surfaces import SURFACES

NAMES = list(SURFACES)


def _random_points(surface, n=25, seed=0):
    xmin, xmax, ymin, ymax = surface.view
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)])


def _central_gradient(f, p, h):
    return np.array([(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(2)])


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    surface = gradsim.get_surface(name)
    for p in _random_points(surface):
        loss, grad = surface.loss_grad(p)
        h = 1e-6 * max(1.0, np.abs(p).max())
        numeric = _central_gradient(lambda q: float(surface.loss_grad(q)[0]), p, h)
        scale = max(1.0, abs(float(loss)), np.abs(grad).max())
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6 * scale, err_msg=f"at {p}")


@pytest.mark.parametrize("name", NAMES)
def test_hessian_matches_central_differences_of_the_gradient(name):
    surface = gradsim.get_surface(name)
    for p in _random_points(surface, seed=1):
        hess = surface.hessian(p)
        h = 1e-6 * max(1.0, np.abs(p).max())
        numeric = np.column_stack([(surface.loss_grad(p + h * e)[1] - surface.loss_grad(p - h * e)[1]) / (2 * h)
                                   for e in np.eye(2)])
        scale = max(1.0, np.abs(hess).max())
        np.testing.assert_allclose(hess, numeric, rtol=1e-5, atol=1e-6 * scale, err_msg=f"at {p}")
        np.testing.assert_array_equal(hess, hess.T)


@pytest.mark.parametrize("name", NAMES)
def test_batched_evaluation_equals_one_point_at_a_time(name):
    surface = gradsim.get_surface(name)
    points = _random_points(surface, n=7, seed=2)
    loss, grad = surface.loss_grad(points)
    hess = surface.hessian(points)
    assert loss.shape == (7,) and grad.shape == (7, 2) and hess.shape == (7, 2, 2)
    for i, p in enumerate(points):
        one_loss, one_grad = surface.loss_grad(p)
        np.testing.assert_allclose(loss[i], one_loss, rtol=1e-14)
        np.testing.assert_allclose(grad[i], one_grad, rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(hess[i], surface.hessian(p), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", NAMES)
def test_marked_points_are_stationary_and_of_their_kind(name):
    surface = gradsim.get_surface(name)
    for point in surface.stationary_points:
        p = np.array([point.x, point.y])
        with np.errstate(all="ignore"):  # Ackley's gradient is undefined at its tip
            loss, grad = surface.loss_grad(p)
        if name == "ackley" and point.kind == "minimum":
            assert loss == pytest.approx(0.0, abs=1e-12)  # the cone tip: no gradient there
            continue
        assert np.abs(grad).max() <= 1e-8 * max(1.0, abs(float(loss))), (point, grad)
        kind = surface.classify(p)
        assert kind == point.kind or (kind == "degenerate" and name == "monkey_saddle"), (point, kind)


@pytest.mark.parametrize("name", NAMES)
def test_default_start_is_in_view_and_finite(name):
    surface = gradsim.get_surface(name)
    xmin, xmax, ymin, ymax = surface.view
    x, y = surface.start
    assert xmin < x < xmax and ymin < y < ymax
    loss, grad = surface.loss_grad(np.array(surface.start))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    xs, ys, values = surface.grid(30, 20)
    assert values.shape == (20, 30) and np.all(np.isfinite(values))


def test_known_minimum_values():
    expected = {"rosenbrock": 0.0, "himmelblau": 0.0, "beale": 0.0, "goldstein_price": 3.0,
                "six_hump_camel": -1.031628453, "styblinski_tang": -78.33233141, "rastrigin": 0.0,
                "ackley": 0.0, "quadratic": 0.0, "plateau": 0.0}
    for name, value in expected.items():
        surface = gradsim.get_surface(name)
        with np.errstate(all="ignore"):
            lowest = min(float(surface.loss(np.array([p.x, p.y]))) for p in surface.stationary_points
                         if p.kind == "minimum")
        assert lowest == pytest.approx(value, abs=1e-8), name


def test_quadratic_rotation_and_curvatures():
    surface = gradsim.get_surface("quadratic", {"a": 2.0, "b": 8.0, "angle": 30.0})
    eigenvalues, vectors = np.linalg.eigh(surface.hessian(np.array([0.3, -0.2])))
    np.testing.assert_allclose(eigenvalues, [2.0, 8.0], rtol=1e-12)
    np.testing.assert_allclose(np.abs(vectors[:, 0]), np.abs([np.cos(np.pi / 6), np.sin(np.pi / 6)]), rtol=1e-12)
    assert gradsim.get_surface("quadratic", {"a": 1.0, "b": -1.0}).stationary_points[0].kind == "saddle"


def test_surface_parameters_are_checked():
    with pytest.raises(ValueError, match="surface 'rosenbrock' has no hyperparameter 'c'"):
        gradsim.get_surface("rosenbrock", {"c": 1})
    with pytest.raises(ValueError, match="outside its valid range"):
        gradsim.get_surface("rosenbrock", {"b": -1})
    with pytest.raises(ValueError, match="unknown surface 'rosenbrok'; did you mean 'rosenbrock'"):
        gradsim.get_surface("rosenbrok")


def test_cliff_catapults_plain_steps_and_clipping_keeps_them_short():
    plain = gradsim.simulate("cliff", optimizer="sgd", hparams={"lr": 0.1}, steps=300)
    clipped = gradsim.simulate("cliff", optimizer="sgd", hparams={"lr": 0.1}, steps=300, clip={"norm": 1.0})
    assert np.diff(plain.params[:, 0]).min() < -5.0  # thrown back across a third of the view
    assert np.linalg.norm(np.diff(clipped.params, axis=0), axis=1).max() <= 0.1 + 1e-12
    assert clipped.params[100:, 0].min() > -0.5  # it stays at the foot of the wall


def test_plateau_gradient_vanishes_far_away():
    surface = gradsim.get_surface("plateau")
    near = np.linalg.norm(surface.loss_grad(np.array([1.0, 0.0]))[1])
    far = np.linalg.norm(surface.loss_grad(np.array(surface.start))[1])
    assert far < 1e-3 * near
