"""The desktop app driven as a person would: clicks and keys on named controls, offscreen, no sleeps.

Most tests step the runs in this process (`session="local"`): the window is the same, only the
child process is left out, which makes the suite several times faster. Tests of the child
process itself are in tests/test_gui_session.py.
"""
import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QPushButton, QSlider, QWidget

from gradsim.gui.export import export_plot

pytestmark = pytest.mark.usefixtures("no_leftover_threads")



def named(win, name, kind=QWidget):
    widget = win.findChild(kind, name)
    assert widget is not None, name
    return widget


def step_shown(win):
    return int(named(win, "stepLabel", QLabel).text())


def full_speed(win):
    slider = named(win, "speedSlider", QSlider)
    slider.setValue(slider.maximum())


def play_until(win, qtbot, done, timeout=20000):
    full_speed(win)
    named(win, "playButton").setChecked(True)
    qtbot.waitUntil(done, timeout=timeout)
    named(win, "playButton").setChecked(False)


def test_every_control_has_a_stable_and_accessible_name(window):
    for name, kind in [("problemCombo", QComboBox), ("optimizerCombo", QComboBox), ("playButton", QPushButton),
                       ("stepButton", QPushButton), ("stepBackButton", QPushButton), ("resetButton", QPushButton),
                       ("addRunButton", QPushButton), ("speedSlider", QSlider), ("timelineSlider", QSlider),
                       ("stepLabel", QLabel), ("statusLabel", QLabel)]:
        assert named(window, name, kind).accessibleName(), name
    for name in ("trajectoryPlot", "lossPlot", "lrPlot", "gradNormPlot"):
        assert window.findChild(object, name) is not None, name
    problems = named(window, "problemCombo", QComboBox)
    assert "rosenbrock" in [problems.itemData(i) for i in range(problems.count())]
    optimizers = named(window, "optimizerCombo", QComboBox)
    assert {"adam", "newton", "quickprop"} <= {optimizers.itemData(i) for i in range(optimizers.count())}
    lr = named(window, "hp_lr")
    assert "learning rate" in lr.toolTip()
    speed = named(window, "speedSlider", QSlider)
    assert 0 < speed.value() < speed.maximum()  # starts slow enough to watch the first steps


