"""The plot area: the runs' legend, the trajectory and the time panels, drawn from the model at the step on screen.

Drawing is paced by the event loop, not by a polling timer: a change marks the area dirty and
schedules one frame; a frame paints one panel per turn of the event loop, so a click waits for at
most one panel's painting; nothing runs while nothing changes.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QGridLayout, QMenu, QVBoxLayout, QWidget

from ..app import scales, series
from .legend import RunLegend
from .theme import Style
from .time_panel import RunData, TimeSeriesPanel
from .trajectory_panel import TrajectoryPanel

BOUNDARY_SIZE = 200  # a network's output grid
STANDARD = ("trajectoryPlot", "lossPlot", "lrPlot", "gradNormPlot")  # what a lesson may choose from


class PlotArea(QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller, self.model = controller, controller.model
        self.trajectory = TrajectoryPanel()
        self.trajectory.start_clicked.connect(self.model.set_start)
        self.trajectory.field_wanted.connect(self._ask_field)
        self.loss_panel = TimeSeriesPanel("lossPlot", "loss", "Loss", "loss")
        self.lr_panel = TimeSeriesPanel("lrPlot", "rate", "Effective learning rate", "rate")
        self.grad_panel = TimeSeriesPanel("gradNormPlot", "grad", "Gradient norm", "‖g‖")
        self.accuracy_panel = TimeSeriesPanel("accuracyPlot", "accuracy", "Accuracy", "accuracy", "linear")
        self.time_panels = (self.loss_panel, self.lr_panel, self.grad_panel, self.accuracy_panel)
        self.panels = (self.trajectory, *self.time_panels)
        for panel in self.time_panels:
            panel.range_moved.connect(self.schedule)
        self.legend = RunLegend()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        self.grid = QGridLayout()
        layout.addLayout(self.grid, 1)
        self.chosen = list(STANDARD)  # the panels a lesson step asked for (default: all)
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
        self.arrange([self.panel_widget(name) for name in STANDARD])

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
        """Show these plots (a lesson step's choice), without holes: 2×2 for four; for three, the first
        tall on the left; side by side for two. A classifying network adds its accuracy panel to the
        full set: the decision regions tall on the left, four panels beside them."""
        self.chosen = [widget.objectName() for widget in shown]
        widgets = list(shown)
        if self._shows_accuracy() and set(STANDARD) <= set(self.chosen):
            widgets.insert(2, self.accuracy_panel.widget)
        for panel in self.panels:
            self.grid.removeWidget(panel.widget)
            panel.widget.setVisible(panel.widget in widgets)
        places = {1: [(0, 0, 2, 2)], 2: [(0, 0, 2, 1), (0, 1, 2, 1)],
                  3: [(0, 0, 2, 1), (0, 1, 1, 1), (1, 1, 1, 1)],
                  4: [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)],
                  5: [(0, 0, 2, 1), (0, 1, 1, 1), (0, 2, 1, 1), (1, 1, 1, 1), (1, 2, 1, 1)]}.get(len(widgets), [])
        for widget, place in zip(widgets, places):
            self.grid.addWidget(widget, *place)
        columns = 3 if len(widgets) == 5 else 2
        for i in range(3):
            stretch = (4, 3, 3)[i] if columns == 3 else (1 if i < 2 and (len(widgets) > 1 or i == 0) else 0)
            self.grid.setColumnStretch(i, stretch)
        for i in range(2):
            self.grid.setRowStretch(i, 1)
        self.schedule()

    def _shows_accuracy(self) -> bool:
        info = self.model.info
        return bool(self.model.experiment.is_network and info is not None and info.task == "classification")

    def panel_widget(self, name: str):
        return next(panel.widget for panel in self.panels if panel.widget.objectName() == name)

    def restyle(self, style: Style) -> None:
        for panel in self.panels:
            panel.restyle(style)
        self.legend.restyle(style)
        self.schedule()

    def loss_scale_menu(self, parent) -> QMenu:
        """View ▸ Loss scale: automatic, or fixed to log, loss − f*, symmetric log or linear."""
        menu = QMenu("Loss scale", parent)
        group = QActionGroup(menu)
        for mode in scales.MODES:
            act = QAction(scales.MODE_TITLES[mode], menu, checkable=True, objectName=f"lossScale_{mode}")
            act.setChecked(mode == self.loss_panel.mode)
            act.triggered.connect(lambda _=False, m=mode: (self.loss_panel.set_scale_mode(m), self.schedule()))
            group.addAction(act)
            menu.addAction(act)
        self.loss_panel.box.menu.addMenu(menu)  # also in the panel's own right-click menu
        return menu

    # --- what changed ---------------------------------------------------------------------------------
    def _new_runs(self) -> None:
        """New runs (a new experiment): their curves, colours and legend; the data follows."""
        e = self.model.experiment
        colors = [run.color for run in e.runs]
        labels = [self.model.label(i) for i in range(len(e.runs))]
        self.trajectory.set_runs(colors, labels)
        for panel in self.time_panels:
            panel.set_runs(labels, colors, series.parts(panel.kind, e, self.model.info))
        self.grad_panel.set_threshold(series.threshold("grad", e))
        self._set_titles()
        self._show_legend()
        self.slicing = False
        self.schedule()

    def _set_titles(self) -> None:
        network = self.model.experiment.is_network
        for panel, title in ((self.lr_panel, "Effective rate per layer (median)" if network else "Effective learning rate"),
                             (self.grad_panel, "Gradient norm per layer" if network else "Gradient norm"),
                             (self.loss_panel, "Training loss" if network else "Loss")):
            panel.title = title
            panel.restyle(panel.style)

    def _new_problem(self) -> None:
        info = self.model.info
        e = self.model.experiment
        if info.kind == "surface":
            self.trajectory.set_surface(info, self.model.view)
            self.trajectory.set_start(*info.start)
        else:
            self.trajectory.set_network(info, self.model.view)
        for panel in self.time_panels:  # the parts may depend on the problem (held-out data)
            panel.set_runs([self.model.label(i) for i in range(len(e.runs))], [run.color for run in e.runs],
                           series.parts(panel.kind, e, info))
        self.grad_panel.set_threshold(series.threshold("grad", e))
        self.arrange([self.panel_widget(name) for name in self.chosen])
        self._boundary_asked = None
        self.schedule()

    def _run_changed(self, index: int) -> None:
        label = self.model.label(index)
        for panel in self.time_panels:
            panel.set_label(index, label)
        self.trajectory.set_label(index, label)
        self._show_legend()
        self.schedule()

    def _show_legend(self) -> None:
        model = self.model
        entries = []
        for i, run in enumerate(model.experiment.runs):
            history = model.histories[i] if i < len(model.histories) else None
            diverged = history is not None and history.status == "diverged"
            entries.append({"label": model.label(i), "color": run.color, "visible": run.visible,
                            "diverged_at": history.diverged_at if diverged else None})
        self.legend.set_entries(entries)

    def _ask_field(self, view, width: int, height: int) -> None:
        if self.model.info is not None and self.model.info.kind == "surface":
            self.model.request_field(view, width, height)

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
            self._show_legend()
        try:
            if self.panels[self._part].widget.isVisible():  # a hidden panel costs one turn, no drawing
                self.draw_part(self._part, self._frame_step)
        finally:  # a panel that failed to draw never stops the others
            self._part = (self._part + 1) % len(self.panels)
            if self._part == 0:
                self.redraws += 1
            if self._part or self._dirty:
                self.frame_timer.start()

    def redraw(self) -> None:
        """Every panel at once, at the shown step (for exports and tests)."""
        shown = self.model.shown_step()
        self._show_legend()
        for part in range(len(self.panels)):
            self.draw_part(part, shown)

    def draw_part(self, part: int, shown: int) -> None:
        """Panel `part` (trajectory, loss, rates, gradient norms, accuracy) up to step `shown`."""
        model = self.model
        e = model.experiment
        if part == 0:
            if e.is_network:
                self._ask_boundary(shown)
                return
            for i, (history, run) in enumerate(zip(model.histories, e.runs)):
                if history.count == 0 or i >= len(self.trajectory.paths):
                    continue
                end = history.index_at(shown) + 1
                self.trajectory.set_run_path(i, history.get("params")[:end], run.visible,
                                             history.status == "diverged", (id(history), history.epoch))
            return
        panel = self.time_panels[part - 1]
        if panel is self.accuracy_panel and not self._shows_accuracy():
            return
        data = []
        for history, run in zip(model.histories, e.runs):
            if history.count == 0:
                data.append(None)
                continue
            end = history.index_at(shown) + 1
            diverged = history.status == "diverged"
            data.append(RunData(history.get("step")[:end], series.values(panel.kind, history, end, e), run.visible,
                                diverged, (id(history), history.epoch), history.diverged_at if diverged else None))
        known = model.info.minimum if panel is self.loss_panel and model.info is not None and not e.is_network else None
        panel.draw(shown, data, known)

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
