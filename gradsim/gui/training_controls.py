"""Schedule, gradient clipping, gradient noise and the seed: settings shared by every run."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QWidget

from ..core import SCHEDULES, checks
from ..core.schedules import WARMUP
from ..core.specs import HParam
from .editors import ReasonLabel, make_editor, show_value



class TrainingControls(QGroupBox):
    def __init__(self, controller, parent=None):
        super().__init__("Schedule, clipping, noise (all runs)", parent)
        self.controller, self.model = controller, controller.model
        form = QFormLayout(self)
        self.scheduleCombo = QComboBox(objectName="scheduleCombo")
        self.scheduleCombo.setAccessibleName("Learning-rate schedule")
        for schedule in SCHEDULES.values():
            self.scheduleCombo.addItem(schedule.name.replace("_", " "), schedule.name)
            self.scheduleCombo.setItemData(self.scheduleCombo.count() - 1, schedule.formula, Qt.ToolTipRole)
        self.scheduleCombo.currentIndexChanged.connect(
            lambda _: self.model.set_training("schedule", schedule={"name": self.scheduleCombo.currentData()}))
        form.addRow("Schedule", self.scheduleCombo)
        self.schedule_form = QFormLayout()
        form.addRow(self.schedule_form)
        self.schedule_editors: dict[str, QWidget] = {}
        self._schedule_name = None
        self.clipCombo = QComboBox(objectName="clipCombo")
        self.clipCombo.setAccessibleName("Gradient clipping")
        for label, kind in (("none", None), ("by global norm", "norm"), ("by value", "value")):
            self.clipCombo.addItem(label, kind)
        self.clipThreshold = make_editor(HParam("clip", 1.0, 0.0, 1e6, "log", "c", "clipping threshold",
                                                low_open=True), "")
        self.clipThreshold.setObjectName("clipThreshold")
        self.clipCombo.currentIndexChanged.connect(self._clip_edited)
        self.clipThreshold.changed.connect(self._clip_edited)
        clip_row = QHBoxLayout()
        clip_row.addWidget(self.clipCombo)
        clip_row.addWidget(self.clipThreshold)
        form.addRow("Clip", clip_row)
        self.gradNoise = make_editor(HParam("grad_noise", 0.0, 0.0, 1e6, "linear", "σ",
                                            "standard deviation of Gaussian noise added to every gradient"), "")
        self.gradNoise.setObjectName("gradNoise")
        self.gradNoise.changed.connect(lambda value: self.model.set_training("grad_noise", grad_noise=value))
        # Seeds are 0 … 2³¹ − 1 everywhere (core.checks), so any seed a file holds fits the spin box.
        self.seedSpin = make_editor(HParam("seed", 0, 0, checks.MAX_SEED, "linear", "seed",
                                           "seed of the noise, the data, the initial weights and the batches",
                                           kind=int), "")
        self.seedSpin.setObjectName("seedSpin")
        self.seedSpin.changed.connect(lambda value: self.model.set_training("seed", seed=value))
        noise_row = QHBoxLayout()
        noise_row.addWidget(self.gradNoise)
        noise_row.addWidget(QLabel("seed"))
        noise_row.addWidget(self.seedSpin)
        form.addRow("Gradient noise σ", noise_row)
        self.trainingReason = ReasonLabel("trainingReason")
        form.addRow(self.trainingReason)
        controller.experiment_changed.connect(self.show_experiment)
        controller.rejected.connect(self._refused)
        self.show_experiment()

    def show_experiment(self) -> None:
        e = self.model.experiment
        schedule = dict(e.schedule or {"name": "constant"})
        with QSignalBlocker(self.scheduleCombo):
            self.scheduleCombo.setCurrentIndex(self.scheduleCombo.findData(schedule["name"]))
        if schedule["name"] != self._schedule_name:
            while self.schedule_form.rowCount():
                self.schedule_form.removeRow(0)
            self.schedule_editors = {}
            for spec in (*SCHEDULES[schedule["name"]].hparams, WARMUP):
                editor = make_editor(spec, "sched_")
                editor.changed.connect(self._schedule_edited)
                self.schedule_form.addRow(f"{spec.symbol}  {spec.name}", editor)
                self.schedule_editors[spec.name] = editor
            self._schedule_name = schedule["name"]
        for spec in (*SCHEDULES[schedule["name"]].hparams, WARMUP):
            show_value(self.schedule_editors[spec.name], schedule.get(spec.name, spec.default))
        with QSignalBlocker(self.clipCombo):
            self.clipCombo.setCurrentIndex(self.clipCombo.findData(next(iter(e.clip)) if e.clip else None))
        show_value(self.clipThreshold, next(iter(e.clip.values())) if e.clip else self.clipThreshold.value())
        self.clipThreshold.setEnabled(bool(e.clip))
        show_value(self.gradNoise, e.grad_noise)
        show_value(self.seedSpin, e.seed)

    def _schedule_edited(self, *_) -> None:
        schedule = {"name": self.scheduleCombo.currentData(),
                    **{name: editor.value() for name, editor in self.schedule_editors.items()}}
        if self.model.set_training("schedule", schedule=schedule):
            self.trainingReason.say("")

    def _clip_edited(self, *_) -> None:
        kind = self.clipCombo.currentData()
        if self.model.set_training("clip", clip={kind: self.clipThreshold.value()} if kind else None):
            self.trainingReason.say("")

    def _refused(self, field: str, reason: str) -> None:
        if field in ("schedule", "clip", "grad_noise", "seed"):
            self.trainingReason.say(reason)
            self.show_experiment()