def test_play_runs_live_and_pause_stops(window, qtbot):
    full_speed(window)
    qtbot.mouseClick(named(window, "playButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: step_shown(window) > 200, timeout=20000)
    assert named(window, "statusLabel", QLabel).text() == "running"
    qtbot.mouseClick(named(window, "playButton"), Qt.LeftButton)
    assert named(window, "statusLabel", QLabel).text() == "paused"
    stopped_at = window.newest_step()
    qtbot.wait(100)  # in this process nothing can be in flight: the step stays where it is
    assert window.newest_step() == stopped_at
    loss = window.histories[2].get("loss")
    assert loss[-1] < loss[0]  # Adam went down the valley


def test_single_steps_forward_and_back_and_scrubbing(window, qtbot):
    for expected in (1, 2, 3):
        qtbot.mouseClick(named(window, "stepButton"), Qt.LeftButton)
        qtbot.waitUntil(lambda: step_shown(window) == expected, timeout=10000)
    qtbot.mouseClick(named(window, "stepBackButton"), Qt.LeftButton)
    qtbot.waitUntil(lambda: step_shown(window) == 2)
    window.plot_area.trajectory.widget.setFocus()  # arrow keys belong to an editor while it has the focus
    qtbot.keyClick(window, Qt.Key_Left)
    qtbot.waitUntil(lambda: step_shown(window) == 1)
    qtbot.keyClick(window, Qt.Key_Right)  # forward through what was already computed
    qtbot.waitUntil(lambda: step_shown(window) == 2)
    assert window.newest_step() == 3
    named(window, "timelineSlider", QSlider).setValue(0)
    qtbot.waitUntil(lambda: step_shown(window) == 0)
    window.redraw()
    x, y = window.plot_area.trajectory.paths[0].getData()
    np.testing.assert_allclose([x[-1], y[-1]], window.experiment.resolved_start())


def test_changing_a_hyperparameter_while_playing_keeps_the_run(window, qtbot):
    named(window, "runList").setCurrentRow(2)
    assert named(window, "optimizerCombo", QComboBox).currentData() == "adam"
    full_speed(window)
    named(window, "playButton").click()
    qtbot.waitUntil(lambda: window.histories[2].last_step > 100, timeout=20000)
    named(window, "hp_lr").setValue(0.01)
    qtbot.waitUntil(lambda: window.histories[2].get("lr")[-1] == 0.01, timeout=20000)
    named(window, "playButton").click()
    rates = window.histories[2].get("lr")
    changed = int(np.argmax(rates == 0.01))
    assert rates[0] == 0.05 and np.all(rates[:changed] == 0.05) and np.all(rates[changed:] == 0.01)
    assert window.histories[2].get("step")[0] == 0  # one run, no restart: the new rate from the next step
    assert window.experiment.changes == [{"step": changed, "run": 2, "hparams": {"lr": 0.01}}]
    # every legend and the run list name the rate the run uses now
    assert "η=0.01" in named(window, "runList").item(2).text()
    assert "Adam (η=0.01)" in window.plot_area.legend.plain_text()
    for panel in window.plot_area.time_panels:  # what their read-outs name the run
        assert panel.runs[2].label == "Adam (η=0.01)"


def test_a_refused_value_goes_back_to_the_runs_own_with_the_reason_beside_it(window, qtbot):
    named(window, "runList").setCurrentRow(2)
    eps = named(window, "hp_eps")
    eps.setValue(0.0)
    assert eps.value() == 1e-8  # the model's value again
    reason = named(window, "hpReason", QLabel)
    assert reason.isVisible() and "eps" in reason.text()
    assert window.experiment.runs[2].hparams["eps"] == 1e-8 and window.model.log[-1].field == "hp_eps"


def test_divergence_is_shown_and_the_other_runs_go_on(window, qtbot):
    named(window, "problemCombo").setCurrentIndex(named(window, "problemCombo").findData("quadratic"))
    qtbot.waitUntil(lambda: window.ready, timeout=10000)
    named(window, "runList").setCurrentRow(0)
    named(window, "hp_lr").setValue(0.25)
    qtbot.waitUntil(lambda: window.model.hparams(0)["lr"] == 0.25)
    play_until(window, qtbot, lambda: "diverged" in named(window, "statusLabel", QLabel).text())
    assert "lr 0.25 is above 2/λmax = 0.2" in named(window, "statusLabel", QLabel).text()
    assert "diverged at step" in named(window, "runList").item(0).text()
    diverged_at = window.histories[0].diverged_at
    play_until(window, qtbot, lambda: window.histories[1].last_step > diverged_at + 100)
    window.redraw()
    x, y = window.plot_area.trajectory.paths[0].getData()
    assert len(x) == diverged_at and np.all(np.isfinite(x)) and np.all(np.isfinite(y))


def test_a_click_on_the_contours_sets_the_start_exactly_there(window, qtbot):
    view = window.plot_area.trajectory.widget
    box = view.getPlotItem().vb
    pixel = QPoint(view.width() // 3, view.height() // 2)
    expected = box.mapSceneToView(view.mapToScene(pixel))
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pixel)
    qtbot.waitUntil(lambda: window.experiment.start is not None)
    assert window.experiment.start == (expected.x(), expected.y())
    assert named(window, "startX").value() == pytest.approx(expected.x(), abs=1e-12)
    qtbot.waitUntil(lambda: window.ready and tuple(window.histories[0].current["params"]) == window.experiment.start,
                    timeout=10000)


def test_a_start_point_then_a_network_trains(window, qtbot):
    window.set_start(0.5, 0.5)
    qtbot.waitUntil(lambda: window.ready)
    named(window, "problemCombo").setCurrentIndex(named(window, "problemCombo").findData("moons"))
    qtbot.waitUntil(lambda: window.ready and window.model.info.kind == "network", timeout=20000)
    assert named(window, "problemCombo").currentData() == "moons"
    named(window, "stepButton").click()
    qtbot.waitUntil(lambda: window.newest_step() == 1, timeout=10000)
    named(window, "resetButton").click()
    qtbot.waitUntil(lambda: window.ready and window.newest_step() == 0, timeout=10000)


def test_add_edit_and_remove_runs(window, qtbot):
    qtbot.mouseClick(named(window, "addRunButton"), Qt.LeftButton)
    assert len(window.experiment.runs) == 4 and named(window, "runList").count() == 4
    optimizer = named(window, "optimizerCombo", QComboBox)
    optimizer.setCurrentIndex(optimizer.findData("newton"))
    assert window.experiment.runs[3].optimizer == "newton"
    assert named(window, "hp_lr").value() == 1.0
    qtbot.waitUntil(lambda: len(window.histories) == 4 and window.ready, timeout=10000)
    named(window, "runList").item(3).setCheckState(Qt.Unchecked)
    assert not window.experiment.runs[3].visible
    qtbot.mouseClick(named(window, "removeRunButton"), Qt.LeftButton)
    assert len(window.experiment.runs) == 3


def test_save_and_open_resumes_and_a_bad_file_keeps_the_work(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "exp.json"
    named(window, "runList").setCurrentRow(1)
    named(window, "hp_momentum").setValue(0.5)
    play_until(window, qtbot, lambda: window.newest_step() >= 100)
    assert window.save_experiment(str(path))
    saved = json.loads(path.read_text())
    assert saved["format"] == "gradsim-experiment" and saved["runs"][1]["hparams"]["momentum"] == 0.5
    assert saved["steps_played"] == window.newest_step()
    before = window.histories[1].get("params").copy()
    named(window, "hp_momentum").setValue(0.8)
    assert window.open_experiment(str(path))
    qtbot.waitUntil(lambda: window.ready and window.newest_step() == saved["steps_played"], timeout=20000)
    assert window.experiment.runs[1].hparams["momentum"] == 0.5
    np.testing.assert_array_equal(window.histories[1].get("params"), before)  # resumed where it was
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    before = window.experiment.to_json()
    assert not window.open_experiment(str(bad))
    assert "not valid JSON" in warnings[-1] and window.experiment.to_json() == before
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"hello": 1}))
    assert not window.open_experiment(str(foreign))
    assert "not a GradSim experiment" in warnings[-1]


