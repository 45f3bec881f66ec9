"""The step inspector and the equation panel: the selected run at the step on screen, in numbers.

Both read the model; the Hessian (for the curvature line and Newton's rule) is asked of the
session and shown when it arrives.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGroupBox, QTextEdit, QVBoxLayout

from ..app.inspector import network_lines, surface_lines
from ..core import get_optimizer
from ..core.equations import explain, without_numbers
from .equation_panel import EquationPanel

PLAYING_INTERVAL_MS = 100


class InspectorView(QGroupBox):
    def __init__(self, controller, equation_panel: EquationPanel, parent=None):
        super().__init__("Step inspector (selected run)", parent)
        self.controller, self.model = controller, controller.model
        self.equation_panel = equation_panel
        layout = QVBoxLayout(self)
        self.inspector = QTextEdit(objectName="inspector")
        self.inspector.setReadOnly(True)
        self.inspector.setAccessibleName("Step inspector")
        self.inspector.setMinimumHeight(220)
        layout.addWidget(self.inspector)
        # many changes in one turn of the event loop make one update
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self.update_now)
        for signal in (controller.rows_changed, controller.shown_changed, controller.selection_changed,
                       controller.inspected, controller.run_changed, controller.revealed):
            signal.connect(lambda *_: self._soon())
        equation_panel.parameterCombo.currentIndexChanged.connect(lambda _: self._timer.start())
        equation_panel.visibilityChanged.connect(lambda _: self._timer.start())

    def _soon(self) -> None:
        """Update at the next turn of the event loop; while playing, at most ten times a second (text that
        changes faster cannot be read, and laying it out costs the panels' frames)."""
        if not self._timer.isActive():
            self._timer.start(PLAYING_INTERVAL_MS if self.model.playing else 0)

    def update_now(self) -> None:
        model = self.model
        index = model.selected
        shown = model.shown_step()
        row = model.row(index, shown)
        if row is None:
            return
        run = model.experiment.runs[index]
        newton = get_optimizer(run.optimizer).needs_hessian and self.equation_panel.isVisible()
        if not model.experiment.is_network or newton:
            model.request_inspection(index, int(row["step"]), full=newton)
        inspection = model.inspection if model.inspection is not None and model.inspection.run == index else None
        self._update_equation(row, run, inspection, newton)
        title = model.label(index)
        held = model.numbers_held
        lines = (network_lines(title, row, held) if model.experiment.is_network
                 else surface_lines(title, run.optimizer, row, inspection, model.histories[index], held))
        self.inspector.setHtml("<br>".join(lines))

    def _update_equation(self, row: dict, run, inspection, newton: bool) -> None:
        """The selected run's update rule with the numbers of the step shown, for one parameter."""
        panel, model = self.equation_panel, self.model
        if not panel.isVisible() or model.info is None:
            return
        index, k = model.selected, int(row["step"])
        panel.set_parameters(list(model.info.parameter_names[index]))
        title = f"{model.label(index)}, step {k}: {panel.parameterCombo.currentText()}"
        if not np.all(np.isfinite(row["params"])) or not np.all(np.isfinite(np.asarray(row["update"], dtype=float))):
            panel.show_message(title, "This run has diverged: there is no finite step to show.")
            return
        previous = None
        if k > 0:
            before = model.row(index, k - 1)
            if int(before["step"]) != k - 1:
                panel.show_message(title, "This part of a long run is kept thinned, without every step's "
                                          "optimizer state: step back near the end, or reset, to see the numbers.")
                return
            previous = before["state"]
        hessian = None
        if newton:
            if inspection is None or inspection.step != k or inspection.hessian is None:
                panel.show_message(title, "Computing the Hessian at this point…")
                return
            hessian = inspection.hessian
        lines = explain(run.optimizer, model.hparams(index, k), row, previous, panel.index,
                        clip=model.experiment.clip, hessian=hessian)
        if model.numbers_held:  # a lesson's question waits: the rule now, this step's numbers with the answer
            title, lines = f"{title} (numbers after the answer)", without_numbers(lines)
        panel.show_lines(title, lines)
