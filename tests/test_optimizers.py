"""Optimizers as data: specs, documentation, effective learning rates, Quickprop and Newton."""
import numpy as np
import pytest

import gradsim
from gradsim.core import OPTIMIZERS, Stepper

NAMES = list(OPTIMIZERS)
COURSE = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "adamax",
          "nadam", "rprop", "quickprop", "newton"]


def test_registry_holds_the_course():
    assert set(COURSE) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_optimizer_is_described_as_data(name):
    opt = OPTIMIZERS[name]
    assert opt.rule and "θ" in opt.rule, "the docstring gives the update rule"
    assert opt.reference and opt.lr_eff_doc and opt.title
    assert opt.hparams[0].name == "lr"
    for spec in opt.hparams:
        assert spec.symbol and spec.help, spec
        assert spec.scale in ("linear", "log")
        assert spec.coerce(spec.default) == spec.default  # the default is valid
    state = opt.init(np.zeros(2), opt.resolve())
    assert set(state) == set(opt.state_docs), "every state variable is documented by name"


@pytest.mark.parametrize("name", NAMES)
def test_update_is_pure_and_shapes_follow_the_parameters(name):
    opt = OPTIMIZERS[name]
    hp = opt.resolve()
    params = np.array([[0.5, -1.0], [2.0, 0.3]])
    grad = np.array([[1.0, -2.0], [0.5, 4.0]])
    state = opt.init(params, hp)
    before = {k: v.copy() for k, v in state.items()}
    hessian = np.broadcast_to(np.diag([2.0, 3.0]), (2, 2, 2)) if opt.needs_hessian else None
    step = opt.update(grad, state, params, hp, hp["lr"], 1, hessian)
    assert step.delta.shape == step.lr_eff.shape == params.shape
    assert set(step.state) == set(state)
    for k in state:
        np.testing.assert_array_equal(state[k], before[k])


def _first_step(name, grad, hparams=None):
    opt = OPTIMIZERS[name]
    hp = opt.resolve(hparams)
    params = np.zeros_like(grad)
    return opt.update(grad, opt.init(params, hp), params, hp, hp["lr"], 1, None), hp


def test_effective_learning_rates_on_the_first_step():
    g = np.array([3.0, -0.5])
    step, hp = _first_step("sgd", g, {"lr": 0.1})
    np.testing.assert_allclose(step.lr_eff, 0.1)
    step, hp = _first_step("adam", g, {"lr": 0.1})  # m̂ = g and v̂ = g², so lr/(|g| + ε)
    np.testing.assert_allclose(step.lr_eff, 0.1 / (np.abs(g) + hp["eps"]), rtol=1e-12)
    np.testing.assert_allclose(step.delta, -step.lr_eff * g, rtol=1e-12)
    step, hp = _first_step("adagrad", g, {"lr": 0.1})
    np.testing.assert_allclose(step.lr_eff, 0.1 / (np.abs(g) + hp["eps"]), rtol=1e-12)
    step, hp = _first_step("rmsprop", g, {"lr": 0.1, "alpha": 0.9})
    np.testing.assert_allclose(step.lr_eff, 0.1 / (np.sqrt(0.1) * np.abs(g) + hp["eps"]), rtol=1e-12)
    step, hp = _first_step("adadelta", g)  # RMS[Δθ] = √ε before any update
    expected = np.sqrt(hp["eps"]) / np.sqrt((1 - hp["rho"]) * g**2 + hp["eps"])
    np.testing.assert_allclose(step.lr_eff, expected, rtol=1e-12)
    step, hp = _first_step("rprop", g, {"lr": 0.05})
    np.testing.assert_allclose(step.lr_eff, 0.05)
    np.testing.assert_allclose(step.delta, -0.05 * np.sign(g))


def test_rprop_step_sizes_grow_while_the_sign_holds_and_shrink_after_a_change():
    trace = gradsim.simulate("quadratic", {"a": 1.0, "b": 1.0}, optimizer="rprop", hparams={"lr": 0.1},
                             start=(2.0, -3.0), steps=40)
    sizes = trace.state["step_size"][:, 0]
    np.testing.assert_allclose(sizes[:4], 0.1 * 1.2 ** np.arange(4))
    flips = np.nonzero(np.diff(np.sign(trace.grad[:, 0])))[0]
    assert len(flips) > 0
    assert sizes[flips[0] + 1] == pytest.approx(0.5 * sizes[flips[0]])
    np.testing.assert_allclose(trace.lr_eff, trace.state["step_size"])


@pytest.mark.parametrize("a, b, angle", [(1.0, 10.0, 0.0), (3.0, 0.5, 37.0), (1.0, -1.0, 20.0),
                                         (-2.0, -5.0, 70.0), (100.0, 0.01, -45.0)])
def test_newton_lands_on_the_stationary_point_of_any_quadratic_in_one_step(a, b, angle):
    trace = gradsim.simulate("quadratic", {"a": a, "b": b, "angle": angle}, optimizer="newton",
                             start=(1.7, -2.3), steps=1)
    condition = max(abs(a), abs(b)) / min(abs(a), abs(b))
    np.testing.assert_allclose(trace.params[1], [0.0, 0.0], atol=1e-15 * condition * 3)