def test_keyboard_space_plays_and_r_resets(window, qtbot):
    full_speed(window)
    window.plot_area.trajectory.widget.setFocus()  # not an editor, which would keep Space and R for itself
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: step_shown(window) > 50, timeout=20000)
    qtbot.keyClick(window, Qt.Key_Space)
    assert not named(window, "playButton").isChecked()
    qtbot.keyClick(window, Qt.Key_R)
    qtbot.waitUntil(lambda: step_shown(window) == 0 and window.newest_step() == 0, timeout=10000)


def test_reset_clears_the_axis_ranges(window, qtbot):
    play_until(window, qtbot, lambda: window.newest_step() > 3000)
    window.redraw()
    loss_box = window.plot_area.loss_panel.widget.getPlotItem().vb
    assert loss_box.viewRange()[0][1] > 1000
    named(window, "resetButton").click()
    qtbot.waitUntil(lambda: window.ready and window.newest_step() == 0)
    window.redraw()
    (x0, x1), _ = loss_box.viewRange()
    assert -1 <= x0 <= 0 and 1 <= x1 <= 20  # the first steps, not the old run's 3000


def test_scrub_back_change_the_rate_and_replay_the_rest(window, qtbot):
    play_until(window, qtbot, lambda: window.newest_step() >= 200)
    before = [h.get("params").copy() for h in window.histories]
    named(window, "timelineSlider", QSlider).setValue(40)
    qtbot.waitUntil(lambda: step_shown(window) == 40)
    named(window, "runList").setCurrentRow(2)
    assert named(window, "hp_lr").value() == 0.05
    named(window, "hp_lr").setValue(0.01)  # branch here: the steps after 40 follow the new rate
    qtbot.waitUntil(lambda: window.newest_step() == 40 and bool(window.experiment.changes))
    play_until(window, qtbot, lambda: window.newest_step() >= 150)
    for i, history in enumerate(window.histories):
        np.testing.assert_array_equal(history.get("params")[:41], before[i][:41])
    lr = window.histories[2].get("lr")
    assert np.all(lr[:40] == 0.05) and np.all(lr[40:] == 0.01)
    assert not np.array_equal(window.histories[2].get("params")[41:150], before[2][41:150])
    # the untouched runs replay exactly what they did before
    np.testing.assert_array_equal(window.histories[0].get("params")[:150], before[0][:150])


