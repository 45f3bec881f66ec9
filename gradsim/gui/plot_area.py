"""The plot area: the trajectory and the three time panels, drawn from the model at the step on screen.

Drawing is paced by the event loop, not by a polling timer: a change marks the area dirty and
schedules one frame; a frame paints one panel per turn of the event loop, so a click waits for at
most one panel's painting; nothing runs while nothing changes.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QWidget

from .panels import TimeSeriesPanel, TrajectoryPanel

FIELD_SIZE = 240  # the contours' grid (the session computes it)
BOUNDARY_SIZE = 100  # a network's output grid


class PlotArea(QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller, self.model = controller, controller.model
        self.trajectory = TrajectoryPanel()
        self.trajectory.start_clicked.connect(self.model.set_start)
        self.loss_panel = TimeSeriesPanel("lossPlot", "Loss", "loss")
        self.lr_panel = TimeSeriesPanel("lrPlot", "Effective learning rate (x solid, y dashed)", "rate", ("x", "y"))
        self.grad_panel = TimeSeriesPanel("gradNormPlot", "Gradient norm", "‖g‖")
        self.time_panels = (self.loss_panel, self.lr_panel, self.grad_panel)
        self.panels = (self.trajectory, *self.time_panels)
        self.grid = QGridLayout(self)
        self.arrange([p.widget for p in self.panels])
        self.slicing = False  # the trajectory panel shows a network's loss slice
        self.redraws = 0
        self._dirty = False
        self._part = 0
        self._frame_step = 0
        self._boundary_asked: tuple | None = None
        self.frame_timer = QTimer(self)
        self.frame_timer.setSingleShot(True)
        self.frame_timer.setInterval(0)
        self.frame_timer.timeout.connect(self._draw_next)

        controller.configured.connect(self._new_problem)
        controller.experiment_changed.connect(self._new_runs)
        for signal in (controller.rows_changed, controller.shown_changed, controller.selection_changed):
            signal.connect(self.schedule)
        controller.run_changed.connect(self._run_changed)
        controller.field_ready.connect(lambda: self.trajectory.show_field(self.model.field))
        controller.boundary_ready.connect(self._boundary_arrived)
        controller.sliced.connect(self._slice_arrived)
        self._new_runs()

    # --- layout ---------------------------------------------------------------------------------------
    def arrange(self, shown) -> None:
        """Lay out the shown plots without holes: 2×2 for four; for three, the first one tall on the
        left and the others stacked on the right; side by side for two."""
        for panel in self.panels:
            self.grid.removeWidget(panel.widget)
            panel.widget.setVisible(panel.widget in shown)
        places = {1: [(0, 0, 2, 2)], 2: [(0, 0, 2, 1), (0, 1, 2, 1)],
                  3: [(0, 0, 2, 1), (0, 1, 1, 1), (1, 1, 1, 1)],
                  4: [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]}.get(len(shown), [])
        for widget, place in zip(shown, places):
            self.grid.addWidget(widget, *place)
        for i in range(2):
            self.grid.setColumnStretch(i, 1 if len(shown) > 1 or i == 0 else 0)
            self.grid.setRowStretch(i, 1)

    def panel_widget(self, name: str):
        return next(panel.widget for panel in self.panels if panel.widget.objectName() == name)

    # --- what changed ---------------------------------------------------------------------------------
    def _new_runs(self) -> None:
        """New runs (a new experiment): their curves, colours and legends; the data follows."""
        e = self.model.experiment
        colors = [run.color for run in e.runs]
        labels = [self.model.label(i) for i in range(len(e.runs))]
        self.trajectory.set_runs(colors)
        if e.is_network:
            layers = [f"layer {i + 1}" for i in range(len(e.model.get("hidden", [])) + 1)]
            self.loss_panel.set_runs(labels, colors)
            self.lr_panel.set_runs(labels, colors, layers)
            self.grad_panel.set_runs(labels, colors, layers)
            self.lr_panel.widget.setTitle("Effective rate per layer (median)")
            self.grad_panel.widget.setTitle("Gradient norm per layer")
        else:
            for panel in self.time_panels:
                panel.set_runs(labels, colors)
            self.lr_panel.widget.setTitle("Effective learning rate (x solid, y dashed)")
            self.grad_panel.widget.setTitle("Gradient norm")
        self.slicing = False
        self.schedule()

    def _new_problem(self) -> None:
        info = self.model.info
        if info.kind == "surface":
            self.trajectory.set_surface(info, self.model.view)
            self.trajectory.set_start(*info.start)
            self.model.request_field(self.trajectory.view, FIELD_SIZE, FIELD_SIZE)
        else:
            self.trajectory.set_network(info, self.model.view)
        self._boundary_asked = None
        self.schedule()

    def _run_changed(self, index: int) -> None:
        for panel in self.time_panels:
            panel.set_label(index, self.model.label(index))
        self.schedule()

    def show_slice(self, on: bool) -> None:
        """The selected run's loss slice at the step on screen (a network), or back to its boundary."""
        self.slicing = on and self.model.experiment.is_network and self.model.ready
        if self.slicing:
            self.model.play(False)
            self.model.request_slice(self.model.selected, self.model.shown_step())
        elif self.model.info is not None and self.model.info.kind == "network":
            self.trajectory.set_network(self.model.info, self.model.view)
            self._boundary_arrived()  # the boundary last computed, until a newer one comes
        self.schedule()

    def _slice_arrived(self) -> None:
        if self.slicing and self.model.slice is not None:
            self.trajectory.show_loss_slice(self.model.slice.values,
                                            self.model.experiment.runs[self.model.selected].color)

    def _boundary_arrived(self) -> None:
        boundary = self.model.boundary
        if self.slicing or boundary is None or self.model.info is None:
            return
        self.trajectory.show_boundary(boundary, self.model.info.binary[boundary.run])
        self._boundary_asked = None
        self.schedule()  # the step on screen may have moved on meanwhile

    # --- drawing ---------------------------------------------------------------------------------------
    def schedule(self) -> None:
        self._dirty = True
        if not self.frame_timer.isActive() and self._part == 0:
            self.frame_timer.start()

    def _draw_next(self) -> None:
        if self._part == 0:
            if not self._dirty:
                return
            self._dirty = False
            self._frame_step = self.model.shown_step()
        self.draw_part(self._part, self._frame_step)
        self._part = (self._part + 1) % len(self.panels)
        if self._part == 0:
            self.redraws += 1
        if self._part or self._dirty:
            self.frame_timer.start()

    def redraw(self) -> None:
        """Every panel at once, at the shown step (for exports and tests)."""
        shown = self.model.shown_step()
        for part in range(len(self.panels)):
            self.draw_part(part, shown)

    def draw_part(self, part: int, shown: int) -> None:
        """Panel `part` (trajectory, loss, rates, gradient norms) up to step `shown`."""
        model = self.model
        network = model.experiment.is_network
        if part == 0 and network:
            self._ask_boundary(shown)
        for i, (history, run) in enumerate(zip(model.histories, model.experiment.runs)):
            if history.count == 0:
                continue
            end = history.index_at(shown) + 1
            steps = history.get("step")[:end]
            if part == 0:
                if not network:
                    self.trajectory.set_run_path(i, history.get("params")[:end], run.visible)
            elif part == 1:
                loss = history.get("extra.train_loss" if network else "loss")[:end]
                self.loss_panel.set_run_data(i, steps, [loss], run.visible)
            elif part == 2:
                rates = history.get("extra.lr_eff_layers")[:end, :, 1] if network else history.get("lr_eff")[:end]
                self.lr_panel.set_run_data(i, steps, list(rates.T), run.visible)
            else:
                norms = (history.get("extra.grad_norm_layers")[:end].T if network
                         else [np.linalg.norm(history.get("grad")[:end], axis=1)])
                self.grad_panel.set_run_data(i, steps, list(norms), run.visible)
        if part:
            self.time_panels[part - 1].set_cursor(shown)

    def _ask_boundary(self, shown: int) -> None:
        """One request at a time: the answer draws the boundary and asks again if the step moved."""
        model = self.model
        asked = self._boundary_asked
        if self.slicing or not model.ready or model.info is None or (asked is not None and asked[0] == model.generation):
            return
        row = model.row(model.selected, shown)
        key = (model.generation, model.selected, int(row["step"]))
        shown_boundary = model.boundary
        if shown_boundary is not None and (model.generation, shown_boundary.run, shown_boundary.step) == key:
            return
        self._boundary_asked = key
        model.request_boundary(model.selected, shown, self.trajectory.view, BOUNDARY_SIZE, BOUNDARY_SIZE)
