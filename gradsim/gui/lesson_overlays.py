"""What a lesson scene asks the panels to show beyond its runs: other runs' decision boundaries drawn
as lines over the selected run's filled map (the perceptron's line beside backprop's regions), and
the loss panel's scale. A view: it reads the model's `display` and asks the session for the output
of each listed run; it draws the 0.5 level of that output (P(class 1)) in the run's colour.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QTransform

LINE_GRID = 100  # the output grid a line is traced on (as the filled map's)


class LessonOverlays(QObject):
    def __init__(self, controller, plot_area):
        super().__init__(plot_area)
        self.model, self.area = controller.model, plot_area
        self.items: dict[int, pg.IsocurveItem] = {}
        self._display_seen = None
        self._scale_from_lesson = False
        controller.experiment_changed.connect(self._new_scene)
        controller.configured.connect(self._clear)
        for signal in (controller.rows_changed, controller.shown_changed, controller.selection_changed):
            signal.connect(self._ask)
        controller.lines_ready.connect(self._draw)

    def runs(self) -> list[int]:
        """The runs whose boundary is drawn as a line: the scene's, except the selected run (its map is filled)."""
        model = self.model
        if not model.experiment.is_network or model.info is None or model.info.task != "classification":
            return []
        return [i for i in model.display.get("boundary_lines", []) if i != model.selected and model.info.binary[i]]

    def _new_scene(self) -> None:
        display = self.model.display
        if display is self._display_seen:  # an edit of the same scene: the user's choices stay
            return
        self._display_seen = display
        scale = display.get("loss_scale")
        if scale is not None or self._scale_from_lesson:  # a lesson's choice, or back to automatic after one
            self.area.loss_panel.set_scale_mode(scale or "auto")
            action = self.area.window().findChild(QAction, f"lossScale_{scale or 'auto'}")
            if action is not None:
                action.setChecked(True)
        self._scale_from_lesson = scale is not None
        self._clear()

    def _clear(self) -> None:
        for item in self.items.values():
            self.area.trajectory.widget.removeItem(item)
        self.items = {}

    def _ask(self) -> None:
        model = self.model
        if not model.ready or self.area.trajectory.view is None:
            return
        for run in self.runs():
            model.request_line(run, model.shown_step(), self.area.trajectory.view, LINE_GRID, LINE_GRID)
        for run in set(self.items) - set(self.runs()):  # no longer wanted (the selection moved)
            self.area.trajectory.widget.removeItem(self.items.pop(run))

    def _draw(self) -> None:
        model = self.model
        for run in self.runs():
            boundary = model.lines.get(run)
            if boundary is None or boundary.curve is not None:
                continue
            item = self.items.get(run)
            if item is None:
                color = model.experiment.runs[run].color
                item = self.items[run] = pg.IsocurveItem(level=0.5, pen=pg.mkPen(color, width=3), axisOrder="col-major")
                item.setZValue(20)
                self.area.trajectory.widget.addItem(item)
            item.setData(boundary_values(boundary))
            item.setTransform(grid_transform(boundary))

    def line_points(self, run: int) -> np.ndarray:
        """The drawn line of `run` in plot coordinates, (k, 2) (for tests: the picture against the weights)."""
        item = self.items.get(run)
        if item is None or item.data is None:
            return np.empty((0, 2))
        if item.path is None:
            item.generatePath()
        path, transform = item.path, item.transform()
        points = [transform.map(path.elementAt(i).x, path.elementAt(i).y) for i in range(path.elementCount())]
        return np.array(points, dtype=float).reshape(-1, 2)


def boundary_values(boundary) -> np.ndarray:
    """The output grid indexed [x, y], as pyqtgraph's image items take it."""
    return np.asarray(boundary.values, dtype=float).T


def grid_transform(boundary) -> QTransform:
    """From grid indices to plot coordinates: index i of n is the point xmin + i·(xmax − xmin)/(n − 1)."""
    nx, ny = np.shape(boundary.values)[1], np.shape(boundary.values)[0]
    low_x, high_x, low_y, high_y = boundary.view
    transform = QTransform()
    transform.translate(low_x, low_y)
    transform.scale((high_x - low_x) / (nx - 1), (high_y - low_y) / (ny - 1))
    return transform
