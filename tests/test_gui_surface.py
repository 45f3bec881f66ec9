"""The surface bar driven by object names: the 3-D toggle and its fallback, the arrows on the path, the rate box.

The suite runs offscreen, where there is no OpenGL: the toggle must be disabled and say why. The
real 3-D render is checked in a child process under Xvfb (`surface3d_under_xvfb.py`), skipped
with the reason where Xvfb or OpenGL is missing.
"""
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton

from gradsim.gui import gl_support

pytestmark = pytest.mark.usefixtures("no_leftover_threads")
HERE = pathlib.Path(__file__).parent


def named(win, name, kind):
    widget = win.findChild(kind, name)
    assert widget is not None, name
    return widget


def steps(win, qtbot, n):
    for _ in range(n):
        target = win.newest_step() + 1
        named(win, "stepButton", QPushButton).click()
        qtbot.waitUntil(lambda: win.shown_step() == target, timeout=10000)


def test_without_opengl_the_toggle_is_disabled_and_says_why(window, qtbot):
    assert gl_support.opengl_problem()  # the offscreen platform offers no OpenGL context
    button = named(window, "view3DButton", QPushButton)
    assert not button.isEnabled()
    assert "OpenGL" in button.toolTip()
    window.surface_views.show_3d(True)  # asked for anyway (a lesson scene, a script)
    assert window.surface_views.view3d is None and not button.isChecked()
    assert window.plot_area.trajectory.widget.getPlotItem().isVisible()  # the 2-D view stays


def test_the_fallback_can_be_forced(monkeypatch):
    monkeypatch.setenv("GRADSIM_NO_OPENGL", "1")
    assert "GRADSIM_NO_OPENGL" in gl_support.opengl_problem()


def test_arrows_are_the_recorded_step_drawn_at_one_scale(window, qtbot):
    steps(window, qtbot, 3)
    window.model.select(1)  # momentum
    for name in ("gradientArrowCheck", "velocityArrowCheck", "partsArrowCheck"):
        named(window, name, QCheckBox).setChecked(True)
    overlay, bar = window.surface_views.overlay, window.surface_views.bar
    overlay.draw()
    row = window.model.row(1, 3)
    k = bar.arrow_scale
    assert k == float(named(window, "arrowScaleLabel", QLabel).text().split("×")[1])
    move = overlay.lines["move"]
    x, y = move.getData()
    np.testing.assert_allclose([x[0], y[0]], row["params"])
    np.testing.assert_allclose([x[1], y[1]], row["params"] + k * row["update"], rtol=1e-12)
    gradient = overlay.lines["gradient"]
    assert gradient.isVisible()
    gx, gy = gradient.getData()
    direction = np.array([gx[1] - gx[0], gy[1] - gy[0]])
    np.testing.assert_allclose(direction / np.linalg.norm(direction), -row["grad"] / np.linalg.norm(row["grad"]))
    # the parts, tip to tail, end where the move ends (momentum: v_prev's share and the gradient's)
    ends = [overlay.lines[f"part:{name}"].getData() for name in ("momentum", "gradient")]
    np.testing.assert_allclose([ends[0][0][0], ends[0][1][0]], row["params"])
    np.testing.assert_allclose([ends[1][0][1], ends[1][1][1]], [x[1], y[1]], rtol=1e-12)
    legend = named(window.plot_area.trajectory.widget, "arrowLegend", QLabel)
    assert legend.isVisible() and "−ηg" in legend.text() and "momentum part" in legend.text()
    assert f"×{k:g}" in legend.text()
    # stepping back moves the arrows to that step's point
    named(window, "stepBackButton", QPushButton).click()
    qtbot.waitUntil(lambda: window.shown_step() == 2)
    overlay.draw()
    np.testing.assert_allclose(overlay.lines["move"].getData()[0][0], window.model.row(1, 2)["params"][0])
    for name in ("gradientArrowCheck", "velocityArrowCheck", "partsArrowCheck"):
        named(window, name, QCheckBox).setChecked(False)
    overlay.draw()
    assert not any(item.isVisible() for item in overlay.lines.values()) and not legend.isVisible()


