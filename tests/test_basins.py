"""Basin maps: every pixel is its single run; basins, minima, steps and the progressive form."""
import numpy as np
import pytest

import gradsim
from gradsim.core import ensembles as ensemble_module
from gradsim.core.basins import DIVERGED, NOT_CONVERGED, PENDING, basin_bands, grid_starts


def test_every_pixel_equals_its_single_run_with_noise_seeded_per_start():
    kwargs = dict(surface="himmelblau", optimizer="momentum", hparams={"lr": 0.005}, steps=60,
                  schedule={"name": "cosine", "t_max": 60}, clip={"value": 50.0}, grad_noise=1.0)
    m = gradsim.basins(window=((-5, 5), (-5, 5)), resolution=(4, 3), seed=9, tol=1e-3, **kwargs)
    assert m.starts.shape == (3, 4, 2) and m.basin.shape == (3, 4) and m.final.shape == (3, 4, 2)
    for i, (j, k) in enumerate(np.ndindex(3, 4)):  # row-major, row 0 lowest y
        alone = gradsim.simulate(start=m.starts[j, k], seed=9 + i, **kwargs)
        np.testing.assert_array_equal(m.final[j, k], alone.params[-1])
        assert m.loss_final[j, k] == alone.loss[-1]
        gap = alone.loss - m.minima_loss[m.basin[j, k]] if m.basin[j, k] >= 0 else alone.loss
        hit = np.nonzero(gap <= 1e-3)[0]
        assert m.steps_to_tol[j, k] == (hit[0] if len(hit) else -1)


