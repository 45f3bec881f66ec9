"""The runs: the list (colour, name, current rate, shown or hidden), and the selected run's optimizer
and hyperparameter editors, generated from the engine's specs."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from ..core import OPTIMIZERS, get_optimizer
from ..experiment import MAX_RUNS
from .editors import ReasonLabel, make_editor, show_value


class RunEditor(QGroupBox):
    def __init__(self, controller, parent=None):
        super().__init__("Runs", parent)
        self.controller, self.model = controller, controller.model
        layout = QVBoxLayout(self)
        self.runList = QListWidget(objectName="runList")
        self.runList.setAccessibleName("Runs")
        self.runList.setMaximumHeight(150)
        self.runList.currentRowChanged.connect(lambda row: row >= 0 and self.model.select(row))
        self.runList.itemChanged.connect(lambda item: self.model.set_visible(
            self.runList.row(item), item.checkState() == Qt.Checked))
        layout.addWidget(self.runList)
        buttons = QHBoxLayout()
        self.addRunButton = QPushButton("Add run", objectName="addRunButton")
        self.addRunButton.setAccessibleName("Add run")
        self.addRunButton.clicked.connect(self.model.add_run)
        self.removeRunButton = QPushButton("Remove run", objectName="removeRunButton")
        self.removeRunButton.setAccessibleName("Remove run")
        self.removeRunButton.clicked.connect(lambda: self.model.remove_run())
        buttons.addWidget(self.addRunButton)
        buttons.addWidget(self.removeRunButton)
        layout.addLayout(buttons)
        form = QFormLayout()
        self.optimizerCombo = QComboBox(objectName="optimizerCombo")
        self.optimizerCombo.setAccessibleName("Optimizer of the selected run")
        for opt in OPTIMIZERS.values():
            self.optimizerCombo.addItem(opt.title, opt.name)
        self.optimizerCombo.currentIndexChanged.connect(
            lambda _: self.model.set_optimizer(self.model.selected, self.optimizerCombo.currentData()))
        form.addRow("Optimizer", self.optimizerCombo)
        layout.addLayout(form)
        self.hp_form = QFormLayout()
        layout.addLayout(self.hp_form)
        self.editors: dict[str, QWidget] = {}
        self._editing = None  # (run, optimizer) the editors were made for
        self.hpReason = ReasonLabel("hpReason")
        layout.addWidget(self.hpReason)

        controller.experiment_changed.connect(self.show_runs)
        controller.selection_changed.connect(self._show_selected)
        controller.run_changed.connect(self._show_run)
        controller.shown_changed.connect(self._show_values)
        controller.rejected.connect(self._refused)
        self.show_runs()

    def show_runs(self) -> None:
        runs = self.model.experiment.runs
        with QSignalBlocker(self.runList):
            self.runList.clear()
            for index, run in enumerate(runs):
                item = QListWidgetItem(self.model.label(index))
                pixmap = QPixmap(14, 14)
                pixmap.fill(QColor(run.color))
                item.setIcon(QIcon(pixmap))
                item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                item.setCheckState(Qt.Checked if run.visible else Qt.Unchecked)
                self.runList.addItem(item)
            self.runList.setCurrentRow(self.model.selected)
        self.addRunButton.setEnabled(len(runs) < MAX_RUNS)
        self.removeRunButton.setEnabled(len(runs) > 1)
        self._editing = None
        self._show_selected(self.model.selected)

    def _show_run(self, index: int) -> None:
        """One run's name, rate and state in the list; its editors if it is the selected one."""
        item = self.runList.item(index)
        if item is None:
            return
        history = self.model.histories[index] if index < len(self.model.histories) else None
        diverged = history is not None and history.status == "diverged"
        with QSignalBlocker(self.runList):
            item.setText(("✖ " if diverged else "") + self.model.label(index)
                         + (f"  — diverged at step {history.diverged_at}" if diverged else ""))
            item.setForeground(QColor("#b00020") if diverged else self.palette().text().color())
            item.setToolTip(f"diverged at step {history.diverged_at}" + (f": {history.reason}" if history.reason else "")
                            if diverged else "")
            item.setCheckState(Qt.Checked if self.model.experiment.runs[index].visible else Qt.Unchecked)
        if index == self.model.selected:
            self._show_values()

    def _show_selected(self, index: int) -> None:
        run = self.model.experiment.runs[index]
        with QSignalBlocker(self.runList):
            self.runList.setCurrentRow(index)
        with QSignalBlocker(self.optimizerCombo):
            self.optimizerCombo.setCurrentIndex(self.optimizerCombo.findData(run.optimizer))
        if self._editing != (index, run.optimizer):
            while self.hp_form.rowCount():
                self.hp_form.removeRow(0)
            self.editors = {}
            for spec in get_optimizer(run.optimizer).hparams:
                editor = make_editor(spec, "hp_")
                editor.changed.connect(lambda _=None, name=spec.name: self._edited(name))
                self.hp_form.addRow(f"{spec.symbol}  {spec.name}", editor)
                self.editors[spec.name] = editor
            self._editing = (index, run.optimizer)
        self._show_values()

    def _show_values(self) -> None:
        """The selected run's hyperparameters as they are at the step on screen."""
        if self._editing is None:
            return
        values = self.model.hparams(self.model.selected, self.model.shown_step())
        for name, editor in self.editors.items():
            if editor.value() != values[name]:
                show_value(editor, values[name])

    def _edited(self, name: str) -> None:
        if self.model.set_hparam(self.model.selected, name, self.editors[name].value()):
            self.hpReason.say("")

    def _refused(self, field: str, reason: str) -> None:
        if field.startswith("hp_") or field in ("optimizer", "runs"):
            self.hpReason.say(f"{field[3:]}: {reason}" if field.startswith("hp_") and field[3:] not in reason
                              else reason)
            self._show_values()
