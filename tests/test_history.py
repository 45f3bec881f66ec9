"""The app's bounded run history (pure NumPy)."""
import numpy as np

from gradsim.core import Stepper, get_surface
from gradsim.app.history import RunHistory


def chunks(stepper, sizes):
    for n in sizes:
        yield stepper.run(n) | {"current": stepper.record()}


def test_history_ends_at_the_newest_point_and_matches_the_run():
    stepper = Stepper(get_surface("rosenbrock"), "adam", {"lr": 0.01}, (-1.2, 1.0))
    history = RunHistory()
    for chunk in chunks(stepper, [0, 1, 7, 30]):
        history.extend(chunk)
    np.testing.assert_array_equal(history.get("step"), np.arange(39))
    np.testing.assert_array_equal(history.get("params")[-1], stepper.params)
    reference = Stepper(get_surface("rosenbrock"), "adam", {"lr": 0.01}, (-1.2, 1.0)).run(38)
    np.testing.assert_array_equal(history.get("params")[:-1], reference["params"])
    np.testing.assert_array_equal(history.get("state.m")[:-1], reference["state"]["m"])


def test_history_is_bounded_and_evenly_thinned():
    stepper = Stepper(get_surface("quadratic"), "sgd", {"lr": 0.01}, (1.0, 1.0))
    history = RunHistory(max_rows=1000)
    for chunk in chunks(stepper, [997] * 20):
        history.extend(chunk)
    steps = history.get("step")
    assert history.count <= 1001 and steps[-1] == stepper.k == 19940
    assert np.all(steps[:-1] % history.stride == 0) and history.stride == 32
    assert history.index_at(1000) == 1000 // 32
