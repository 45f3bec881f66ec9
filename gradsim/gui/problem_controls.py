"""The problem: a surface with its parameters and the start point, or a network on a dataset."""
from __future__ import annotations

import html
import re

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ..core import SURFACES
from ..core.datasets import DATASETS
from ..core.mlp import ACTIVATIONS, INITS, LOSSES
from ..core.specs import HParam
from ..core.expressions import parse_tree
from .editors import NumberEdit, ReasonLabel, TextEdit, make_editor, show_value
from .formula_check import FormulaCheck

NETWORK_DEFAULTS = {"activation": "tanh", "loss": "bce", "init": "xavier"}


def problem_specs(experiment) -> tuple[list[HParam], dict]:
    """The editable parameters of the experiment's problem and their current values."""
    if experiment.is_network:
        spec = DATASETS[experiment.dataset]
        common = [HParam("n", spec.n, 2, 100_000, "log", "n", "number of points", kind=int),
                  HParam("noise", spec.noise, 0.0, 10.0, "linear", "σ", "noise on the inputs"),
                  HParam("test_fraction", 0.0, 0.0, 0.9, "linear", "test", "fraction held out for testing")]
        if experiment.dataset == "csv":  # the file is the data: no size or noise to set
            common = common[2:]
        return [*common, *spec.params], experiment.dataset_params
    return list(SURFACES[experiment.surface].params), experiment.surface_params


