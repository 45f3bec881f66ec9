"""The desktop app driven as a person would: clicks and keys, offscreen, no sleeps."""
import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QPushButton, QSlider

from gradsim.gui import MainWindow
from gradsim.gui.export import export_plot

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=20000)
    yield win
    win.close()


def step_shown(win):
    return int(win.findChild(QLabel, "stepLabel").text())


def test_every_control_has_a_stable_and_accessible_name(window):
    for name, kind in [("problemCombo", QComboBox), ("optimizerCombo", QComboBox), ("playButton", QPushButton),
                       ("stepButton", QPushButton), ("stepBackButton", QPushButton), ("resetButton", QPushButton),
                       ("addRunButton", QPushButton), ("speedSlider", QSlider), ("timelineSlider", QSlider),
                       ("stepLabel", QLabel), ("statusLabel", QLabel)]:
        widget = window.findChild(kind, name)
        assert widget is not None, name
        assert widget.accessibleName(), name
    for name in ("trajectoryPlot", "lossPlot", "lrPlot", "gradNormPlot"):
        assert window.findChild(object, name) is not None, name
    problems = window.findChild(QComboBox, "problemCombo")
    assert "rosenbrock" in [problems.itemData(i) for i in range(problems.count())]
    optimizers = window.findChild(QComboBox, "optimizerCombo")
    assert {"adam", "newton", "quickprop"} <= {optimizers.itemData(i) for i in range(optimizers.count())}
    lr = window.findChild(object, "hp_lr")
    lr.setValue(0.002)
    assert lr.value() == pytest.approx(0.002)
    assert "learning rate" in lr.toolTip()
    speed = window.findChild(QSlider, "speedSlider")
    assert speed.value() == speed.maximum()  # the maximum means as fast as possible


def test_play_runs_live_and_pause_stops(window, qtbot):
    qtbot.mouseClick(window.playButton, Qt.LeftButton)
    qtbot.waitUntil(lambda: step_shown(window) > 200, timeout=20000)
    assert window.statusLabel.text() == "running"
    qtbot.mouseClick(window.playButton, Qt.LeftButton)
    assert window.statusLabel.text() == "paused"
    # once the last chunk in flight has landed (it may hold thousands of steps), nothing moves any more
    observations = []
    for _ in range(10):
        observations.append(window.newest_step())
        qtbot.wait(300)
        if window.newest_step() == observations[-1]:
            break
    stopped_at = window.newest_step()
    qtbot.wait(300)
    assert window.newest_step() == stopped_at and len(observations) < 10
    loss = window.histories[2].get("loss")
    assert loss[-1] < loss[0]  # Adam went down the valley


def test_single_steps_forward_and_back_and_scrubbing(window, qtbot):
    for expected in (1, 2, 3):
        qtbot.mouseClick(window.stepButton, Qt.LeftButton)
        qtbot.waitUntil(lambda: step_shown(window) == expected, timeout=10000)
    qtbot.mouseClick(window.stepBackButton, Qt.LeftButton)
    qtbot.waitUntil(lambda: step_shown(window) == 2)
    window.trajectory.widget.setFocus()  # arrow keys belong to an editor while it has the focus
    qtbot.keyClick(window, Qt.Key_Left)
    qtbot.waitUntil(lambda: step_shown(window) == 1)
    qtbot.keyClick(window, Qt.Key_Right)  # forward through what was already computed
    qtbot.waitUntil(lambda: step_shown(window) == 2)
    assert window.newest_step() == 3
    window.timelineSlider.setValue(0)
    qtbot.waitUntil(lambda: step_shown(window) == 0)
    x, y = window.trajectory.paths[0].getData()
    np.testing.assert_allclose([x[-1], y[-1]], window.experiment.resolved_start())


def test_changing_a_hyperparameter_while_playing_keeps_the_run(window, qtbot):
    window.runList.setCurrentRow(2)
    assert window.optimizerCombo.currentData() == "adam"
    qtbot.mouseClick(window.playButton, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.histories[2].last_step > 100, timeout=20000)
    window.findChild(object, "hp_lr").setValue(0.01)
    # Chunks stepped before the child process read the change may still arrive: wait for the new rate.
    qtbot.waitUntil(lambda: window.histories[2].get("lr")[-1] == 0.01, timeout=20000)
    qtbot.mouseClick(window.playButton, Qt.LeftButton)
    rates = window.histories[2].get("lr")
    assert rates[0] == 0.05 and rates[-1] == 0.01  # one run, no restart: the new rate from the next step
    changed = int(np.argmax(rates == 0.01))
    assert np.all(rates[:changed] == 0.05) and np.all(rates[changed:] == 0.01)
    assert window.histories[2].get("step")[0] == 0
    assert window.experiment.runs[2].hparams["lr"] == 0.01