def test_adagrads_rate_box_shrinks_as_its_rates_do(window, qtbot):
    optimizer = named(window, "optimizerCombo", QComboBox)
    window.model.select(0)
    optimizer.setCurrentIndex(optimizer.findData("adagrad"))
    qtbot.waitUntil(lambda: window.ready and window.experiment.runs[0].optimizer == "adagrad")
    named(window, "rateBoxCheck", QCheckBox).setChecked(True)
    overlay, bar = window.surface_views.overlay, window.surface_views.bar
    sides = []
    for _ in range(4):
        steps(window, qtbot, 1)
        overlay.draw()
        rect = overlay.box.rect()
        row = window.model.row(0, window.shown_step())
        assert overlay.box.isVisible()
        np.testing.assert_allclose([rect.center().x(), rect.center().y()], row["params"], rtol=1e-9)
        np.testing.assert_allclose([rect.width(), rect.height()], bar.box_scale * row["lr_eff"], rtol=1e-9)
        sides.append((rect.width(), rect.height()))
    assert np.all(np.diff(np.array(sides), axis=0) < 0)
    assert "rates x, y" in named(window.plot_area.trajectory.widget, "arrowLegend", QLabel).text()


def test_the_3d_view_renders_under_a_real_display():
    """The 3-D view under Xvfb with Mesa: not blank, and it changes when a ball moves."""
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed: no X display to render the 3-D view on")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    env.pop("GRADSIM_NO_OPENGL", None)
    env["PYTHONFAULTHANDLER"] = "1"  # a crash says where
    done = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable,
                           str(HERE / "surface3d_under_xvfb.py")], env=env, capture_output=True, text=True,
                          timeout=300)
    if done.returncode == 3:
        pytest.skip(f"no OpenGL under Xvfb here: {done.stdout.strip()}")
    if "rendered" not in done.stdout and any(text in done.stderr for text in (
            "Xvfb failed to start", "could not connect to display", "cannot open display")):
        pytest.skip(f"Xvfb would not start here: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rendered" in done.stdout


SCENE_3D = """
title = "Arrows"
goal = "See the step as geometry."
references = ["Sutskever, Martens, Dahl & Hinton (2013)"]
[[steps]]
text = "Nesterov's step and its look-ahead point."
action = {kind = "run", steps = 5}
[steps.scene]
problem = "quadratic"
runs = [{name = "nag", optimizer = "nesterov", hparams = {lr = 0.05}}]
surface_view = {mode = "3d", arrows = ["gradient", "lookahead"]}
[[steps]]
text = "Back to the plain view."
scene = {problem = "quadratic", runs = [{name = "gd", optimizer = "sgd", hparams = {lr = 0.05}}]}
"""


def test_a_lesson_scene_asks_for_the_3d_view_and_arrows(window, qtbot, tmp_path):
    from gradsim.lessons import load_lesson
    path = tmp_path / "arrows.toml"
    path.write_text(SCENE_3D)
    lesson = load_lesson(path)
    assert lesson.steps[0].scene.surface_view == {"mode": "3d", "arrows": ["gradient", "lookahead"]}
    window.start_lesson(lesson)
    qtbot.waitUntil(lambda: window.ready and window.experiment.runs[0].optimizer == "nesterov")
    checks = {name: named(window, name, QCheckBox).isChecked() for name in
              ("gradientArrowCheck", "velocityArrowCheck", "lookaheadCheck", "rateBoxCheck")}
    assert checks == {"gradientArrowCheck": True, "velocityArrowCheck": False, "lookaheadCheck": True,
                      "rateBoxCheck": False}
    # offscreen there is no OpenGL: the scene's 3-D view falls back to the 2-D one, which still works
    assert not named(window, "view3DButton", QPushButton).isChecked()
    qtbot.waitUntil(lambda: window.newest_step() >= 5, timeout=20000)
    window.surface_views.overlay.draw()
    assert window.surface_views.overlay.lookahead.isVisible()
    window.lesson_player.next()
    qtbot.waitUntil(lambda: window.ready and window.experiment.runs[0].optimizer == "sgd")
    assert not any(named(window, name, QCheckBox).isChecked() for name in checks)


@pytest.mark.parametrize("field, problem", [("{mode = '4d'}", "mode"), ("{arrows = ['wind']}", "arrows"),
                                            ("{colour = 1}", "must be")])
def test_a_bad_surface_view_is_refused_with_its_field(tmp_path, field, problem):
    from gradsim.lessons import load_lesson
    from gradsim.lessons.schema import LessonError
    path = tmp_path / "bad.toml"
    path.write_text(SCENE_3D.replace('{mode = "3d", arrows = ["gradient", "lookahead"]}', field))
    with pytest.raises(LessonError, match=f"bad.toml: steps\\[1\\].scene.surface_view.*{problem}"):
        load_lesson(path)
