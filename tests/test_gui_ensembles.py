"""The ensemble views and the theory overlays, driven through their object names (offscreen, in-process session).

What the views show is checked against the API run alone on the same settings: a basin map is
`gradsim.basins`, a sweep `gradsim.sweep`; the overlays' rates against the runs' own losses.
"""
import math

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSlider, QSpinBox, QWidget

import gradsim
from gradsim.core import theory
from gradsim.experiment import Experiment, RunConfig

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


def named(win, name, kind=QWidget):
    widget = win.findChild(kind, name)
    assert widget is not None, name
    return widget


def choose_view(win, view):
    combo = named(win, "viewCombo", QComboBox)
    combo.setCurrentIndex(combo.findData(view))


def bowl(window, qtbot, *runs, start=(2.0, 1.0)):
    e = Experiment(surface="quadratic", surface_params={"angle": 30.0}, start=start,
                   runs=[RunConfig(optimizer, hparams, color) for (optimizer, hparams), color
                         in zip(runs, ("#1f77b4", "#d62728", "#2ca02c"))]).validate()
    window.load_experiment(e)
    qtbot.waitUntil(lambda: window.ready and window.experiment.surface == "quadratic", timeout=10000)


def scene_point(plot_widget, x, y):
    """Where the data point (x, y) is on the widget's viewport."""
    box = plot_widget.getPlotItem().vb
    scene = box.mapViewToScene(pg.Point(x, y))
    return plot_widget.mapFromScene(scene)


def test_the_view_combo_switches_between_the_five_ways_of_looking(window, qtbot):
    combo = named(window, "viewCombo", QComboBox)
    assert [combo.itemData(i) for i in range(combo.count())] == ["trajectory", "basins", "swarm", "sweep", "phase"]
    assert combo.accessibleName()
    for view, plot, beside in (("basins", "basinPlot", True), ("swarm", "swarmPlot", False),
                               ("sweep", "sweepPlot", True), ("phase", "phasePlot", True)):
        choose_view(window, view)
        assert window.controller.ensembles.view == view
        assert named(window, plot).isVisible(), view
        assert named(window, "trajectoryPlot").isVisible() == beside, view
        assert not named(window, "lossPlot").isVisible()
    choose_view(window, "trajectory")
    for name in ("trajectoryPlot", "lossPlot", "lrPlot", "gradNormPlot"):
        assert named(window, name).isVisible(), name
    assert not named(window, "basinPlot").isVisible()


def test_a_basin_map_comes_coarse_then_fine_equals_the_api_and_a_click_starts_the_runs_there(window, qtbot):
    ensembles = window.controller.ensembles
    named(window, "basinDetail", QSpinBox).setValue(40)
    named(window, "basinSteps", QSpinBox).setValue(80)
    seen = []
    window.controller.ensemble_result.connect(lambda kind: seen.append(ensembles.results[kind].resolution))
    choose_view(window, "basins")
    qtbot.waitUntil(lambda: ensembles.finished("basins"), timeout=20000)
    result = ensembles.results["basins"]
    assert seen[0][0] <= 32 < max(result.resolution) == 40  # the coarse map came first
    run = window.experiment.runs[window.model.selected]
    alone = gradsim.basins(surface="rosenbrock", optimizer=run.optimizer, hparams=window.model.hparams(0),
                           window=result.window, resolution=result.resolution, steps=80, tol=1e-6, seed=0)
    np.testing.assert_array_equal(result.basin, alone.basin)
    np.testing.assert_array_equal(result.steps_to_tol, alone.steps_to_tol)
    plot = named(window, "basinPlot")
    (x0, x1), (y0, y1) = result.window
    assert plot.getPlotItem().vb.viewRange()[0] == pytest.approx([x0, x1], rel=1e-6)
    legend = named(window, "basinLegend", QLabel).text()
    assert "not converged" in legend and "diverged" in legend
    j, i = result.basin.shape[0] // 3, result.basin.shape[1] // 4
    sx, sy = result.starts[j, i]
    qtbot.mouseClick(plot.viewport(), Qt.LeftButton, pos=scene_point(plot, sx, sy))
    qtbot.waitUntil(lambda: window.experiment.start is not None and window.ready, timeout=10000)
    assert window.experiment.start == (sx, sy)  # the pixel's own start: the run is the pixel's run


def test_the_map_is_asked_again_when_a_hyperparameter_changes(window, qtbot):
    ensembles = window.controller.ensembles
    named(window, "basinDetail", QSpinBox).setValue(16)
    named(window, "basinSteps", QSpinBox).setValue(40)
    choose_view(window, "basins")
    qtbot.waitUntil(lambda: ensembles.finished("basins"), timeout=20000)
    named(window, "hp_lr").setValue(2e-3)
    qtbot.waitUntil(lambda: ensembles.finished("basins")
                    and ensembles.results["basins"].config["hparams"]["lr"] == 2e-3, timeout=20000)
    choose_view(window, "trajectory")
    assert ensembles.status["basins"] == ""