def test_divergence_is_shown_and_the_other_runs_go_on(window, qtbot):
    window.problemCombo.setCurrentIndex(window.problemCombo.findData("quadratic"))
    window.runList.setCurrentRow(0)
    window.findChild(object, "hp_lr").setValue(0.25)
    window.resetButton.click()
    qtbot.waitUntil(lambda: window.histories and window.histories[0].current is not None, timeout=10000)
    qtbot.mouseClick(window.playButton, Qt.LeftButton)
    qtbot.waitUntil(lambda: "diverged" in window.statusLabel.text(), timeout=20000)
    assert "lr 0.25 is above 2/λmax = 0.2" in window.statusLabel.text()
    diverged_at = window.histories[0].diverged_at
    qtbot.waitUntil(lambda: window.histories[1].last_step > diverged_at + 100, timeout=20000)
    qtbot.mouseClick(window.playButton, Qt.LeftButton)
    window.redraw()
    x, y = window.trajectory.paths[0].getData()
    assert len(x) == diverged_at and np.all(np.isfinite(x)) and np.all(np.isfinite(y))


def test_a_click_on_the_contours_sets_the_start_exactly_there(window, qtbot):
    view = window.trajectory.widget
    box = view.getPlotItem().vb
    pixel = QPoint(view.width() // 3, view.height() // 2)
    expected = box.mapSceneToView(view.mapToScene(pixel))
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pixel)
    qtbot.waitUntil(lambda: window.experiment.start is not None)
    assert window.experiment.start == (expected.x(), expected.y())
    assert window.startX.value() == pytest.approx(expected.x(), abs=1e-12)
    qtbot.waitUntil(lambda: window.histories[0].current is not None
                    and tuple(window.histories[0].current["params"]) == window.experiment.start, timeout=10000)


def test_add_edit_and_remove_runs(window, qtbot):
    qtbot.mouseClick(window.addRunButton, Qt.LeftButton)
    assert len(window.experiment.runs) == 4 and window.runList.count() == 4
    window.optimizerCombo.setCurrentIndex(window.optimizerCombo.findData("newton"))
    assert window.experiment.runs[3].optimizer == "newton"
    assert window.findChild(object, "hp_lr").value() == 1.0
    qtbot.waitUntil(lambda: len(window.histories) == 4 and window.histories[3].current is not None, timeout=10000)
    window.runList.item(3).setCheckState(Qt.Unchecked)
    assert not window.experiment.runs[3].visible
    qtbot.mouseClick(window.removeRunButton, Qt.LeftButton)
    assert len(window.experiment.runs) == 3


