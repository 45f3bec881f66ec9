"""What is drawn of a long series or path shows what the data does (pure NumPy)."""
import numpy as np
import pytest

import gradsim
from gradsim.app.decimate import Decimator, envelope, path_points


def column_extremes(x, y, x0, x1, columns):
    """Per pixel column over [x0, x1]: (min, max) of y, as a dict."""
    column = np.floor((x - x0) / ((x1 - x0) / columns)).astype(int)
    inside = (column >= 0) & (column < columns) & np.isfinite(y)
    out = {}
    for c in np.unique(column[inside]):
        values = y[inside & (column == c)]
        out[int(c)] = (values.min(), values.max())
    return out


@pytest.mark.parametrize("seed", range(5))
def test_every_pixel_column_shows_the_lowest_and_highest_value_of_the_data(seed):
    rng = np.random.default_rng(seed)
    n = 20_000
    x = np.arange(n, dtype=float)
    y = np.cumsum(rng.standard_normal(n)) + 5 * np.sin(x / 7) * (rng.random(n) < 0.3)
    for x0, x1, columns in ((0, n, 500), (3000, 3400, 300), (-100, 2.5 * n, 731)):
        kept = envelope(x, y, x0, x1, columns)
        assert np.all(np.diff(kept) > 0) and kept[-1] == n - 1
        assert column_extremes(x[kept], y[kept], x0, x1, columns) == column_extremes(x, y, x0, x1, columns)
        assert len(kept) <= 4 * columns + 3


def test_a_view_holding_few_points_draws_every_one():
    x = np.arange(1000.0)
    y = (-1.0) ** x
    np.testing.assert_array_equal(envelope(x, y, 0, 999, 500), np.arange(1000))


def test_a_gap_stays_a_gap():
    x = np.arange(10_000.0)
    y = np.sin(x / 100)
    y[5000:5003] = np.nan
    kept = envelope(x, y, 0, 10_000, 100)
    assert np.isnan(y[kept]).any()


def test_remembered_envelope_equals_a_fresh_one_while_the_data_grows():
    rng = np.random.default_rng(1)
    x = np.arange(30_000.0)
    y = np.cumsum(rng.standard_normal(len(x)))
    decimator = Decimator()
    for end in range(2_500, 30_000, 1_777):
        kept = decimator.envelope(x[:end], y[:end], 0.0, 30_000.0, 400)
        assert kept[-1] == end - 1 and np.all(np.diff(kept) > 0)
        assert (column_extremes(x[kept], y[kept], 0, 30_000, 400)
                == column_extremes(x[:end], y[:end], 0, 30_000, 400))


def sign_changes(values):
    signs = np.sign(values)
    signs = signs[signs != 0]
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def test_a_zig_zag_path_keeps_every_reversal():
    # gradient descent at lr 0.19 on the quadratic (b = 10): y flips sign on every step, shrinking
    trace = gradsim.simulate(surface="quadratic", optimizer="sgd", hparams={"lr": 0.19}, steps=2000)
    xy = trace.params
    for view in ((-3, 3, -3, 3), (-0.5, 0.1, -0.01, 0.01)):
        kept = path_points(xy, view, (600, 400))
        inside = ((xy[:, 0] >= view[0]) & (xy[:, 0] <= view[1]) & (xy[:, 1] >= view[2]) & (xy[:, 1] <= view[3]))
        shown = np.intersect1d(kept, np.flatnonzero(inside))
        assert sign_changes(xy[shown, 1]) == sign_changes(xy[inside, 1]) > 100


def test_a_smooth_path_is_drawn_with_about_one_point_per_pixel():
    t = np.linspace(0, 1, 50_000)
    xy = np.column_stack([np.cos(3 * t), np.sin(3 * t)]) * (1 - t)[:, None]
    kept = path_points(xy, (-1, 1, -1, 1), (500, 500))
    assert 100 < len(kept) < 5_000 and kept[0] == 0 and kept[-1] == len(xy) - 1


def test_remembered_path_keeps_what_a_fresh_one_keeps():
    trace = gradsim.simulate(surface="quadratic", optimizer="momentum", hparams={"lr": 0.05}, steps=3000)
    xy = trace.params
    decimator = Decimator()
    for end in range(10, 3001, 97):
        kept = decimator.path(xy[:end], (-3, 3, -3, 3), (400, 400))
        assert set(path_points(xy[:end], (-3, 3, -3, 3), (400, 400))) <= set(kept)
        assert kept[-1] == end - 1
