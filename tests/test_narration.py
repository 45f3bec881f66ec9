"""The narrated step: four beats with the engine's numbers, each lighting its arrows and equation lines; the clicker's keys."""
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton

from gradsim.app.narration import TITLES, beats
from gradsim.app.step_geometry import step_geometry
from gradsim.core import Stepper, get_surface
from gradsim.core.equations import explain
from gradsim.core.optimizers import OPTIMIZERS


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_is_told_in_four_beats_with_its_own_numbers(optimizer):
    surface = get_surface("rosenbrock")
    hparams = {"rmsprop": {"momentum": 0.5}, "sgd": {"lr": 1e-3}, "momentum": {"lr": 1e-3},
               "nesterov": {"lr": 1e-3}}.get(optimizer, {})
    rows = Stepper(surface, optimizer, hparams, (-1.2, 1.0)).run(4)
    k = 3
    row = {key: rows[key][k] for key in ("step", "params", "grad", "lr", "lr_eff", "update")}
    row["state"] = {name: value[k] for name, value in rows["state"].items()}
    previous = {name: value[k - 1] for name, value in rows["state"].items()}
    hessian = surface.hessian(row["params"]) if optimizer == "newton" else None
    lines = explain(optimizer, hparams, row, previous, 0, hessian=hessian)
    names = [line.name for line in lines]
    told = beats(optimizer, row, step_geometry(optimizer, hparams, row, previous), names)
    assert [beat.title for beat in told] == list(TITLES)
    for beat in told:
        assert beat.lines <= set(names), (beat.title, beat.lines, names)
    assert told[0].lines and told[2].lines and told[3].lines
    # the state update lights every line between the gradient's and the rate's or the move's
    assert told[1].lines == set(names) - {"g", "Δθ", "θ"} - told[2].lines
    assert {"Δθ", "θ"} <= told[3].lines and "move" in told[3].arrows and "gradient" in told[0].arrows
    text = " ".join(beat.text for beat in told)
    for value in (*row["grad"], *row["update"], *row["lr_eff"]):
        assert f"{value:.4g}".replace("-", "−") in text  # the engine's own numbers
    if optimizer in ("adagrad", "rmsprop", "adam"):
        assert "box" in told[2].arrows and "blue box" in told[2].text


def test_explain_this_step_walks_four_beats_on_the_clickers_keys(window, qtbot):
    for _ in range(3):
        window.findChild(QPushButton, "stepButton").click()
    qtbot.waitUntil(lambda: window.shown_step() == 3)
    window.model.select(1)  # momentum
    bar, narrator = window.surface_views.bar, window.surface_views.narrator
    window.findChild(QPushButton, "explainStepButton").click()
    caption = window.findChild(QLabel, "narrationCaption")
    assert narrator.active and caption.isVisible() and "1 of 4" in caption.text()
    qtbot.waitUntil(lambda: window.equation_panel.lit_lines() == ["v ← α·v + (1 − τ)·g"])
    assert bar.highlight == {"gradient", "clipped"}
    overlay = window.surface_views.overlay
    overlay.draw()
    assert overlay.lines["gradient"].isVisible() and overlay.lines["gradient"].opts["pen"].width() > 4  # lit
    qtbot.keyClick(window, Qt.Key_PageDown)
    assert "2 of 4" in caption.text() and "velocity" in bar.highlight and "velocity = (" in caption.text()
    assert window.equation_panel.lit_lines() == ["v ← α·v + (1 − τ)·g"]
    qtbot.keyClick(window, Qt.Key_Right)
    assert "3 of 4" in caption.text() and "η: the factor applied to the velocity" in caption.text()
    qtbot.keyClick(window, Qt.Key_PageUp)
    assert "2 of 4" in caption.text()
    qtbot.keyClick(window, Qt.Key_PageDown)
    qtbot.keyClick(window, Qt.Key_PageDown)
    row = window.model.row(1, 3)
    assert "4 of 4" in caption.text() and "move" in bar.highlight
    assert f"{row['update'][0]:.4g}".replace("-", "−") in caption.text()
    assert set(window.equation_panel.lit_lines()) == {"Δθ = −η·v", "θ ← θ + Δθ"}
    qtbot.keyClick(window, Qt.Key_PageDown)  # past the move: the run takes it, and the next step is told
    qtbot.waitUntil(lambda: narrator.step == 4 and "1 of 4" in caption.text(), timeout=10000)
    assert window.shown_step() == 4
    qtbot.keyClick(window, Qt.Key_PageUp)  # back from the first beat: the step before, at its move
    qtbot.waitUntil(lambda: narrator.step == 3 and "4 of 4" in caption.text(), timeout=10000)
    qtbot.keyClick(window, Qt.Key_Escape)
    assert not narrator.active and not caption.isVisible() and not bar.highlight
    assert not window.equation_panel.isVisible()  # closed again: it was closed before
    assert window.findChild(QPushButton, "explainStepButton").text() == "Explain this step"
    window.findChild(QAction, "explainStepAction").trigger()
    assert narrator.active
    window.findChild(QPushButton, "resetButton").click()  # anything else that moves the step ends it
    assert not narrator.active