def test_newton_damping_takes_a_fraction_of_the_step_and_is_drawn_to_saddles():
    trace = gradsim.simulate("quadratic", {"a": 2.0, "b": 5.0}, optimizer="newton", hparams={"lr": 0.5},
                             start=(1.0, 1.0), steps=3)
    np.testing.assert_allclose(trace.params[:, 0], [1.0, 0.5, 0.25, 0.125])
    saddle = gradsim.simulate("saddle", optimizer="newton", start=(1.5, 0.5), steps=1)
    np.testing.assert_allclose(saddle.params[1], [0.0, 0.0], atol=1e-15)
    assert saddle.lr_eff[0, 1] < 0  # negative curvature: the Newton step climbs in y


def test_quickprop_first_step_is_gradient_descent_then_secant_steps():
    surface = gradsim.get_surface("quadratic", {"a": 1.0, "b": 4.0})
    stepper = Stepper(surface, "quickprop", {"lr": 0.1, "max_growth": 100.0}, (2.0, 1.0))
    g0 = stepper.grad.copy()
    stepper.step()
    np.testing.assert_allclose(stepper.params, np.array([2.0, 1.0]) - 0.1 * g0)
    stepper.step()  # the secant of a parabola is exact: each coordinate jumps to its minimum
    np.testing.assert_allclose(stepper.params, [0.0, 0.0], atol=1e-12)


def test_quickprop_limits_growth_and_falls_back_on_negative_curvature():
    surface = gradsim.get_surface("quadratic", {"a": 1.0, "b": 4.0})
    stepper = Stepper(surface, "quickprop", {"lr": 0.01, "max_growth": 1.75}, (2.0, 1.0))
    first = stepper.pending().step.delta
    stepper.step()
    second = stepper.pending().step.delta
    np.testing.assert_allclose(np.abs(second), 1.75 * np.abs(first))
    saddle = Stepper(gradsim.get_surface("saddle"), "quickprop", {"lr": 0.1, "max_growth": 100.0}, (1.0, 0.5))
    saddle.step()
    pending = saddle.pending()
    assert pending.step.lr_eff[1] == pytest.approx(0.1)  # y has negative curvature: plain gradient step
    assert pending.step.lr_eff[0] == pytest.approx(1.0)  # x: the secant finds curvature 1


def test_adamw_decay_is_decoupled_from_the_gradient_scaling():
    g = np.array([1e-3, 1e3])
    params = np.array([1.0, 1.0])
    for name in ("adam", "adamw"):
        opt = OPTIMIZERS[name]
        hp = opt.resolve({"lr": 0.1, "weight_decay": 0.5})
        step = opt.update(g, opt.init(params, hp), params, hp, 0.1, 1, None)
        without = opt.update(g, opt.init(params, hp), params, {**hp, "weight_decay": 0.0}, 0.1, 1, None)
        shrink = step.delta - without.delta
        if name == "adamw":
            np.testing.assert_allclose(shrink, -0.1 * 0.5 * params)
        else:  # coupled decay is rescaled by √v̂, so it differs between the two parameters
            assert not np.allclose(shrink, shrink[0])


def test_hyperparameters_are_checked_with_clear_messages():
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'; did you mean 'adam'"):
        gradsim.simulate(optimizer="adamm")
    with pytest.raises(ValueError, match="optimizer 'adam' has no hyperparameter 'lrr'; did you mean 'lr'"):
        gradsim.simulate(optimizer="adam", hparams={"lrr": 0.1})
    with pytest.raises(ValueError, match=r"'beta1' = 1.5 is outside its valid range \[0, 1\)"):
        gradsim.simulate(optimizer="adam", hparams={"beta1": 1.5})
    with pytest.raises(ValueError, match="'eps' = 0 is outside its valid range"):
        gradsim.simulate(optimizer="adam", hparams={"eps": 0})
    with pytest.raises(ValueError, match="must be true or false"):
        gradsim.simulate(optimizer="adam", hparams={"amsgrad": "maybe"})
    with pytest.raises(ValueError, match="must be finite"):
        gradsim.simulate(optimizer="sgd", hparams={"lr": float("nan")})
    with pytest.raises(ValueError, match="must be a number"):
        gradsim.simulate(optimizer="sgd", hparams={"lr": "fast"})
    with pytest.raises(ValueError, match="step_size_min must not exceed step_size_max"):
        gradsim.simulate(optimizer="rprop", hparams={"step_size_min": 2.0, "step_size_max": 1.0})


def test_adam_without_bias_correction_follows_the_uncorrected_algorithm():
    # Kingma & Ba's Algorithm 1 with the two bias-correction lines left out, in plain floats,
    # on f(x, y) = ½(x² + 10y²).
    import math
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    point, m, v = [2.0, 1.0], [0.0, 0.0], [0.0, 0.0]
    expected = [list(point)]
    for _ in range(30):
        g = [point[0], 10.0 * point[1]]
        for i in range(2):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            point[i] -= lr * m[i] / (math.sqrt(v[i]) + eps)
        expected.append(list(point))
    trace = gradsim.simulate("quadratic", {"a": 1.0, "b": 10.0}, "adam",
                             {"lr": lr, "bias_correction": False}, start=(2.0, 1.0), steps=30)
    np.testing.assert_allclose(trace.params, expected, rtol=1e-12, atol=1e-14)
    # without the correction the first step is η(1 − β₁)/√(1 − β₂) ≈ 3.16η long per coordinate
    assert abs(trace.params[1, 0] - 2.0) == pytest.approx(lr * 0.1 / math.sqrt(0.001), rel=1e-6)
