"""Issue 14: the formula editor never blocks the window. A formula that passes the parser's quick
checks is compiled off the GUI thread (under the engine's time limit) and applied when it is ready;
a refused one stays in its editor with the reason under it."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QWidget

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


def named(win, name, kind=QWidget):
    return win.findChild(kind, name)


@pytest.fixture
def formula(window, qtbot):
    combo = named(window, "problemCombo")
    combo.setCurrentIndex(combo.findData("custom"))
    qtbot.waitUntil(lambda: window.ready and window.experiment.surface == "custom", timeout=20000)
    yield named(window, "sp_expr")
    window.problem_controls.formulas.wait()


def type_formula(editor, text: str) -> None:
    editor.setText(text)
    editor.editingFinished.emit()


def test_a_formula_is_compiled_off_the_gui_thread_then_applied(window, qtbot, formula):
    checker = window.problem_controls.formulas
    type_formula(formula, "x**2 + 2*y**2 + sin(x*y)/3")
    # the edit returned before sympy compiled it: the model still has the old formula
    assert checker.busy and window.experiment.surface_params.get("expr") != "x**2 + 2*y**2 + sin(x*y)/3"
    assert "compiling" in named(window, "problemReason", QLabel).text()
    qtbot.waitUntil(lambda: window.experiment.surface_params.get("expr") == "x**2 + 2*y**2 + sin(x*y)/3", timeout=20000)
    assert not checker.busy and not named(window, "problemReason", QLabel).isVisible()


@pytest.mark.parametrize("text, reason", [
    ("x**2 + y**2 + log(-1)", "constant log(-1) has no real value"),
    ("sin(exp(exp(100)))*1", "constant exp(exp(100)) is too large"),
    ("x**2 + log(x - x - 1)", "complex value"),
    ("tanh(" * 40 + "x" + ")" * 40, "nests 40 functions"),
])
def test_a_refused_formula_stays_in_the_editor_with_its_reason(window, qtbot, formula, text, reason):
    before = window.experiment.surface_params.get("expr")
    type_formula(formula, text)
    shown = named(window, "problemReason", QLabel)
    qtbot.waitUntil(lambda: not window.problem_controls.formulas.busy and reason in shown.text(), timeout=20000)
    assert formula.text() == text and shown.isVisible()
    assert window.experiment.surface_params.get("expr") == before


def test_only_the_newest_formula_is_applied(window, qtbot, formula):
    type_formula(formula, "x**2 + 3*y**2")
    type_formula(formula, "x**2 + 5*y**2")
    qtbot.waitUntil(lambda: window.experiment.surface_params.get("expr") == "x**2 + 5*y**2", timeout=20000)
    window.problem_controls.formulas.wait()
    qtbot.wait(50)  # a late result of the first text would arrive now
    assert window.experiment.surface_params.get("expr") == "x**2 + 5*y**2"