def test_a_swarm_plays_its_frames_with_the_median_band_and_shares(window, qtbot):
    ensembles = window.controller.ensembles
    named(window, "swarmCount", QSpinBox).setValue(40)
    named(window, "swarmSteps", QSpinBox).setValue(30)
    sampling = named(window, "swarmSampling", QComboBox)
    sampling.setCurrentIndex(sampling.findData("gaussian"))
    choose_view(window, "swarm")
    qtbot.waitUntil(lambda: ensembles.finished("swarm") and ensembles.results["swarm"] is not None, timeout=20000)
    result = ensembles.results["swarm"]
    assert result.frames.shape == (31, 40, 2) and ensembles.asked("swarm").sampling == "gaussian"
    slider = named(window, "swarmSlider", QSlider)
    qtbot.waitUntil(lambda: slider.value() == slider.maximum(), timeout=10000)  # it played to the end
    assert not named(window, "swarmPlayButton", QPushButton).isChecked()
    view = window.ensemble_area.views["swarm"]
    shown = view.dots.getData()
    finite = np.all(np.isfinite(result.frames[-1]), axis=1)
    np.testing.assert_array_equal(shown[0], result.frames[-1][finite, 0])
    assert "diverged" in named(window, "swarmShares", QLabel).text()
    np.testing.assert_allclose(10 ** view.median.getData()[1], result.stats.median, rtol=1e-12)  # a log axis


