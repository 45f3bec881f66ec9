"""Networks: backpropagation against finite differences, PyTorch replays, batches, diagnostics."""
import json
import pathlib

import numpy as np
import pytest

import gradsim
from gradsim.core import Stepper
from gradsim.core.datasets import Dataset
from gradsim.core.mlp import ACTIVATIONS, INITS, LOSSES, MLP
from gradsim.core.network import NetworkProblem

GOLDENS = json.loads((pathlib.Path(__file__).parent / "goldens" / "torch_networks.json").read_text())["cases"]


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_backprop_matches_central_differences(activation, loss):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((13, 2))
    outputs = {"bce": 1, "sigmoid_mse": 1, "perceptron": 1, "ce": 3, "mse": 2}[loss]
    targets = rng.standard_normal((13, 2)) if loss == "mse" else rng.integers(0, outputs if loss == "ce" else 2, 13)
    mlp = MLP((2, 5, 4, outputs), activation, loss)
    theta = mlp.init("xavier", rng) + 0.1 * rng.standard_normal(mlp.n_params)  # biases off zero too
    _, grad = mlp.loss_grad(theta, X, targets)
    h = 1e-6
    numeric = np.array([(mlp.loss_grad(theta + h * e, X, targets)[0] - mlp.loss_grad(theta - h * e, X, targets)[0])
                        / (2 * h) for e in np.eye(mlp.n_params)])
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_layout_is_w_fan_in_by_fan_out_then_b():
    mlp = MLP((2, 3, 1))
    theta = np.arange(mlp.n_params, dtype=float)
    (W1, b1), (W2, b2) = mlp.layers(theta)
    assert W1.shape == (2, 3) and b1.shape == (3,) and W2.shape == (3, 1) and b2.shape == (1,)
    np.testing.assert_array_equal(W1.ravel(), [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(b1, [6, 7, 8])
    np.testing.assert_array_equal(mlp.flatten(mlp.layers(theta)), theta)
    x = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(mlp.forward(theta, x)[0], np.tanh(x @ W1 + b1) @ W2 + b2)


def test_bce_is_stable_for_huge_logits():
    mlp = MLP((1, 1), "linear", "bce")
    loss, grad = mlp.loss_grad(np.array([1000.0, 0.0]), np.array([[1.0], [-1.0]]), np.array([0, 1]))
    assert loss == pytest.approx(1000.0) and np.all(np.isfinite(grad))


def _golden_label(case):
    return f"{case['activation']}-{case['loss']}-{case['optimizer']}-{'x'.join(map(str, case['hidden']))}"


@pytest.mark.parametrize("case", GOLDENS, ids=_golden_label)
def test_full_batch_training_follows_pytorch_step_by_step(case):
    X, y = np.array(case["X"]), np.array(case["y"])
    task = "regression" if case.get("regression") else "classification"
    mlp = MLP(tuple(case["sizes"]), case["activation"], case["loss"])
    problem = NetworkProblem(mlp, Dataset("golden", task, X, y))
    stepper = Stepper(problem, case["optimizer"], case["hparams"], np.array(case["params"][0]),
                      schedule=case.get("schedule"), clip=case.get("clip"))
    rows = stepper.run(case["steps"])
    params = np.vstack([rows["params"], stepper.params])
    np.testing.assert_allclose(params, case["params"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(rows["loss"], case["losses"][:-1], rtol=1e-9, atol=1e-12)


def test_goldens_cover_every_activation_and_loss():
    assert {c["activation"] for c in GOLDENS} == set(ACTIVATIONS)
    assert {c["loss"] for c in GOLDENS} == set(LOSSES)


NET = dict(dataset="moons", model={"hidden": [8, 8], "activation": "tanh", "loss": "bce"}, optimizer="sgd",
           hparams={"lr": 0.1}, steps=40, seed=3)


def test_the_trace_of_a_network():
    trace = gradsim.simulate(**NET, dataset_params={"test_fraction": 0.25})
    L = 3
    assert trace.params.shape == (41, 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1)
    assert trace.loss.shape == trace.batch_loss.shape == trace.train_accuracy.shape == (41,)
    assert trace.grad_norm_layers.shape == trace.weight_norm_layers.shape == trace.update_ratio_layers.shape == (41, L)
    assert trace.lr_eff_layers.shape == (41, L, 3)
    np.testing.assert_allclose(trace.loss, trace.batch_loss)  # full batch: the same loss
    X, y = trace.data
    assert X.shape == (150, 2) and y.shape == (150,) and trace.test_data[0].shape == (50, 2)
    assert len(trace.params_init) == L and trace.params_init[0][0].shape == (2, 8)
    np.testing.assert_array_equal(trace.params_final[-1][1], trace.params[-1][-1:])
    problem = trace.problem
    for k in (0, 17, 40):  # per-layer gradient norms recomputed by hand
        grad = problem.loss_grad(trace.params[k], k)[1]
        for i, (W, b) in enumerate(problem.mlp.layers(grad)):
            assert trace.grad_norm_layers[k, i] == pytest.approx(np.sqrt((W**2).sum() + (b**2).sum()))
    assert trace.loss[-1] < trace.loss[0]
    assert 0 <= trace.test_accuracy[-1] <= 1 and np.isfinite(trace.test_loss).all()
    np.testing.assert_allclose(trace.lr_eff_layers, 0.1)


@pytest.mark.parametrize("batch_size, per_epoch", [(None, 1), (32, 7), (1, 200), (500, 1)])
def test_batches_iterations_and_epochs(batch_size, per_epoch):
    trace = gradsim.simulate(**{**NET, "steps": 20}, batch_size=batch_size)
    np.testing.assert_array_equal(trace.epoch, np.arange(21) // per_epoch)
    if per_epoch > 1:
        assert not np.allclose(trace.batch_loss, trace.loss)
    problem = trace.problem
    seen = np.concatenate([problem.batch(k) for k in range(per_epoch)]) if batch_size and per_epoch > 1 else None
    if seen is not None:  # one epoch visits every point once
        np.testing.assert_array_equal(np.sort(seen), np.arange(200))


def test_mini_batch_runs_are_seeded():
    a = gradsim.simulate(**NET, batch_size=16)
    b = gradsim.simulate(**NET, batch_size=16)
    c = gradsim.simulate(**{**NET, "seed": 4}, batch_size=16)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.allclose(a.params[-1], c.params[-1])


@pytest.mark.parametrize("init", list(INITS))
def test_initializations(init):
    trace = gradsim.simulate(**{**NET, "steps": 1, "model": {"hidden": [64], "init": init, "init_std": 0.5}})
    W = trace.params_init[0][0]
    if init == "zeros":
        assert not W.any()
    elif init == "normal":
        assert W.std() == pytest.approx(0.5, rel=0.2)
    elif init in ("xavier", "glorot"):
        bound = np.sqrt(6 / (2 + 64))
        assert np.abs(W).max() <= bound and W.std() == pytest.approx(bound / np.sqrt(3), rel=0.25)
    else:
        assert W.std() == pytest.approx(1.0, rel=0.25)  # √(2/fan_in) with fan_in 2
    assert not trace.params_init[0][1].any()


def test_zero_initialization_keeps_hidden_units_identical():
    trace = gradsim.simulate(**{**NET, "steps": 50, "model": {"hidden": [6], "init": "zeros", "activation": "sigmoid"}})
    W1 = trace.params_final[0][0]
    assert np.allclose(W1, W1[:, :1])  # every hidden unit learned the same weights: symmetry never broke


def test_every_dataset_activation_and_loss_trains():
    for name in ("moons", "circles", "xor", "spirals", "blobs", "linear", "spoiler", "sine"):
        loss = "mse" if name == "sine" else "ce" if name in ("blobs",) else "bce"
        trace = gradsim.simulate(dataset=name, model={"hidden": [8], "loss": loss}, optimizer="adam",
                                 hparams={"lr": 0.02}, steps=30, seed=0)
        assert trace.status == "ok" and trace.loss[-1] < trace.loss[0], name


def test_newton_on_a_small_network():
    trace = gradsim.simulate(dataset="linear", model={"hidden": [2], "loss": "bce"}, optimizer="newton",
                             hparams={"lr": 0.5}, steps=5, seed=0)
    assert trace.status == "ok" and trace.loss[-1] < trace.loss[0]


def test_divergence_on_a_network_is_reported_not_raised():
    trace = gradsim.simulate(**{**NET, "hparams": {"lr": 1e3},
                                "model": {"hidden": [8], "loss": "mse", "activation": "relu"}})
    assert trace.status == "diverged" and np.all(np.isfinite(trace.params))


@pytest.mark.parametrize("kwargs, message", [
    ({"dataset": "mooons"}, "unknown dataset 'mooons'; did you mean 'moons'"),
    ({"model": {"hidden": [8] * 7}}, "at most 6 hidden layers"),
    ({"model": {"activation": "relux"}}, "unknown activation 'relux'; did you mean 'relu'"),
    ({"model": {"loss": "bc"}}, "unknown loss 'bc'"),
    ({"model": {"init": "kaiming"}}, "unknown initialization 'kaiming'"),
    ({"model": {"hiden": [3]}}, "model has no hyperparameter 'hiden'"),
    ({"batch_size": 0}, "batch_size must be None"),
    ({"dataset": "blobs"}, "loss 'bce' has one output for two classes"),
    ({"dataset": "sine"}, "regression task: use loss 'mse'"),
    ({"dataset_params": {"test_fraction": 0.95}}, "outside its valid range"),
    ({"start": [0.0, 1.0]}, "start must be the"),
])
def test_bad_network_input(kwargs, message):
    base = {"dataset": "moons", "model": {"hidden": [4]}, "steps": 2}
    with pytest.raises(ValueError, match=message):
        gradsim.simulate(**{**base, **kwargs, "model": {**base["model"], **kwargs.get("model", {})}})


def test_decision_boundary_grid_and_loss_slice():
    trace = gradsim.simulate(**NET)
    problem, theta = trace.problem, trace.params[-1]
    xs, ys = np.linspace(-2, 3, 200), np.linspace(-1.5, 2, 150)
    grid = problem.output_grid(theta, xs, ys)
    assert grid.shape == (150, 200) and np.all((grid >= 0) & (grid <= 1))
    X, y = trace.data
    i, j = np.abs(xs[:, None] - X[0, 0]).argmin(), np.abs(ys[:, None] - X[0, 1]).argmin()
    assert abs(grid[j, i] - problem.mlp.predict(theta, X[:1])[0, 1]) < 0.2
    d1, d2 = problem.directions(theta, "random", seed=0)
    for (w, b, shape) in problem.mlp.slices():  # filter-normalized: each unit's direction has its weights' norm
        np.testing.assert_allclose(np.linalg.norm(d1[w].reshape(shape), axis=0),
                                   np.linalg.norm(theta[w].reshape(shape), axis=0))
    sl = problem.loss_slice(theta, d1, d2, span=1.0, n=11, path=trace.params)
    assert sl["loss"].shape == (11, 11) and sl["path"].shape == (41, 2)
    assert sl["loss"][5, 5] == pytest.approx(trace.loss[-1])
    np.testing.assert_allclose(sl["path"][-1], [0, 0], atol=1e-12)
    e1, e2 = problem.directions(theta, "weights", weights=(0, 5))
    assert e1[0] == 1 and e2[5] == 1 and e1.sum() == e2.sum() == 1


def test_accuracy_of_a_single_squared_error_output_thresholds_at_one_half():
    trace = gradsim.simulate(dataset="linear", model={"hidden": [], "loss": "mse"}, optimizer="sgd",
                             hparams={"lr": 0.1}, steps=300, seed=0)
    problem, theta = trace.problem, trace.params[-1]
    X, y = trace.data
    predicted = problem.mlp.forward(theta, X)[0][:, 0] > 0.5
    assert trace.train_accuracy[-1] == pytest.approx(np.mean(predicted == y)) and trace.train_accuracy[-1] > 0.9


def test_perceptron_loss_with_online_sgd_at_rate_one_is_rosenblatts_rule():
    # From zero weights every point sits on the boundary, which the rule counts as a mistake.
    mlp = MLP((2, 1), "linear", "perceptron")
    X, y = np.array([[2.0, -1.0], [-1.0, 3.0]]), np.array([1, 0])
    problem = NetworkProblem(mlp, Dataset("two", "classification", X, y), batch_size=1, seed=0)
    stepper = Stepper(problem, "sgd", {"lr": 1.0}, np.zeros(3))
    first = problem.batch(0)[0]
    stepper.step()
    sign = 2.0 * y[first] - 1.0
    np.testing.assert_array_equal(stepper.params, sign * np.append(X[first], 1.0))
    # a point already on its side does not move the weights
    assert np.all(mlp.loss_grad(np.array([1.0, 0.0, 0.0]), X[:1], y[:1])[1] == 0)


def test_squared_error_on_a_sigmoid_vanishes_where_cross_entropy_does_not():
    # One confidently wrong point: logit −10 for class 1.
    X, y = np.array([[1.0]]), np.array([1])
    theta = np.array([-10.0, 0.0])
    g_mse = MLP((1, 1), "linear", "sigmoid_mse").loss_grad(theta, X, y)[1]
    g_bce = MLP((1, 1), "linear", "bce").loss_grad(theta, X, y)[1]
    p = 1 / (1 + np.exp(10.0))
    np.testing.assert_allclose(g_mse, 2 * (p - 1) * p * (1 - p) * np.array([1.0, 1.0]), rtol=1e-12)
    np.testing.assert_allclose(g_bce, (p - 1) * np.array([1.0, 1.0]), rtol=1e-12)
    assert abs(g_bce[0]) > 10_000 * abs(g_mse[0])
