"""The four linked plots. Each creates its plot items once and updates them with setData."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg


# Thick antialiased pens over thousands of points are slow to stroke as one path in Qt's raster
# engine; drawn as separate segments they are several times faster.
pg.setConfigOptions(antialias=False, segmentedLineMode="on", background="w", foreground="k")

CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd")
MAX_PATH_POINTS = 600
FIRST_STEPS = 10  # a time axis shows at least steps 0..FIRST_STEPS  # a curve or path is thinned evenly to this many points for drawing


def thin(n: int, limit: int = MAX_PATH_POINTS) -> slice | np.ndarray:
    """Indices of at most `limit` evenly spaced points out of n, always including the last."""
    if n <= limit:
        return slice(None)
    indices = np.arange(0, n, n // limit + 1)
    return indices if indices[-1] == n - 1 else np.append(indices, n - 1)


class PlotItem(pg.PlotItem):
    """A plot whose title row is as tall as its title's text (pyqtgraph fixes it at 30 px, which
    cuts a large title)."""

    def setTitle(self, title=None, **args):
        super().setTitle(title, **args)
        if title is not None:
            height = math.ceil(self.titleLabel.item.boundingRect().height()) + 2
            self.titleLabel.setMaximumHeight(height)
            self.layout.setRowFixedHeight(0, height)


def _plot(title: str) -> pg.PlotWidget:
    return pg.PlotWidget(plotItem=PlotItem(title=title))


def _time_plot(name: str, title: str, ylabel: str, log: bool = True) -> pg.PlotWidget:
    plot = _plot(title)
    plot.setObjectName(name)
    plot.setAccessibleName(title)
    plot.setLabel("bottom", "step")
    plot.setLabel("left", ylabel)
    plot.setLogMode(y=log)
    plot.getPlotItem().getAxis("left").enableAutoSIPrefix(False)
    plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 190), labelTextSize="8pt")
    return plot


class TimeSeriesPanel:
    """A plot of one quantity against the step, one or more curves per run, and a cursor line."""

    def __init__(self, name: str, title: str, ylabel: str, parts: tuple[str, ...] = ()):
        self.widget = _time_plot(name, title, ylabel)
        self.default_parts = list(parts)
        self.curves_per_run = max(1, len(parts))
        self.curves: list[list[pg.PlotDataItem]] = []
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((120, 120, 120), style=pg.QtCore.Qt.DashLine))
        self.widget.addItem(self.cursor)
        self.readout = pg.TextItem(anchor=(0, 1), color=(60, 60, 60), fill=pg.mkBrush(255, 255, 255, 200))
        self.readout.setVisible(False)  # shown while the mouse is over the plot
        self.widget.addItem(self.readout, ignoreBounds=True)
        self.widget.scene().sigMouseMoved.connect(self._hover)
        self._data: list[tuple[np.ndarray, list[np.ndarray]]] = []

    def set_runs(self, labels: list[str], colors: list[str], parts: list[str] | None = None) -> None:
        """One curve per run, or one per part of each run (parameters x and y, or layers)."""
        for curves in self.curves:
            for curve in curves:
                self.widget.removeItem(curve)
        self.widget.getPlotItem().legend.clear()
        self.curves = []
        # a new run starts at step 0: the axes forget the old run's ranges
        self.widget.getPlotItem().vb.disableAutoRange(pg.ViewBox.XAxis)
        self.widget.setXRange(0, FIRST_STEPS, padding=0.02)
        self.widget.enableAutoRange(pg.ViewBox.YAxis)
        parts = parts if parts is not None else self.default_parts
        self.curves_per_run = max(1, len(parts))
        styles = [pg.QtCore.Qt.SolidLine, pg.QtCore.Qt.DashLine, pg.QtCore.Qt.DotLine, pg.QtCore.Qt.DashDotLine]
        for label, color in zip(labels, colors):
            curves = []
            for j in range(self.curves_per_run):
                # one legend entry per run; its parts are told apart by line style
                name = label if j == 0 else None
                curve = self.widget.plot([], [], pen=pg.mkPen(color, width=2, style=styles[j % len(styles)]), name=name)
                curve.part = parts[j] if parts else ""
                curves.append(curve)
            self.curves.append(curves)
        self._data = [(np.empty(0), [np.empty(0)] * self.curves_per_run) for _ in labels]

    def set_label(self, index: int, text: str) -> None:
        """A run's legend entry (and read-out name) after its name or rate changed."""
        if index >= len(self.curves):
            return
        curve = self.curves[index][0]
        curve.opts["name"] = text
        label = self.widget.getPlotItem().legend.getLabel(curve)
        if label is not None:
            label.setText(text, size=self.widget.getPlotItem().legend.opts["labelTextSize"])

    def set_run_data(self, index: int, steps: np.ndarray, series: list[np.ndarray], visible: bool) -> None:
        finite = [np.where(np.isfinite(s) & (s > 0), s, np.nan) for s in series]
        self._data[index] = (steps, finite)
        box = self.widget.getPlotItem().vb
        if len(steps) and steps[-1] > FIRST_STEPS and not box.autoRangeEnabled()[0]:
            box.enableAutoRange(pg.ViewBox.XAxis)
        keep = thin(len(steps))
        for curve, values in zip(self.curves[index], finite):
            curve.setData(steps[keep], values[keep], connect="finite")
            curve.setVisible(visible)

    def set_cursor(self, step: int) -> None:
        self.cursor.setValue(step)

    def _hover(self, position) -> None:
        box = self.widget.getPlotItem().vb
        if not self.widget.sceneBoundingRect().contains(position):
            return
        point = box.mapSceneToView(position)
        step = int(round(point.x()))
        lines = []
        for (steps, series), curves in zip(self._data, self.curves):
            if len(steps) == 0 or not curves[0].isVisible():
                continue
            i = min(len(steps) - 1, max(0, int(np.searchsorted(steps, step))))
            values = ", ".join(f"{c.part} {s[i]:.4g}".strip() for c, s in zip(curves, series))
            lines.append(f"{curves[0].name() or ''}: {values}")
        self.readout.setText(f"step {step}\n" + "\n".join(lines))
        self.readout.setPos(point.x(), point.y())
        self.readout.setVisible(True)