def test_exports_png_svg_csv_and_gif(window, qtbot, tmp_path):
    play_until(window, qtbot, lambda: window.newest_step() > 300)
    window.redraw()
    png, svg = tmp_path / "loss.png", tmp_path / "traj.svg"
    files = window.files
    assert files.try_export(lambda: export_plot(window.plot_area.loss_panel.widget, str(png)), str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert files.try_export(lambda: export_plot(window.plot_area.trajectory.widget, str(svg)), str(svg))
    assert "<svg" in svg.read_text()
    csv_path = tmp_path / "runs.csv"
    window.export_csv(str(csv_path))
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "run,optimizer,step,x,y,loss,grad_x,grad_y,lr_x,lr_y"
    assert sum(h.count for h in window.histories) == len(lines) - 1
    gif = tmp_path / "trajectory.gif"
    window.export_gif(str(gif), frames=6)
    from PIL import Image
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.n_frames == 6 and image.info.get("loop") == 0


def test_a_networks_runs_export_as_csv_with_per_layer_columns(window, qtbot, tmp_path):
    combo = named(window, "problemCombo")
    combo.setCurrentIndex(combo.findData("moons"))
    qtbot.waitUntil(lambda: window.ready and window.model.info.kind == "network", timeout=20000)
    for expected in (1, 2, 3):
        named(window, "stepButton").click()
        qtbot.waitUntil(lambda: window.newest_step() == expected, timeout=10000)
    path = tmp_path / "net.csv"
    window.export_csv(str(path))
    import csv
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 3 * 4  # three runs, steps 0 to 3
    assert {"epoch", "loss", "train_accuracy", "grad_norm_1", "grad_norm_3", "update_ratio_2",
            "lr_eff_median_3"} <= set(rows[0])
    first = window.histories[0]
    assert float(rows[1]["loss"]) == first.get("extra.train_loss")[1]
    assert float(rows[1]["grad_norm_2"]) == first.get("extra.grad_norm_layers")[1, 1]


def test_dark_theme_and_larger_text(window, qtbot):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication
    window.darkAction.trigger()
    assert window.plot_area.trajectory.widget.backgroundBrush().color().name() == "#1e1f22"
    # every widget, not only the plots: the application's palette is dark
    assert QApplication.palette().color(QPalette.Window).lightness() < 80
    qtbot.waitUntil(lambda: named(window, "runList").palette().color(QPalette.Base).lightness() < 80)
    size = window.font().pointSizeF()
    before = window.plot_area.loss_panel.runs[0].curves[0].opts["pen"].widthF()
    window.findChild(QAction, "zoomInAction").trigger()
    assert window.font().pointSizeF() > size
    assert window.plot_area.loss_panel.runs[0].curves[0].opts["pen"].widthF() > before
    window.darkAction.trigger()
    assert QApplication.palette().color(QPalette.Window).lightness() > 150


def test_schedule_clipping_and_noise_controls_reach_the_runs(window, qtbot):
    schedule = named(window, "scheduleCombo")
    schedule.setCurrentIndex(schedule.findData("step"))
    named(window, "sched_step_size").setValue(5)
    named(window, "sched_gamma").setValue(0.5)
    clip = named(window, "clipCombo")
    clip.setCurrentIndex(clip.findData("norm"))
    named(window, "clipThreshold").setValue(2.0)
    named(window, "gradNoise").setValue(0.1)
    assert window.experiment.schedule == {"name": "step", "step_size": 5, "gamma": 0.5, "warmup": 0}
    assert window.experiment.clip == {"norm": 2.0} and window.experiment.grad_noise == 0.1
    qtbot.waitUntil(lambda: window.ready, timeout=10000)
    for expected in range(1, 12):
        named(window, "stepButton").click()
        qtbot.waitUntil(lambda: window.newest_step() == expected, timeout=10000)
    rates = window.histories[2].get("lr")
    np.testing.assert_allclose(rates[:11], 0.05 * 0.5 ** (np.arange(11) // 5))
    steps = np.linalg.norm(np.diff(window.histories[0].get("params"), axis=0), axis=1)
    assert np.all(steps <= 1e-3 * 2.0 + 1e-12)  # gradient descent with lr 1e-3, gradients clipped to norm 2


def test_a_network_on_two_moons_trains_live(window, qtbot):
    combo = named(window, "problemCombo")
    combo.setCurrentIndex(combo.findData("moons"))
    assert window.experiment.dataset == "moons" and named(window, "hiddenEdit").isVisibleTo(window)
    hidden = named(window, "hiddenEdit")
    hidden.setText("8,8")
    hidden.editingFinished.emit()
    named(window, "batchSizeSpin").setValue(32)
    assert window.experiment.model["hidden"] == [8, 8] and window.experiment.batch_size == 32
    qtbot.waitUntil(lambda: window.ready, timeout=20000)
    named(window, "runList").setCurrentRow(2)  # Adam
    play_until(window, qtbot, lambda: window.newest_step() > 300, timeout=30000)
    history = window.histories[2]
    loss = history.get("extra.train_loss")
    assert loss[-1] < 0.5 * loss[0]
    np.testing.assert_array_equal(history.get("extra.epoch"), history.get("step") // 7)  # 200 points, batches of 32
    window.redraw()
    assert len(window.plot_area.grad_panel.runs[2].curves) == 3  # one curve per layer
    qtbot.waitUntil(lambda: window.model.boundary is not None
                    and window.model.boundary.step == window.newest_step(), timeout=10000)
    boundary = window.model.boundary.values
    assert boundary.shape == (200, 200) and 0 <= boundary.min() < 0.2 and 0.8 < boundary.max() <= 1
    assert window.plot_area.trajectory.image.image.shape == (200, 200, 4)  # drawn as regions
    text = named(window, "inspector").toPlainText()
    assert "epoch" in text and "layer 3" in text


def test_loss_slice_around_the_weights_with_the_path(window, qtbot):
    combo = named(window, "problemCombo")
    combo.setCurrentIndex(combo.findData("moons"))
    qtbot.waitUntil(lambda: window.ready and window.model.info.kind == "network", timeout=20000)
    named(window, "runList").setCurrentRow(2)
    for expected in range(1, 6):
        named(window, "stepButton").click()
        qtbot.waitUntil(lambda: window.newest_step() == expected, timeout=10000)
    named(window, "lossSliceButton").click()
    qtbot.waitUntil(lambda: window.model.slice is not None, timeout=10000)
    x, y = window.plot_area.trajectory.curve_line.getData()
    assert len(x) == 6 and (x[-1], y[-1]) == pytest.approx((0.0, 0.0), abs=1e-9)  # the path ends at the centre
    assert window.plot_area.trajectory.image.image.shape == (25, 25, 4)
    named(window, "lossSliceButton").click()
    qtbot.waitUntil(lambda: window.plot_area.trajectory.image.image.shape == (200, 200, 4), timeout=10000)


def test_a_network_run_saves_reopens_and_exports_a_gif(window, qtbot, tmp_path):
    combo = named(window, "problemCombo")
    combo.setCurrentIndex(combo.findData("moons"))
    named(window, "batchSizeSpin").setValue(16)
    qtbot.waitUntil(lambda: window.ready and window.model.info.kind == "network", timeout=20000)
    play_until(window, qtbot, lambda: window.newest_step() > 100)
    named(window, "timelineSlider", QSlider).setValue(50)  # scrub back
    qtbot.waitUntil(lambda: step_shown(window) == 50)
    gif = tmp_path / "moons.gif"
    window.export_gif(str(gif), frames=5)
    from PIL import Image
    with Image.open(gif) as image:
        assert image.n_frames == 5
    path = tmp_path / "moons.json"
    assert window.save_experiment(str(path))
    combo.setCurrentIndex(combo.findData("rosenbrock"))
    assert window.open_experiment(str(path))
    assert window.experiment.dataset == "moons" and window.experiment.batch_size == 16
    assert combo.currentData() == "moons" and named(window, "batchSizeSpin").value() == 16
    qtbot.waitUntil(lambda: window.ready and window.model.info.kind == "network", timeout=20000)


def test_a_users_csv_file_and_a_bad_one(window, qtbot, tmp_path, monkeypatch):
    good = tmp_path / "points.csv"
    good.write_text("x1,x2,label\n" + "".join(f"{i / 10},{(i % 7) / 5},{i % 2}\n" for i in range(40)))
    assert window.problem_controls.use_csv(str(good))
    qtbot.waitUntil(lambda: window.ready and window.model.info.kind == "network", timeout=20000)
    assert window.experiment.dataset == "csv" and window.model.info.n_points == 40
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0,0,0\n1,oops,1\n")
    assert not window.problem_controls.use_csv(str(bad))
    assert f"{bad}, line 3: not a number" in warnings[-1]
    assert window.experiment.dataset_params["path"] == str(good)


def test_the_inspector_shows_the_update_rule_this_steps_numbers_and_the_sessions_hessian(window, qtbot):
    named(window, "runList").setCurrentRow(2)  # Adam
    named(window, "stepButton").click()
    qtbot.waitUntil(lambda: window.newest_step() == 1, timeout=10000)
    inspector = named(window, "inspector")
    qtbot.waitUntil(lambda: "Hessian eigenvalues" in inspector.toPlainText(), timeout=10000)
    text = inspector.toPlainText()
    assert "update rule:" in text and "m̂ = m / (1 − β₁ᵗ)" in text
    row = window.histories[2].current
    assert f"{row['state']['m'][0]:.5g}" in text


def test_the_equation_panel_puts_this_steps_numbers_into_the_rule(window, qtbot):
    named(window, "runList").setCurrentRow(2)  # Adam
    window.findChild(QAction, "equationAction").trigger()
    assert window.equation_panel.isVisible()
    for expected in (1, 2):
        named(window, "stepButton").click()
        qtbot.waitUntil(lambda: window.newest_step() == expected, timeout=10000)
    panel = window.equation_panel
    qtbot.waitUntil(lambda: "step 2: x" in panel.text.toPlainText())
    assert [panel.parameterCombo.itemText(i) for i in range(panel.parameterCombo.count())] == ["x", "y"]
    text = panel.text.toPlainText()
    assert "m ← β₁·m + (1 − β₁)·g" in text and "m′ = m / (1 − β₁ᵗ)" in text
    row = window.histories[2].current
    assert f"{float(row['update'][0]):.4g}".replace("-", "−") in text  # this step's Δθ for x, as computed
    assert "(1 − 0.9^3)" in text  # t = 3 for the update taken from step 2
    panel.parameterCombo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: "step 2: y" in panel.text.toPlainText())
    assert f"{float(row['update'][1]):.4g}".replace("-", "−") in panel.text.toPlainText()


def test_newtons_equation_lines_use_the_hessian_from_the_session(window, qtbot):
    optimizer = named(window, "optimizerCombo", QComboBox)
    optimizer.setCurrentIndex(optimizer.findData("newton"))
    qtbot.waitUntil(lambda: window.ready)
    window.findChild(QAction, "equationAction").trigger()
    named(window, "stepButton").click()
    qtbot.waitUntil(lambda: window.newest_step() == 1, timeout=10000)
    panel = window.equation_panel
    qtbot.waitUntil(lambda: "H⁻¹" in panel.text.toPlainText(), timeout=10000)


def test_the_equation_panel_names_a_networks_weights(window, qtbot):
    from gradsim.experiment import Experiment, RunConfig
    experiment = Experiment(dataset="spoiler", model={"hidden": [], "loss": "sigmoid_mse"}, start=(0.5, 0.5, 0.0),
                            runs=[RunConfig("momentum", {"lr": 1.0, "momentum": 0.9})]).validate()
    window.load_experiment(experiment)
    window.equation_panel.show()
    qtbot.waitUntil(lambda: window.ready)
    named(window, "stepButton").click()
    qtbot.waitUntil(lambda: window.newest_step() == 1, timeout=10000)
    panel = window.equation_panel
    qtbot.waitUntil(lambda: panel.parameterCombo.count() == 3)
    assert [panel.parameterCombo.itemText(i) for i in range(3)] == ["layer 1 W[1,1]", "layer 1 W[2,1]", "layer 1 b[1]"]
    panel.parameterCombo.setCurrentIndex(2)
    qtbot.waitUntil(lambda: "layer 1 b[1]" in panel.text.toPlainText())
    assert "v ← α·v + (1 − τ)·g" in panel.text.toPlainText()


def test_help_menu_lists_the_shortcuts_and_says_what_gradsim_is(window):
    import gradsim
    from PySide6.QtWidgets import QTextBrowser
    window.findChild(QAction, "shortcutsAction").trigger()
    shortcuts = window.findChild(QWidget, "shortcutsDialog").findChild(QTextBrowser).toPlainText()
    assert "Page Down" in shortcuts and "Ctrl+Q" in shortcuts and "Escape" in shortcuts
    window.findChild(QAction, "aboutAction").trigger()
    about = window.findChild(QWidget, "aboutDialog").findChild(QTextBrowser).toPlainText()
    assert gradsim.__version__ in about and "Kingma" in about


def test_file_quit_closes_the_window(window, qtbot):
    window.findChild(QAction, "quitAction").trigger()
    qtbot.waitUntil(lambda: not window.isVisible())


def test_step_back_with_the_keyboard_change_the_rate_and_play_on_from_there(window, qtbot):
    play_until(window, qtbot, lambda: window.newest_step() >= 120)
    before = [h.get("params").copy() for h in window.histories]
    newest = window.newest_step()
    window.plot_area.trajectory.widget.setFocus()  # the keys go to the window, not to an editor
    for _ in range(newest - 100):
        qtbot.keyClick(window, Qt.Key_Left)
    qtbot.waitUntil(lambda: step_shown(window) == 100)
    assert window.newest_step() == newest  # stepping back only looks back: nothing is dropped yet
    named(window, "runList").setCurrentRow(0)
    named(window, "hp_lr").setValue(0.0005)  # gradient descent at half its rate from step 100 on
    qtbot.waitUntil(lambda: window.newest_step() == 100 and bool(window.experiment.changes))
    window.plot_area.trajectory.widget.setFocus()
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.newest_step() >= newest + 20, timeout=20000)
    qtbot.keyClick(window, Qt.Key_Space)
    assert window.experiment.changes == [{"step": 100, "run": 0, "hparams": {"lr": 0.0005}}]
    for i, history in enumerate(window.histories):
        np.testing.assert_array_equal(history.get("params")[:101], before[i][:101])
    lr = window.histories[0].get("lr")
    assert np.all(lr[:100] == 0.001) and np.all(lr[100:] == 0.0005)
    params = window.histories[0].get("params")
    grad, = window.histories[0].get("grad")[100:101]
    np.testing.assert_array_equal(params[101], params[100] - 0.0005 * grad)  # the first step at the new rate
    # the untouched run replays exactly what it did before the branch, past the old newest step too
    np.testing.assert_array_equal(window.histories[1].get("params")[:newest + 1], before[1])