def test_a_sweep_on_a_quadratic_marks_the_theory_and_a_click_picks_the_rate(window, qtbot):
    bowl(window, qtbot, ("sgd", {"lr": 0.05}))
    ensembles = window.controller.ensembles
    named(window, "sweepCount", QSpinBox).setValue(60)
    named(window, "sweepSteps", QSpinBox).setValue(300)
    choose_view(window, "sweep")
    qtbot.waitUntil(lambda: ensembles.finished("sweep"), timeout=20000)
    result = ensembles.results["sweep"]
    lrs = result.values["lr"]
    first = int(np.argmax(result.diverged))
    assert lrs[first - 1] <= 0.2 <= lrs[first]  # diverges from 2/λmax on, within the grid's spacing
    view = window.ensemble_area.views["sweep"]
    marks = {round(10 ** line.value(), 6) for line in view.marks if isinstance(line, pg.InfiniteLine)}
    assert marks == {0.1, round(2 / 11, 6), 0.2}
    predicted = view.predicted.getData()[1]
    assert np.isfinite(predicted).sum() > 10
    plot = named(window, "sweepPlot")
    target = lrs[first // 2]
    position = plot.mapFromScene(view.steps_plot.getViewBox().mapViewToScene(pg.Point(math.log10(target), 100)))
    qtbot.mouseClick(plot.viewport(), Qt.LeftButton, pos=position)
    qtbot.waitUntil(lambda: window.model.hparams(0)["lr"] == pytest.approx(target), timeout=10000)


def test_a_phase_diagram_of_the_heavy_ball_draws_its_boundary_and_critical_damping(window, qtbot):
    bowl(window, qtbot, ("momentum", {"lr": 0.05, "momentum": 0.5}))
    ensembles = window.controller.ensembles
    named(window, "phaseNx", QSpinBox).setValue(16)
    named(window, "phaseNy", QSpinBox).setValue(8)
    named(window, "phaseSteps", QSpinBox).setValue(200)
    choose_view(window, "phase")
    qtbot.waitUntil(lambda: ensembles.finished("phase"), timeout=20000)
    result = ensembles.results["phase"]
    assert result.names == ("lr", "momentum") and result.final_loss.shape == (16, 8)
    view = window.ensemble_area.views["phase"]
    lrs, betas = view.boundary.getData()
    lrs = 10 ** lrs  # drawn on the rate's log axis
    np.testing.assert_allclose(lrs, 2 * (1 + result.values["momentum"]) / 10)
    assert any(np.isfinite(curve.getData()[1]).any() for curve in view.damping)
    grid_lr = result.values["lr"][:, None]
    assert not result.diverged[grid_lr < lrs[None, :]].any()  # inside the boundary every setting converges
    assert result.diverged[grid_lr > 1.5 * lrs[None, :]].all()  # well outside, every one diverges


def test_the_theory_overlays_draw_eigen_directions_envelopes_and_the_rates(window, qtbot):
    bowl(window, qtbot, ("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.05, "momentum": 0.5}), ("adam", {"lr": 0.1}))
    overlay = window.theory_overlay
    assert len(overlay.directions) == 2
    angles = sorted(line.angle % 180 for line in overlay.directions)
    assert angles == pytest.approx([30.0, 120.0])  # the bowl's axes, turned by θ = 30°
    window.model.set_speed(0)
    window.model.play(True)
    qtbot.waitUntil(lambda: window.newest_step() >= 150, timeout=20000)
    window.model.play(False)
    overlay.redraw()
    drawn = [curve.getData()[0] for curve in overlay.envelopes[:3]]
    assert [x is not None and len(x) > 0 for x in drawn] == [True, True, False]  # no theory drawn for Adam
    assert len(overlay.rate_lines) == 2 and overlay.rates.isVisible()
    heavy_ball = theory.heavy_ball_rate(0.05, 0.5, [1.0, 10.0])  # real roots along λ = 1: 0.8851
    for line, predicted in zip(overlay.rate_lines, (0.9, heavy_ball)):
        measured = float(line.split("measured ")[1].split(",")[0])
        assert measured == pytest.approx(predicted, abs=2e-3) and f"predicted {predicted:.4f}" in line
    steps, drawn = overlay.envelopes[0].getData()
    loss0 = window.histories[0].get("loss")[0]
    np.testing.assert_allclose(10 ** drawn[steps == 100], loss0 * 0.9 ** 200, rtol=1e-9)  # on the log axis
    window.findChild(object, "theoryAction").trigger()  # View ▸ Theory on quadratics: off
    assert overlay.directions == [] and not overlay.rates.isVisible()
    window.findChild(object, "theoryAction").trigger()
    # A lesson scene draws only the theory it lists (model.display, from the scene's `theory`).
    window.model.load(window.experiment, display={"theory": ["eigen_directions", "heavy_ball_envelope"]})
    qtbot.waitUntil(lambda: window.ready, timeout=10000)
    window.model.step_forward()
    qtbot.waitUntil(lambda: window.newest_step() >= 1, timeout=10000)
    overlay.redraw()
    assert len(overlay.directions) == 2 and len(overlay.rate_lines) == 1 and "Momentum" in overlay.rate_lines[0]


def test_the_theory_overlay_keeps_its_predictions_while_a_question_waits(window, qtbot):
    """A lesson's question asks which run wins: the envelope and the predicted ρ are the answer."""
    bowl(window, qtbot, ("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.05, "momentum": 0.5}))
    overlay = window.theory_overlay
    window.model.load(window.experiment, display={"hold_numbers": True})
    qtbot.waitUntil(lambda: window.ready, timeout=10000)
    overlay.redraw()
    assert overlay.rate_lines == [] and not overlay.rates.isVisible()  # step 0: no rate yet, no prediction
    window.model.set_speed(0)
    window.model.play(True)
    qtbot.waitUntil(lambda: window.newest_step() >= 40, timeout=20000)
    window.model.play(False)
    overlay.redraw()
    assert len(overlay.rate_lines) == 2 and all("predicted" not in line for line in overlay.rate_lines)
    assert all(curve.getData()[0] is None or len(curve.getData()[0]) == 0 for curve in overlay.envelopes)
    window.model.reveal([run.name for run in window.experiment.runs])
    overlay.redraw()
    assert all("predicted" in line for line in overlay.rate_lines)
    assert all(len(curve.getData()[0]) > 0 for curve in overlay.envelopes[:2])
    window.findChild(object, "zoomInAction").trigger()  # the corner's text grows with the app's
    qtbot.waitUntil(lambda: "font-size:9.2pt" in overlay.rates.toHtml(), timeout=5000)
    window.findChild(object, "zoomOutAction").trigger()


def test_the_ensemble_views_follow_the_dark_theme(window, qtbot):
    window.findChild(object, "darkThemeAction").trigger()
    dark = window.appearance.style.background
    for view, names in (("basins", ("basinPlot",)), ("swarm", ("swarmPlot", "swarmLossPlot")), ("sweep", ("sweepPlot",)),
                        ("phase", ("phasePlot",))):
        choose_view(window, view)  # a view is restyled when it is shown
        for name in names:
            assert named(window, name).backgroundBrush().color().name() == dark, name
    window.findChild(object, "darkThemeAction").trigger()


def test_a_closed_window_leaves_no_ensemble_work_running(qtbot):
    from gradsim.gui import MainWindow
    win = MainWindow(session="local")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=20000)
    client = win.controller.client
    choose_view(win, "basins")  # a job that would take seconds
    qtbot.waitUntil(lambda: client.ticker.isActive(), timeout=5000)
    win.close()
    qtbot.wait(50)  # whatever was queued has run
    assert not client.ticker.isActive() and not client.session.busy
