"""Learning-rate schedules: closed forms, warmup, and the rate used by each update."""
import math

import numpy as np
import pytest

import gradsim
from gradsim.core import make_lr_fn


def rates(config, n, lr=0.1):
    _, lr_at = make_lr_fn(config)
    return np.array([lr_at(k, lr) for k in range(n)])


def test_constant_and_step_and_exponential():
    np.testing.assert_array_equal(rates(None, 5), 0.1)
    r = rates({"name": "step", "step_size": 10, "gamma": 0.5}, 31)
    assert r[9] == 0.1 and r[10] == 0.05 and r[29] == 0.025 and r[30] == 0.0125
    np.testing.assert_allclose(rates({"name": "exponential", "gamma": 0.9}, 20), 0.1 * 0.9 ** np.arange(20))


def test_inverse_time():
    np.testing.assert_allclose(rates({"name": "inverse_time", "decay": 0.5}, 10), 0.1 / (1 + 0.5 * np.arange(10)))


def test_linear_decay_to_tau_then_constant_as_the_course_writes_it():
    r = rates({"name": "linear", "tau": 100, "lr_end": 0.001}, 200)
    k = np.arange(100)
    np.testing.assert_allclose(r[:100], (1 - k / 100) * 0.1 + (k / 100) * 0.001, rtol=1e-15)
    np.testing.assert_array_equal(r[100:], 0.001)


def test_cosine_closed_form_and_floor():
    r = rates({"name": "cosine", "t_max": 50, "lr_min": 0.01}, 80)
    assert r[0] == pytest.approx(0.1) and r[25] == pytest.approx(0.055) and r[50] == pytest.approx(0.01)
    np.testing.assert_allclose(r[50:], 0.01)
    k = np.arange(50)
    np.testing.assert_allclose(r[:50], 0.01 + 0.5 * 0.09 * (1 + np.cos(np.pi * k / 50)))


def test_warmup_multiplies_any_schedule():
    r = rates({"name": "exponential", "gamma": 0.9, "warmup": 4}, 8)
    np.testing.assert_allclose(r, 0.1 * 0.9 ** np.arange(8) * np.minimum(1, (np.arange(8) + 1) / 4))


def test_the_update_that_produces_step_k_plus_1_uses_lr_k():
    trace = gradsim.simulate("quadratic", optimizer="sgd", hparams={"lr": 0.1}, steps=6,
                             schedule={"name": "step", "step_size": 2, "gamma": 0.5})
    np.testing.assert_allclose(trace.lr, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])
    np.testing.assert_allclose(trace.params[1:], trace.params[:-1] - trace.lr[:-1, None] * trace.grad[:-1])


def test_schedule_by_name_and_resolved_config():
    config, lr_at = make_lr_fn("cosine")
    assert config == {"name": "cosine", "t_max": 100, "lr_min": 0.0, "warmup": 0}
    assert lr_at(100, 1.0) == 0.0
    with pytest.raises(ValueError, match="schedule must be a name or a mapping"):
        make_lr_fn(3)


def test_sgd_with_decay_meets_the_robbins_monro_conditions():
    # Σ lr_k diverges and Σ lr_k² converges for inverse_time decay: the course's condition for SGD.
    r = rates({"name": "inverse_time", "decay": 1.0}, 100000, lr=1.0)
    assert r.sum() > 10 and (r ** 2).sum() < math.pi ** 2 / 6 + 1e-9