class TrajectoryPanel(pg.QtCore.QObject):
    """Filled contours on a log scale, the marked stationary points, and every run's path; on a
    network, the data over the selected run's decision boundary (or its output, for regression)."""

    start_clicked = pg.QtCore.Signal(float, float)  # a left click on the plot: start every run there

    def __init__(self):
        super().__init__()
        self.widget = _plot("Trajectory")
        self.widget.setObjectName("trajectoryPlot")
        self.widget.setAccessibleName("Trajectory on the loss surface")
        self.widget.setAspectLocked(False)
        self.image = pg.ImageItem()
        self.widget.addItem(self.image)
        self.markers = {kind: pg.ScatterPlotItem(symbol=symbol, size=12, pen=pg.mkPen("k", width=1.5),
                                                 brush=pg.mkBrush(brush))
                        for kind, symbol, brush in (("minimum", "o", "w"), ("saddle", "x", "k"),
                                                    ("maximum", "t", "w"))}
        for item in self.markers.values():
            self.widget.addItem(item)
        self.paths: list[pg.PlotDataItem] = []
        self.heads: list[pg.ScatterPlotItem] = []
        self.start_marker = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen("k"), brush=pg.mkBrush("y"))
        self.widget.addItem(self.start_marker)
        self.readout = pg.TextItem(anchor=(0, 0), color=(20, 20, 20), fill=pg.mkBrush(255, 255, 255, 190))
        self.readout.setVisible(False)  # shown while the mouse is over the plot
        self.widget.addItem(self.readout, ignoreBounds=True)
        self.data_points = pg.ScatterPlotItem()
        self.widget.addItem(self.data_points)
        self.curve_line = self.widget.plot([], [], pen=pg.mkPen("k", width=3))
        self.kind = ""  # "surface" or "network"
        self.field = None  # the surface's loss on a grid (protocol.Field), for contours and the read-out
        self.view = None
        self.point_size = 7.0  # of a network's data points; larger in presenter mode
        self.widget.scene().sigMouseMoved.connect(self._hover)
        self.widget.scene().sigMouseClicked.connect(self._clicked)

    def set_surface(self, info, view=None) -> None:
        """A surface's window (`view`, default the surface's own) and its marked critical points;
        the contours follow with `show_field`."""
        self.kind, self.field = "surface", None
        self.data_points.setData([], [])
        self.curve_line.setData([], [])
        self.image.clear()
        self.widget.setTitle("Trajectory")
        self.view = xmin, xmax, ymin, ymax = tuple(view or info.view)
        for kind, item in self.markers.items():
            points = [(x, y) for x, y, k in info.stationary if k == kind and xmin <= x <= xmax and ymin <= y <= ymax]
            item.setData([q[0] for q in points], [q[1] for q in points])
        self.widget.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)

    def show_field(self, field) -> None:
        """Filled contours of the loss on the field's grid, in log-spaced bands."""
        self.field = field
        self.image.setImage(_bands(field.values).T, autoLevels=True)
        self.image.setColorMap(pg.colormap.get("viridis"))
        xmin, xmax, ymin, ymax = field.view
        self.image.setRect(pg.QtCore.QRectF(xmin, ymin, xmax - xmin, ymax - ymin))

    def set_network(self, info, view=None) -> None:
        """Show a network's data over `view` (default: the data with a margin); `show_boundary`
        then colours the plane by the model's output."""
        self.kind, self.field = "network", None
        for item in self.markers.values():
            item.setData([], [])
        self.start_marker.setData([], [])
        self.view = low_x, high_x, low_y, high_y = tuple(view or info.view)
        X, y = info.points, info.targets
        palette = [pg.mkBrush(c) for c in CLASS_COLORS]
        if info.task == "classification":
            self.data_points.setData(X[:, 0], X[:, 1], brush=[palette[int(c) % len(palette)] for c in y],
                                     size=self.point_size, pen=pg.mkPen("w", width=0.8))
        else:
            self.data_points.setData(X[:, 0], y[:, 0], brush=palette[0], size=self.point_size,
                                     pen=pg.mkPen("w", width=0.8))
        self.image.setImage(np.zeros((2, 2)))
        self.image.setRect(pg.QtCore.QRectF(low_x, low_y, high_x - low_x, high_y - low_y))
        self.widget.setTitle("Decision boundary (selected run)" if info.task == "classification"
                             else "Model output (selected run)")
        self.widget.setRange(xRange=(low_x, high_x), yRange=(low_y, high_y), padding=0)

    def show_boundary(self, boundary, binary: bool) -> None:
        """The network's output over the plane (classification) or along x (regression)."""
        if boundary.curve is None:
            values = boundary.values
            self.image.setImage(values.T, levels=(0, max(1.0, float(values.max()))))
            self.image.setColorMap(pg.colormap.get("CET-D1A") if binary else pg.colormap.get("viridis"))
            low_x, high_x, low_y, high_y = boundary.view
            self.image.setRect(pg.QtCore.QRectF(low_x, low_y, high_x - low_x, high_y - low_y))
            self.curve_line.setData([], [])
        else:
            low_x, high_x = boundary.view[:2]
            self.curve_line.setData(np.linspace(low_x, high_x, len(boundary.curve)), boundary.curve,
                                    pen=pg.mkPen("k", width=3))

    def show_loss_slice(self, sl: dict, color: str) -> None:
        """A 2-D slice of the training loss around the weights, with the path projected onto it."""
        a, b, values = sl["a"], sl["b"], sl["loss"]
        self.image.setImage(_bands(values).T, autoLevels=True)
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.image.setRect(pg.QtCore.QRectF(a[0], b[0], a[-1] - a[0], b[-1] - b[0]))
        self.data_points.setData([], [])
        self.curve_line.setData(sl["path"][:, 0], sl["path"][:, 1], pen=pg.mkPen(color, width=2))
        self.start_marker.setData([0.0], [0.0])
        self.widget.setTitle("Loss around the weights (filter-normalized directions), path projected")
        self.widget.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0)

    def set_runs(self, colors: list[str]) -> None:
        for item in self.paths + self.heads:
            self.widget.removeItem(item)
        self.paths = [self.widget.plot([], [], pen=pg.mkPen(c, width=2)) for c in colors]
        self.heads = []
        for c in colors:
            head = pg.ScatterPlotItem(size=11, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(c))
            self.widget.addItem(head)
            self.heads.append(head)

    def set_start(self, x: float, y: float) -> None:
        self.start_marker.setData([x], [y])

    def set_run_path(self, index: int, xy: np.ndarray, visible: bool) -> None:
        shown = xy[thin(len(xy))]
        self.paths[index].setData(shown[:, 0], shown[:, 1], connect="finite")
        self.paths[index].setVisible(visible)
        if len(xy):
            self.heads[index].setData([xy[-1, 0]], [xy[-1, 1]])
        self.heads[index].setVisible(visible and len(xy) > 0)

    def _hover(self, position) -> None:
        field = self.field
        if field is None or not self.widget.sceneBoundingRect().contains(position):
            return
        point = self.widget.getPlotItem().vb.mapSceneToView(position)
        i = int(np.clip(np.searchsorted(field.ys, point.y()), 0, len(field.ys) - 1))
        j = int(np.clip(np.searchsorted(field.xs, point.x()), 0, len(field.xs) - 1))
        self.readout.setText(f"x {point.x():.4g}   y {point.y():.4g}   f ≈ {field.values[i, j]:.4g}")
        self.readout.setPos(point.x(), point.y())
        self.readout.setVisible(True)

    def _clicked(self, event) -> None:
        if event.button() != pg.QtCore.Qt.LeftButton or self.kind != "surface":
            return
        box = self.widget.getPlotItem().vb
        if not box.sceneBoundingRect().contains(event.scenePos()):
            return
        point = box.mapSceneToView(event.scenePos())
        self.start_clicked.emit(point.x(), point.y())


def _bands(values: np.ndarray) -> np.ndarray:
    """Log-spaced bands of a loss field: each band a constant factor above the lowest value."""
    finite = np.isfinite(values)
    low = values[finite].min() if finite.any() else 0.0
    high = np.nanmax(np.where(finite, values, np.nan)) if finite.any() else 1.0
    shifted = np.log10(np.where(finite, values - low, np.nan) + 1e-3 * (high - low + 1e-12))
    bands = np.floor(shifted * 4) / 4
    return np.nan_to_num(bands, nan=np.nanmax(bands) if np.isfinite(bands).any() else 0.0)