def test_pixel_centres_cover_the_window_from_the_lowest_row():
    starts = grid_starts(((0.0, 4.0), (10.0, 12.0)), (4, 2))
    np.testing.assert_allclose(starts[0, :, 0], [0.5, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(starts[:, 0, 1], [10.5, 11.5])


def test_himmelblau_has_four_basins_each_holding_its_own_corner():
    m = gradsim.basins(surface="himmelblau", optimizer="sgd", hparams={"lr": 0.01}, resolution=(24, 24), steps=300)
    assert len(m.minima) == 4 and set(np.unique(m.basin)) == {0, 1, 2, 3}
    for i, (mx, my) in enumerate(m.minima):  # the start nearest each minimum ends in it
        j, k = np.unravel_index(np.argmin(np.hypot(*(m.starts - (mx, my)).transpose(2, 0, 1))), m.basin.shape)
        assert m.basin[j, k] == i
    converged = m.basin >= 0
    assert np.all(np.hypot(*(m.final[converged] - m.minima[m.basin[converged]]).T) <= m.radius)
    assert m.criterion == "loss − f(m) ≤ tol" and sum(m.shares().values()) == pytest.approx(1.0)


def test_a_higher_minimum_counts_steps_against_its_own_loss():
    # Six-hump camel: starts that end in a local minimum still reach its level, so they get steps.
    m = gradsim.basins(surface="six_hump_camel", optimizer="sgd", hparams={"lr": 0.01}, resolution=(16, 16),
                       steps=400, tol=1e-6)
    local = (m.basin >= 0) & (m.minima_loss[np.maximum(m.basin, 0)] > m.minima_loss[0] + 1e-3)
    assert local.any() and np.all(m.steps_to_tol[local] >= 0)


def test_diverged_and_not_converged_are_told_apart():
    m = gradsim.basins(surface="quadratic", optimizer="sgd", hparams={"lr": 0.25}, resolution=(5, 5), steps=100)
    assert np.all(m.basin[m.starts[..., 1] != 0] == DIVERGED)  # 2/λmax = 0.2 < 0.25
    slow = gradsim.basins(surface="quadratic", optimizer="sgd", hparams={"lr": 1e-4}, resolution=(5, 5), steps=10)
    at_minimum = np.all(slow.starts == 0.0, axis=-1)  # the middle pixel starts on the minimum itself
    assert np.all(slow.basin[~at_minimum] == NOT_CONVERGED) and np.all(slow.steps_to_tol[~at_minimum] == -1)
    assert slow.basin[at_minimum] == [0] and slow.steps_to_tol[at_minimum] == [0]


def test_without_known_minima_the_gathering_points_are_found():
    m = gradsim.basins(surface="custom", surface_params={"expr": "(x**2 - 1)**2 + y**2"}, optimizer="sgd",
                       hparams={"lr": 0.05}, window=((-2, 2), (-2, 2)), resolution=(10, 10), steps=300, tol=1e-6)
    np.testing.assert_allclose(np.sort(m.minima[:, 0]), [-1.0, 1.0], atol=1e-5)
    assert m.criterion == "‖∇f‖ ≤ tol"
    assert np.all(m.basin[:, :5] == m.basin[0, 0]) and np.all(m.basin[:, 5:] == m.basin[0, 9])


def test_the_progressive_form_yields_coarse_then_fine_and_reports_progress(monkeypatch):
    monkeypatch.setattr(ensemble_module, "CHUNK_BYTES", dict.fromkeys(ensemble_module.KEEPS, 64 * 1024))  # 4,096 runs
    seen = []
    maps = list(gradsim.iter_basins(surface="himmelblau", optimizer="sgd", hparams={"lr": 0.01}, steps=50,
                                    resolutions=[(8, 8), (100, 100)], progress=lambda done, total: seen.append((done, total))))
    assert [m.resolution for m in maps] == [(8, 8), (100, 100)]
    assert seen[-1] == (10_000, 10_000) and len(seen) > 2  # the fine map reports chunk by chunk
    np.testing.assert_array_equal(maps[0].final, gradsim.basins(surface="himmelblau", optimizer="sgd", steps=50,
                                                                hparams={"lr": 0.01}, resolution=(8, 8)).final)


@pytest.mark.parametrize("surface, params, hparams", [
    ("himmelblau", {}, {"lr": 0.01}),
    ("custom", {"expr": "(x**2 - 1)**2 + y**2"}, {"lr": 0.05}),  # minima found again from the rows so far
])
def test_a_map_filled_band_by_band_ends_equal_to_the_whole_map(surface, params, hparams):
    kwargs = dict(surface=surface, surface_params=params, optimizer="sgd", hparams=hparams, window=((-5, 5), (-4, 4)),
                  resolution=(6, 7), steps=80, tol=1e-4, grad_noise=0.5, seed=3)
    bands = list(basin_bands(rows_per_band=3, **kwargs))
    assert [m.rows_done for m in bands] == [3, 6, 7] and [m.complete for m in bands] == [False, False, True]
    assert np.all(bands[0].basin[3:] == PENDING) and np.all(bands[0].basin[:3] != PENDING)
    assert sum(bands[0].shares().values()) == pytest.approx(1.0)  # shares of the rows computed so far
    whole = gradsim.basins(**kwargs)
    for name in ("final", "basin", "steps_to_tol", "loss_final", "diverged_at", "minima"):
        np.testing.assert_array_equal(getattr(bands[-1], name), getattr(whole, name), err_msg=name)


def test_raising_from_progress_abandons_the_map():
    class Stale(Exception):
        pass

    def stop(done, total):
        raise Stale
    with pytest.raises(Stale):
        gradsim.basins(resolution=(128, 128), steps=5, progress=stop)


@pytest.mark.parametrize("kwargs, message", [
    ({"window": ((1, 0), (0, 1))}, "x0 < x1"),
    ({"window": (0, 1)}, r"window must be \(\(x0, x1\), \(y0, y1\)\)"),
    ({"resolution": (0, 10)}, "resolution must be two whole numbers from 1 to 4096"),
    ({"resolution": 64}, r"resolution must be \(nx, ny\)"),
    ({"radius": -1.0}, "radius must be a positive number"),
    ({"optimizer": "adamm"}, "did you mean 'adam'"),
    ({"tol": float("nan")}, "tol must be a finite number"),
])
def test_bad_input_names_the_problem(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gradsim.basins(**{"resolution": (4, 4), "steps": 3, **kwargs})