def test_save_and_open_and_a_bad_file_keeps_the_work(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "exp.json"
    window.runList.setCurrentRow(1)
    window.findChild(object, "hp_momentum").setValue(0.5)
    assert window.save_experiment(str(path))
    saved = json.loads(path.read_text())
    assert saved["format"] == "gradsim-experiment" and saved["runs"][1]["hparams"]["momentum"] == 0.5
    window.findChild(object, "hp_momentum").setValue(0.8)
    assert window.open_experiment(str(path))
    assert window.experiment.runs[1].hparams["momentum"] == 0.5
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
    window.trajectory.widget.setFocus()  # not an editor, which would keep Space and R for itself
    qtbot.keyClick(window, Qt.Key_Space)
    qtbot.waitUntil(lambda: step_shown(window) > 50, timeout=20000)
    qtbot.keyClick(window, Qt.Key_Space)
    assert not window.playButton.isChecked()
    qtbot.keyClick(window, Qt.Key_R)
    qtbot.waitUntil(lambda: step_shown(window) == 0 and window.newest_step() == 0, timeout=10000)


def test_closing_mid_run_stops_the_session(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.ready, timeout=20000)
    win.playButton.click()
    qtbot.waitUntil(lambda: win.newest_step() > 10, timeout=20000)
    win.close()
    assert not win.worker.process.is_alive()
    assert not win.worker.receiver.isRunning()


def test_exports_png_svg_csv_and_gif(window, qtbot, tmp_path):
    window.playButton.click()
    qtbot.waitUntil(lambda: window.newest_step() > 300, timeout=20000)
    window.playButton.click()
    qtbot.waitUntil(lambda: not window.playButton.isChecked())
    window.redraw()
    png, svg = tmp_path / "loss.png", tmp_path / "traj.svg"
    assert window._try_export(lambda: export_plot(window.loss_panel.widget, str(png)), str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert window._try_export(lambda: export_plot(window.trajectory.widget, str(svg)), str(svg))
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
    assert window.statusLabel.text() != ""


def test_dark_theme_and_larger_text(window):
    window.darkAction.trigger()
    assert window.trajectory.widget.backgroundBrush().color().name() == "#000000"
    size = window.font().pointSizeF()
    window.scale_fonts(1.5)
    assert window.font().pointSizeF() > size


def test_schedule_clipping_and_noise_controls_reach_the_runs(window, qtbot):
    window.scheduleCombo.setCurrentIndex(window.scheduleCombo.findData("step"))
    window.findChild(object, "sched_step_size").setValue(5)
    window.findChild(object, "sched_gamma").setValue(0.5)
    window.clipCombo.setCurrentIndex(window.clipCombo.findData("norm"))
    window.clipThreshold.setValue(2.0)
    window.gradNoise.setValue(0.1)
    assert window.experiment.schedule == {"name": "step", "step_size": 5, "gamma": 0.5, "warmup": 0}
    assert window.experiment.clip == {"norm": 2.0} and window.experiment.grad_noise == 0.1
    qtbot.waitUntil(lambda: window.ready, timeout=10000)
    for expected in range(1, 12):
        window.stepButton.click()
        qtbot.waitUntil(lambda: window.newest_step() == expected, timeout=10000)
    rates = window.histories[2].get("lr")
    np.testing.assert_allclose(rates[:11], 0.05 * 0.5 ** (np.arange(11) // 5))
    steps = np.linalg.norm(np.diff(window.histories[0].get("params"), axis=0), axis=1)
    assert np.all(steps <= 1e-3 * 2.0 + 1e-12)  # gradient descent with lr 1e-3, gradients clipped to norm 2


def test_a_network_on_two_moons_trains_live(window, qtbot):
    window.problemCombo.setCurrentIndex(window.problemCombo.findData("moons"))
    assert window.experiment.dataset == "moons" and window.network_box.isVisibleTo(window)
    window.hiddenEdit.setText("8,8")
    window.hiddenEdit.editingFinished.emit()
    window.batchSizeSpin.setValue(32)
    assert window.experiment.model["hidden"] == [8, 8] and window.experiment.batch_size == 32
    qtbot.waitUntil(lambda: window.ready, timeout=20000)
    window.runList.setCurrentRow(2)  # Adam
    qtbot.mouseClick(window.playButton, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.newest_step() > 300, timeout=30000)
    qtbot.mouseClick(window.playButton, Qt.LeftButton)
    window.redraw()
    history = window.histories[2]
    loss = history.get("extra.train_loss")
    assert loss[-1] < 0.5 * loss[0]
    np.testing.assert_array_equal(history.get("extra.epoch"), history.get("step") // 7)  # 200 points, batches of 32
    assert len(window.grad_panel.curves[2]) == 3  # one curve per layer
    boundary = window.trajectory.image.image
    assert boundary.shape == (100, 100) and 0 <= boundary.min() < 0.2 and 0.8 < boundary.max() <= 1
    assert "epoch" in window.inspector.toPlainText() and "layer 3" in window.inspector.toPlainText()


def test_loss_slice_around_the_weights_with_the_path(window, qtbot):
    window.problemCombo.setCurrentIndex(window.problemCombo.findData("moons"))
    qtbot.waitUntil(lambda: window.ready and window.network is not None, timeout=20000)
    window.runList.setCurrentRow(2)
    for expected in range(1, 6):
        window.stepButton.click()
        qtbot.waitUntil(lambda: window.newest_step() == expected, timeout=10000)
    window.lossSliceButton.click()
    x, y = window.trajectory.curve_line.getData()
    assert len(x) == 6 and (x[-1], y[-1]) == pytest.approx((0.0, 0.0), abs=1e-9)  # the path ends at the centre
    assert window.trajectory.image.image.shape == (25, 25)
    window.lossSliceButton.click()
    window.redraw()
    assert window.trajectory.image.image.shape == (100, 100)  # back to the decision boundary


def test_projector_scaling_widens_lines(window):
    before = window.loss_panel.curves[0][0].opts["pen"].widthF()
    window.scale_fonts(1.5)
    assert window.loss_panel.curves[0][0].opts["pen"].widthF() > before


def test_a_network_run_saves_reopens_and_exports_a_gif(window, qtbot, tmp_path):
    window.problemCombo.setCurrentIndex(window.problemCombo.findData("moons"))
    window.batchSizeSpin.setValue(16)
    qtbot.waitUntil(lambda: window.ready and window.network is not None, timeout=20000)
    window.playButton.click()
    qtbot.waitUntil(lambda: window.newest_step() > 100, timeout=20000)
    window.playButton.click()
    window.timelineSlider.setValue(50)  # scrub back
    qtbot.waitUntil(lambda: step_shown(window) == 50)
    gif = tmp_path / "moons.gif"
    window.export_gif(str(gif), frames=5)
    from PIL import Image
    with Image.open(gif) as image:
        assert image.n_frames == 5
    path = tmp_path / "moons.json"
    assert window.save_experiment(str(path))
    window.problemCombo.setCurrentIndex(window.problemCombo.findData("rosenbrock"))
    assert window.open_experiment(str(path))
    assert window.experiment.dataset == "moons" and window.experiment.batch_size == 16
    assert window.problemCombo.currentData() == "moons" and window.batchSizeSpin.value() == 16
    qtbot.waitUntil(lambda: window.ready and window.network is not None, timeout=20000)


def test_a_users_csv_file_and_a_bad_one(window, qtbot, tmp_path, monkeypatch):
    good = tmp_path / "points.csv"
    good.write_text("x1,x2,label\n" + "".join(f"{i / 10},{(i % 7) / 5},{i % 2}\n" for i in range(40)))
    assert window.use_csv(str(good))
    assert window.experiment.dataset == "csv" and window.network.data.X.shape == (40, 2)
    qtbot.waitUntil(lambda: window.ready, timeout=20000)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n0,0,0\n1,oops,1\n")
    assert not window.use_csv(str(bad))
    assert f"{bad}, line 3: not a number" in warnings[-1]
    assert window.experiment.dataset_params["path"] == str(good)


def test_a_lesson_walked_end_to_end_with_the_keyboard(window, qtbot):
    from gradsim.lessons import load_lessons
    lesson = next(item for item in load_lessons() if item.path.stem == "02_learning_rate")
    window.start_lesson(lesson)
    player = window.lesson_player
    assert player.isVisibleTo(window) and player.progressLabel.text() == "Step 1 of 2"
    assert "optimal rate" in player.text.toPlainText() and "Which run will blow up?" in player.questionLabel.text()
    assert [run.name for run in window.experiment.runs] == ["slow", "optimal", "oscillating", "diverging"]
    assert window.focusWidget() is player.nextButton  # a clicker's keys reach the lesson, not an editor
    player.choices.button(3).setChecked(True)  # the class predicts η = 0.25 while the scene waits at step 0
    qtbot.waitUntil(lambda: window.ready)
    assert player.waiting and player.nextButton.text() == "Run ▶" and window.newest_step() == 0
    qtbot.keyClick(window, Qt.Key_PageDown)  # the clicker runs the action
    qtbot.waitUntil(lambda: player.revealed, timeout=30000)  # the action ran to its end, then the answer
    assert "Right!" in player.answerLabel.text() and window.newest_step() == 200
    assert window.histories[3].status == "diverged"
    qtbot.keyClick(window, Qt.Key_PageDown)
    qtbot.waitUntil(lambda: player.progressLabel.text() == "Step 2 of 2")
    assert [run.name for run in window.experiment.runs] == ["edge", "over"]
    qtbot.waitUntil(lambda: window.newest_step() == 3000, timeout=60000)
    assert not player.nextButton.isEnabled()  # the last step
    qtbot.keyClick(window, Qt.Key_PageUp)
    qtbot.waitUntil(lambda: player.progressLabel.text() == "Step 1 of 2")
    qtbot.keyClick(window, Qt.Key_Right)  # arrow keys work like the clicker: run, reveal, then advance
    qtbot.keyClick(window, Qt.Key_Right)
    assert player.revealed
    qtbot.keyClick(window, Qt.Key_Right)
    qtbot.waitUntil(lambda: player.progressLabel.text() == "Step 2 of 2")
    window.set_presenter(True)
    assert window.presenting and not window.findChild(object, "controlsDock").isVisible()
    visible = {name for name, actions in window.control_actions.items() if actions and actions[-1].isVisible()}
    assert visible == {"transport", "timeline"}  # what the step names (the default); no speed slider
    player.leaveButton.click()
    assert player.lesson is None and not window.presenting
    assert [run.name for run in window.experiment.runs] == ["edge", "over"]  # the last scene stays loaded


def test_the_inspector_shows_the_update_rule_and_this_steps_numbers(window, qtbot):
    window.runList.setCurrentRow(2)  # Adam
    window.stepButton.click()
    qtbot.waitUntil(lambda: window.newest_step() == 1, timeout=10000)
    window.redraw()
    text = window.inspector.toPlainText()
    assert "update rule:" in text and "m̂ = m / (1 − β₁ᵗ)" in text
    row = window.histories[2].current
    assert f"{row['state']['m'][0]:.5g}" in text and "Hessian eigenvalues" in text


def test_the_equation_panel_puts_this_steps_numbers_into_the_rule(window, qtbot):
    window.runList.setCurrentRow(2)  # Adam
    window.findChild(QAction, "equationAction").trigger()
    assert window.equation_panel.isVisible()
    for _ in range(2):
        window.stepButton.click()
    qtbot.waitUntil(lambda: window.newest_step() == 2, timeout=10000)
    window.redraw()
    panel = window.equation_panel
    assert [panel.parameterCombo.itemText(i) for i in range(panel.parameterCombo.count())] == ["x", "y"]
    text = panel.text.toPlainText()
    assert "step 2: x" in text and "m ← β₁·m + (1 − β₁)·g" in text and "m′ = m / (1 − β₁ᵗ)" in text
    row = window.histories[2].current
    update = float(row["update"][0])
    assert f"{update:.4g}".replace("-", "−") in text  # this step's Δθ for x, as the engine computed it
    assert "(1 − 0.9^3)" in text  # t = 3 for the update taken from step 2
    panel.parameterCombo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: "step 2: y" in panel.text.toPlainText())
    assert f"{float(row['update'][1]):.4g}".replace("-", "−") in panel.text.toPlainText()


def test_the_equation_panel_names_a_networks_weights(window, qtbot):
    from gradsim.experiment import Experiment, RunConfig
    experiment = Experiment(dataset="spoiler", model={"hidden": [], "loss": "sigmoid_mse"}, start=(0.5, 0.5, 0.0),
                            runs=[RunConfig("momentum", {"lr": 1.0, "momentum": 0.9})]).validate()
    window.load_experiment(experiment)
    window.equation_panel.show()
    qtbot.waitUntil(lambda: window.ready)
    window.stepButton.click()
    qtbot.waitUntil(lambda: window.newest_step() == 1, timeout=10000)
    window.redraw()
    panel = window.equation_panel
    assert [panel.parameterCombo.itemText(i) for i in range(3)] == ["layer 1 W[1,1]", "layer 1 W[2,1]", "layer 1 b[1]"]
    panel.parameterCombo.setCurrentIndex(2)
    qtbot.waitUntil(lambda: "layer 1 b[1]" in panel.text.toPlainText())
    assert "v ← α·v + (1 − τ)·g" in panel.text.toPlainText()


def test_the_lesson_browser_describes_a_lesson_and_starts_it(window, qtbot):
    from gradsim.gui.lesson_browser import LessonBrowser
    from gradsim.lessons import load_lessons
    browser = LessonBrowser(load_lessons(), window)
    qtbot.addWidget(browser)
    titles = [browser.list.item(i).text() for i in range(browser.list.count())]
    assert len(titles) == 19 and titles[18] == "19. Backprop fails to separate where the perceptron succeeds"
    browser.list.setCurrentRow(18)
    details = browser.details.toPlainText()
    assert "M. L. Brady, R. Raghavan, J. Slawny" in details and "5 steps, 2 questions" in details
    window.start_lesson(browser.chosen())
    assert window.lesson_player.lesson.path.stem == "19_spoiler"
    qtbot.waitUntil(lambda: window.ready)
    assert window.experiment.start == (0.5, 0.5, 0.0) and window.network.mlp.loss == "sigmoid_mse"