class ProblemControls(QWidget):
    slice_toggled = Signal(bool)  # the loss-slice button: the plot area shows the slice

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller, self.model = controller, controller.model
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        problem = QGroupBox("Problem")
        form = QFormLayout(problem)
        self.problemCombo = QComboBox(objectName="problemCombo")
        self.problemCombo.setAccessibleName("Problem")
        for spec in SURFACES.values():
            self.problemCombo.addItem(spec.title, spec.name)
        self.problemCombo.insertSeparator(self.problemCombo.count())
        for spec in DATASETS.values():
            self.problemCombo.addItem(f"Network on {spec.title.lower()}" + ("…" if spec.name == "csv" else ""),
                                      spec.name)
        self.problemCombo.currentIndexChanged.connect(self._problem_chosen)
        form.addRow("Problem", self.problemCombo)
        self.surface_form = QFormLayout()
        form.addRow(self.surface_form)
        self.editors: dict[str, QWidget] = {}
        start_row = QHBoxLayout()
        self.startX = NumberEdit(HParam("x", 0.0, -1e6, 1e6))
        self.startY = NumberEdit(HParam("y", 0.0, -1e6, 1e6))
        for name, editor in (("startX", self.startX), ("startY", self.startY)):
            editor.setObjectName(name)
            editor.setAccessibleName(f"start {name[-1].lower()}")
            editor.setToolTip("start point; or click on the trajectory plot")
            editor.valueChanged.connect(lambda _=None: self.model.set_start(self.startX.value(), self.startY.value()))
            start_row.addWidget(editor)
        self.start_label = QLabel("Start (x, y)")
        form.addRow(self.start_label, start_row)
        self.problemReason = ReasonLabel("problemReason")
        self.formulas = FormulaCheck(self)
        self.formulas.compiled.connect(self._formula_compiled)
        form.addRow(self.problemReason)
        layout.addWidget(problem)

        self.network_box = QGroupBox("Network")
        net_form = QFormLayout(self.network_box)
        self.hiddenEdit = QLineEdit(objectName="hiddenEdit")
        self.hiddenEdit.setAccessibleName("Hidden layer sizes")
        self.hiddenEdit.setToolTip("sizes of the hidden layers, e.g. 16,16 (empty for none; at most 6)")
        self.hiddenEdit.editingFinished.connect(self._hidden_edited)
        net_form.addRow("Hidden layers", self.hiddenEdit)
        self.combos = {}
        for key, label, names in (("activation", "Activation", ACTIVATIONS), ("loss", "Loss", LOSSES),
                                  ("init", "Initialization", INITS)):
            combo = QComboBox(objectName=f"{key}Combo")
            combo.setAccessibleName(label)
            for name in names:
                combo.addItem(name, name)
            combo.currentIndexChanged.connect(lambda _=None, k=key, c=combo: self.model.set_network(**{k: c.currentData()}))
            net_form.addRow(label, combo)
            self.combos[key] = combo
        self.batchSizeSpin = QSpinBox(objectName="batchSizeSpin")
        self.batchSizeSpin.setAccessibleName("Batch size")
        self.batchSizeSpin.setRange(0, 100_000)
        self.batchSizeSpin.setSpecialValueText("all data")
        self.batchSizeSpin.setToolTip("mini-batch size: all data is batch gradient descent, 1 is online SGD")
        self.batchSizeSpin.setKeyboardTracking(False)
        self.batchSizeSpin.valueChanged.connect(lambda value: self.model.set_network(batch_size=value or None))
        net_form.addRow("Batch size", self.batchSizeSpin)
        self.lossSliceButton = QPushButton("Loss slice at this step", objectName="lossSliceButton")
        self.lossSliceButton.setAccessibleName("Show the loss around the selected run's weights")
        self.lossSliceButton.setCheckable(True)
        self.lossSliceButton.setToolTip("the training loss on a plane through the selected run's weights "
                                        "(two random filter-normalized directions), with its path projected; "
                                        "click again to return to the decision boundary")
        self.lossSliceButton.toggled.connect(self.slice_toggled)
        net_form.addRow(self.lossSliceButton)
        self.networkReason = ReasonLabel("networkReason")
        net_form.addRow(self.networkReason)
        layout.addWidget(self.network_box)

        controller.experiment_changed.connect(self.show_experiment)
        controller.configured.connect(self._show_start)
        controller.rejected.connect(self._refused)
        self.show_experiment()

    # --- the model's values in the editors -----------------------------------------------------------
    def show_experiment(self) -> None:
        e = self.model.experiment
        with QSignalBlocker(self.problemCombo):
            self.problemCombo.setCurrentIndex(self.problemCombo.findData(e.dataset if e.is_network else e.surface))
        self._rebuild_editors()
        model = e.model
        with QSignalBlocker(self.hiddenEdit):
            self.hiddenEdit.setText(",".join(str(h) for h in model.get("hidden", [16])))
        for key, combo in self.combos.items():
            with QSignalBlocker(combo):
                combo.setCurrentIndex(combo.findData(model.get(key, NETWORK_DEFAULTS[key])))
        with QSignalBlocker(self.batchSizeSpin):
            self.batchSizeSpin.setValue(e.batch_size or 0)
        with QSignalBlocker(self.lossSliceButton):
            self.lossSliceButton.setChecked(False)
        self.network_box.setVisible(e.is_network)
        for widget in (self.start_label, self.startX, self.startY):
            widget.setVisible(not e.is_network)
        if not e.is_network and e.start is not None:
            self._show_point(e.start)

    def _show_start(self) -> None:
        info = self.model.info
        if info is not None and info.kind == "surface" and info.start is not None:
            self._show_point(info.start)

    def _show_point(self, point) -> None:
        show_value(self.startX, point[0])
        show_value(self.startY, point[1])

    def _rebuild_editors(self) -> None:
        specs, values = problem_specs(self.model.experiment)
        names = [spec.name for spec in specs]
        if names != list(self.editors):
            while self.surface_form.rowCount():
                self.surface_form.removeRow(0)
            self.editors = {}
            for spec in specs:
                editor = make_editor(spec, "sp_")
                editor.changed.connect(lambda _=None, name=spec.name: self._param_edited(name))
                self.surface_form.addRow(spec.symbol or spec.name, editor)
                self.editors[spec.name] = editor
        for spec in specs:
            show_value(self.editors[spec.name], values.get(spec.name, spec.default))

    def _refused(self, field: str, reason: str) -> None:
        editor = self.editors.get(field[3:]) if field.startswith("sp_") else None
        if isinstance(editor, TextEdit):  # a formula stays as typed, with the error pointed at
            typed = editor.text()
            self.show_experiment()
            show_value(editor, typed)
            column = error_column(reason, typed)
            caret = f"<pre>{html.escape(typed)}\n{' ' * (column - 1)}^</pre>" if column else ""
            self.problemReason.say(f"{caret}{html.escape(reason)}")
            if column:
                editor.setCursorPosition(column - 1)
            editor.setFocus()
            return
        if field.startswith("sp_") or field in ("problem", "start"):
            self.problemReason.say(reason)
        elif field == "network":
            self.networkReason.say(reason)
        else:
            return
        self.show_experiment()

    # --- the user's changes -----------------------------------------------------------------------------
    def _problem_chosen(self) -> None:
        name = self.problemCombo.currentData()
        self.problemReason.say("")
        if name == "csv":
            path, _ = QFileDialog.getOpenFileName(self, "Open a dataset", "", "CSV files (*.csv)")
            if not path or not self.use_csv(path):
                self.show_experiment()
            return
        self.model.set_problem(name)

    def use_csv(self, path: str, task: str = "classification") -> bool:
        """Train on a user's CSV file (x1,x2,label); a bad file is refused with its line and problem."""
        try:
            self.model.use_csv(path, task)
        except ValueError as error:
            self.problemReason.say("could not use the file")
            QMessageBox.warning(self, "Open a dataset", str(error))
            return False
        return True

    def _param_edited(self, name: str) -> None:
        value = self.editors[name].value()
        if name == "expr" and not self.model.experiment.is_network and _parses(value):
            # sympy differentiates and compiles it off the GUI thread; _formula_compiled applies it
            self.problemReason.say("compiling the formula…")
            self.formulas.check(value)
            return
        if self.model.set_problem_param(name, value):
            self.problemReason.say("")

    def _formula_compiled(self, text: str) -> None:
        editor = self.editors.get("expr")
        if editor is None or editor.text() != text:  # the problem or the text changed meanwhile
            return
        if self.model.set_problem_param("expr", text):  # compiled already: this costs nothing
            self.problemReason.say("")

    def _hidden_edited(self) -> None:
        text = self.hiddenEdit.text().strip()
        try:
            hidden = [int(h) for h in text.split(",")] if text else []
        except ValueError:
            self.networkReason.say(f"hidden layers must be whole numbers separated by commas, got '{text}'")
            self.show_experiment()
            return
        if hidden != self.model.experiment.model.get("hidden") and self.model.set_network(hidden=hidden):
            self.networkReason.say("")


def _parses(text: str) -> bool:
    """Whether the formula passes the parser's quick checks, which need no sympy (else the model
    refuses it at once, with the reason)."""
    try:
        parse_tree(text)
    except ValueError:
        return False
    return True


def error_column(reason: str, text: str) -> int | None:
    """Where in `text` (1-based) the formula's error is: the column the parser names, or the first place
    of the name or symbol the message quotes."""
    match = re.search(r"at column (\d+)", reason)
    if match:
        return max(1, min(int(match.group(1)), len(text) + 1))
    for quoted in re.findall(r"'([^']+)'", reason):
        where = text.find(quoted)
        if where >= 0:
            return where + 1
    return None
