"""The trajectory panel: every run's path on the loss surface, or a network's data over the selected
run's decision regions (or its fitted curve, for regression).

A surface's field is computed by the session for exactly the window and the pixels shown, so it is
sharp at any zoom: panning or zooming asks for a new one (`field_wanted`, debounced), and the old one
stays, stretched, until it arrives. A colour bar gives its scale, a key under the plot names the
markers of the known minima, saddles and maxima, and the paths keep every turning point
(`gradsim.app.decimate`).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, QTimer, Qt, Signal

from ..app import shading
from ..app.decimate import Decimator
from .plot_items import FADED_ALPHA, Key, Readout, pen, plot_widget, style_plot
from .theme import Style

MARKERS = (("minimum", "o", "w", "minimum"), ("saddle", "x", "k", "saddle"), ("maximum", "t", "w", "maximum"))
FIELD_DELAY_MS = 120  # a pan or zoom waits this long for the next before asking for a new field
NEAR_PIXELS = 10      # the read-out names a data point or a path point this close to the mouse


class TrajectoryPanel(QObject):
    start_clicked = Signal(float, float)          # a left click on a surface: start every run there
    field_wanted = Signal(tuple, int, int)        # (xmin, xmax, ymin, ymax), width, height in pixels

    def __init__(self):
        super().__init__()
        self.widget = plot_widget()
        self.widget.setObjectName("trajectoryPlot")
        self.widget.setAccessibleName("Trajectory on the loss surface")
        self.widget.setToolTip("Click to start every run from that point; drag to pan, wheel to zoom")
        item = self.widget.getPlotItem()
        self.box = item.vb
        item.setLabel("bottom", "x")
        item.setLabel("left", "y")
        for axis in ("left", "bottom"):
            item.getAxis(axis).enableAutoSIPrefix(False)
        self.box.disableAutoRange()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.widget.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"), interactive=False,
                                        width=14, colorMapMenu=False)
        self.colorbar.setVisible(False)
        item.layout.addItem(self.colorbar, 2, 3)
        self._lut = pg.colormap.get("viridis").getLookupTable(nPts=256, alpha=False)
        self.markers = {kind: pg.ScatterPlotItem(symbol=symbol, size=12, pen=pg.mkPen("k", width=1.5),
                                                 brush=pg.mkBrush(brush))
                        for kind, symbol, brush, _ in MARKERS}
        for marker in self.markers.values():
            self.widget.addItem(marker)
        self.start_marker = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen("k"), brush=pg.mkBrush("y"))
        self.widget.addItem(self.start_marker)
        self.key = Key()
        item.layout.addItem(self.key, 4, 0, 1, 4)  # under the axis too: the whole width for its lines
        self.data_points = pg.ScatterPlotItem()
        self.widget.addItem(self.data_points)
        self.curve_line = pg.PlotCurveItem()
        self.widget.addItem(self.curve_line)
        self.paths: list[pg.PlotCurveItem] = []
        self.heads: list[pg.ScatterPlotItem] = []
        self._colors: list[str] = []
        self._decimators: list[Decimator] = []
        self._drawn: list[np.ndarray] = []       # each run's drawn points (for the read-out)
        self._labels: list[str] = []
        self.kind = ""            # "surface" or "network"
        self.field = None         # protocol.Field on screen (its values feed the read-out)
        self.field_levels = None
        self.boundary = None
        self.info = None
        self.view = None          # the window asked for (a surface's or a lesson's)
        self.point_size = 7.0
        self.title = "Trajectory"
        self.style = Style()
        self.readout = Readout(self.widget, self._describe)
        self._field_pixels = (480, 360)  # until the plot is laid out
        self._field_asked = None
        self._field_timer = QTimer(self, singleShot=True, interval=FIELD_DELAY_MS)
        self._field_timer.timeout.connect(self._ask_field)
        self.box.sigRangeChanged.connect(lambda *_: self._view_moved())
        self.box.sigResized.connect(lambda *_: self._view_moved())
        self.widget.scene().sigMouseClicked.connect(self._clicked)
        self.restyle(self.style)

    # --- the problem -----------------------------------------------------------------------------
    def set_surface(self, info, view=None) -> None:
        """A surface's window (`view`, default the surface's own) and its marked critical points; the
        field follows with `show_field` when the session has computed it."""
        self.kind, self.info, self.field, self.boundary = "surface", info, None, None
        self.readout.hide()  # it described the old problem
        self.data_points.setData([], [])
        self.curve_line.setData([], [])
        self.image.clear()
        self.title = "Trajectory"
        self.widget.setTitle(self.title, color=self.style.foreground, size=f"{self.style.points(11):.1f}pt")
        self.view = xmin, xmax, ymin, ymax = tuple(view or info.view)
        for kind, marker in self.markers.items():
            points = [(x, y) for x, y, k in info.stationary if k == kind]
            marker.setData([p[0] for p in points], [p[1] for p in points])
        self._set_labels("x", "y")
        self._show_marker_key()
        self.box.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0)
        self._field_asked = None  # a new problem: ask again even for the same window
        self._field_timer.start(0)

    def show_field(self, field) -> None:
        """The session's loss field for (a part of) the window: a colour ramp with iso-lines."""
        if self.kind != "surface":
            return
        self.field = field
        self.field_levels = levels = shading.field_levels(field.values)
        self.image.setImage(shading.field_rgba(field.values, levels, self._lut), autoLevels=False, levels=(0, 255))
        xmin, xmax, ymin, ymax = field.view
        self.image.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))
        self.colorbar.setLevels((levels.low, levels.high))
        self.colorbar.axis.setTicks([levels.ticks()])
        self.colorbar.setVisible(True)
        self._show_marker_key()  # it names the colour scale too

    def set_network(self, info, view=None) -> None:
        """A network's data over `view` (default: the data with a margin), in greys and shapes by class;
        `show_boundary` then shades the plane by the selected run's output."""
        self.kind, self.info, self.field, self.boundary = "network", info, None, None
        self.readout.hide()
        for marker in self.markers.values():
            marker.setData([], [])
        self.start_marker.setData([], [])
        self.colorbar.setVisible(False)
        self.view = low_x, high_x, low_y, high_y = tuple(view or info.view)
        self._show_points()
        self.image.setImage(np.full((2, 2, 4), 255, dtype=np.uint8), autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(low_x, low_y, high_x - low_x, high_y - low_y))
        classification = info.task == "classification"
        self.title = "Decision regions (selected run)" if classification else "Model output (selected run)"
        self.widget.setTitle(self.title, color=self.style.foreground, size=f"{self.style.points(11):.1f}pt")
        self._set_labels("x₁", "x₂" if classification else "y")
        self._show_class_key()
        self.box.setRange(xRange=(low_x, high_x), yRange=(low_y, high_y), padding=0)

    def _show_points(self) -> None:
        info = self.info
        X, y = info.points, info.targets
        size = self.point_size
        if info.task == "classification":
            classes = y.astype(int) % len(shading.CLASS_SHADES)
            spots = [{"pos": (float(a), float(b)), "symbol": shading.CLASS_SYMBOLS[c], "size": size,
                      "brush": pg.mkBrush(*_grey(shading.CLASS_SHADES[c])),
                      "pen": pg.mkPen(*_grey(0.0 if shading.CLASS_SHADES[c] > 0.5 else 1.0), width=1)}
                     for (a, b), c in zip(X, classes)]
            self.data_points.setData(spots)
        else:
            self.data_points.setData(X[:, 0], y[:, 0], brush=pg.mkBrush(80, 80, 80), size=size,
                                     pen=pg.mkPen("w", width=0.8), symbol="o")

    def show_boundary(self, boundary, binary: bool) -> None:
        """The selected run's output over the plane (classification) or along x (regression)."""
        self.boundary = boundary
        if boundary.curve is None:
            rgba = shading.boundary_rgba(boundary.values, "binary" if binary else "classes")
            self.image.setImage(rgba, autoLevels=False, levels=(0, 255))
            low_x, high_x, low_y, high_y = boundary.view
            self.image.setRect(QRectF(low_x, low_y, high_x - low_x, high_y - low_y))
            self.curve_line.setData([], [])
        else:
            low_x, high_x = boundary.view[:2]
            self.curve_line.setData(np.linspace(low_x, high_x, len(boundary.curve)), boundary.curve,
                                    pen=pg.mkPen(self.style.foreground, width=2.5 * self.style.scale))

    def show_loss_slice(self, sl: dict, color: str) -> None:
        """A 2-D slice of the training loss around the weights, with the path projected onto it."""
        a, b, values = sl["a"], sl["b"], sl["loss"]
        levels = shading.field_levels(values)
        self.image.setImage(shading.field_rgba(values, levels, self._lut), autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(a[0], b[0], a[-1] - a[0], b[-1] - b[0]))
        self.data_points.setData([], [])
        self.curve_line.setData(sl["path"][:, 0], sl["path"][:, 1], pen=pg.mkPen(color, width=2))
        self.start_marker.setData([0.0], [0.0])
        self.title = "Loss around the weights (filter-normalized directions), path projected"
        self.widget.setTitle(self.title, color=self.style.foreground, size=f"{self.style.points(11):.1f}pt")
        self._set_labels("direction 1", "direction 2")
        self.box.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0)

    # --- the runs --------------------------------------------------------------------------------
    def set_runs(self, colors: list[str], labels: list[str] | None = None) -> None:
        for item in self.paths + self.heads:
            self.widget.removeItem(item)
        self._colors = list(colors)
        self._labels = list(labels or [""] * len(colors))
        self.paths, self.heads = [], []
        for color in colors:
            path = pg.PlotCurveItem(pen=pen(color, self.style.path_width), connect="finite")
            path.faded = False
            self.widget.addItem(path)
            self.paths.append(path)
            head = pg.ScatterPlotItem(size=self.style.marker_size, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(color))
            self.widget.addItem(head)
            self.heads.append(head)
        self._decimators = [Decimator() for _ in colors]
        self._drawn = [np.empty((0, 2)) for _ in colors]

    def set_label(self, index: int, text: str) -> None:
        if index < len(self._labels):
            self._labels[index] = text

    def set_start(self, x: float, y: float) -> None:
        self.start_marker.setData([x], [y])

    def set_run_path(self, index: int, xy: np.ndarray, visible: bool, faded: bool = False, epoch=0) -> None:
        """Run `index`'s path: every turning point, and a point per pixel it crosses; its head at the end
        (a cross, faint, for a run that diverged)."""
        path, head = self.paths[index], self.heads[index]
        if len(xy):
            (x0, x1), (y0, y1) = self.box.viewRange()
            pixels = (max(50, int(self.box.width())), max(50, int(self.box.height())))
            kept = self._decimators[index].path(xy, (x0, x1, y0, y1), pixels, epoch)
            shown = xy[kept]
        else:
            shown = np.empty((0, 2))
        self._drawn[index] = shown
        path.setData(shown[:, 0], shown[:, 1], connect="finite")
        if path.faded != faded:
            path.setPen(pen(self._colors[index], self.style.path_width, faded=faded))
            path.faded = faded
            head.setSymbol("x" if faded else "o")
            color = pg.mkColor(self._colors[index])
            if faded:
                color.setAlpha(max(FADED_ALPHA, 160))
            head.setBrush(pg.mkBrush(color))
            head.setPen(pg.mkPen(color if faded else "w", width=1.5))
        path.setVisible(visible)
        if len(xy):
            head.setData([xy[-1, 0]], [xy[-1, 1]])
        head.setVisible(visible and len(xy) > 0)

    # --- looks, read-out, clicks ----------------------------------------------------------------------
    def restyle(self, style: Style) -> None:
        self.style = style
        style_plot(self.widget, style, getattr(self, "title", "Trajectory"))
        self.readout.restyle(style)
        axis = self.colorbar.axis
        axis.setPen(style.foreground)
        axis.setTextPen(style.foreground)
        axis.setStyle(tickFont=style.font(8))
        axis.setWidth(round(45 * style.scale))  # pyqtgraph's 45 px: room for the ticks and label at any size
        for index, path in enumerate(self.paths):
            path.setPen(pen(self._colors[index], style.path_width, faded=path.faded))
            self.heads[index].setSize(style.marker_size)
        for marker in self.markers.values():
            marker.setSize(12 * style.scale)
        self.start_marker.setSize(16 * style.scale)
        self.point_size = 7 * style.scale
        if self.kind == "network" and self.info is not None:
            self._show_points()
        if self.kind == "network":
            self._show_class_key()
        elif self.kind == "surface":
            self._show_marker_key()

    def _set_labels(self, x: str, y: str) -> None:
        item = self.widget.getPlotItem()
        size = {"font-size": f"{self.style.points(9):.1f}pt"}
        item.setLabel("bottom", x, color=self.style.foreground, **size)
        item.setLabel("left", y, color=self.style.foreground, **size)

    def _show_marker_key(self) -> None:
        present = {k for _, _, k in (self.info.stationary if self.info is not None else ())}
        entries = [("symbol", symbol, pg.mkPen("k", width=1.5), pg.mkBrush(brush), name)
                   for kind, symbol, brush, name in MARKERS if kind in present]
        entries.append(("symbol", "star", pg.mkPen("k"), pg.mkBrush("y"), "start"))
        if self.field_levels is not None:
            entries.append(("text", "colour: f" + (" (log)" if self.field_levels.log else "")))
        self.key.set_entries(entries, self.style)

    def _show_class_key(self) -> None:
        info = self.info
        if info is None or info.task != "classification":
            self.key.set_entries([("symbol", "o", pg.mkPen("w"), pg.mkBrush(80, 80, 80), "data")], self.style)
            return
        entries = [("symbol", shading.CLASS_SYMBOLS[c], pg.mkPen(*_grey(0.0 if shading.CLASS_SHADES[c] > 0.5 else 1.0)),
                    pg.mkBrush(*_grey(shading.CLASS_SHADES[c])), f"class {c}") for c in range(max(2, info.classes))]
        self.key.set_entries(entries, self.style)

    def _view_moved(self) -> None:
        if self.kind == "surface":
            self._field_timer.start()

    def _ask_field(self) -> None:
        """Ask for the field of the window shown, at its pixel size (once per window and size)."""
        if self.kind != "surface":
            return
        (x0, x1), (y0, y1) = self.box.viewRange()
        ratio = self.widget.devicePixelRatioF()
        width, height = int(self.box.width() * ratio), int(self.box.height() * ratio)
        if width < 20 or height < 20 or not self.box.isVisible():  # not laid out, or under the 3-D view
            width, height = self._field_pixels
        self._field_pixels = (width, height)
        wanted = ((x0, x1, y0, y1), min(width, 2400), min(height, 2400))
        if wanted != self._field_asked:
            self._field_asked = wanted
            self.field_wanted.emit(*wanted)

    def _describe(self, x: float, y: float) -> str | None:
        if self.kind == "surface":
            lines = [f"x {x:.4g}   y {y:.4g}"]
            field = self.field
            if field is not None and field.view[0] <= x <= field.view[1] and field.view[2] <= y <= field.view[3]:
                i = int(np.clip(np.searchsorted(field.ys, y), 0, len(field.ys) - 1))
                j = int(np.clip(np.searchsorted(field.xs, x), 0, len(field.xs) - 1))
                lines[0] += f"   f ≈ {field.values[i, j]:.5g}"
            near = self._nearest_path_point(x, y)
            if near is not None:
                lines.append(near)
            return "\n".join(lines)
        if self.kind == "network" and self.info is not None:
            return self._describe_network(x, y)
        return None

    def _pixel_distance(self, points: np.ndarray, x: float, y: float) -> np.ndarray:
        (x0, x1), (y0, y1) = self.box.viewRange()
        sx, sy = self.box.width() / max(x1 - x0, 1e-300), self.box.height() / max(y1 - y0, 1e-300)
        return np.hypot((points[:, 0] - x) * sx, (points[:, 1] - y) * sy)

    def _nearest_path_point(self, x: float, y: float) -> str | None:
        best = None
        for label, drawn, path in zip(self._labels, self._drawn, self.paths):
            if not len(drawn) or not path.isVisible():
                continue
            distance = self._pixel_distance(drawn, x, y)
            k = int(np.argmin(distance))
            if distance[k] <= NEAR_PIXELS and (best is None or distance[k] < best[0]):
                best = (distance[k], label, drawn[k])
        if best is None:
            return None
        return f"{best[1]}: at ({best[2][0]:.4g}, {best[2][1]:.4g})"

    def _describe_network(self, x: float, y: float) -> str:
        info, boundary = self.info, self.boundary
        lines = [f"x₁ {x:.3g}   {'x₂' if info.task == 'classification' else 'y'} {y:.3g}"]
        if info.points is not None and len(info.points):
            targets = info.targets[:, 0] if info.task != "classification" else info.targets
            points = np.column_stack([info.points[:, 0], targets if info.task != "classification" else info.points[:, 1]])
            distance = self._pixel_distance(points, x, y)
            k = int(np.argmin(distance))
            if distance[k] <= NEAR_PIXELS:
                if info.task == "classification":
                    lines.append(f"point ({points[k, 0]:.3g}, {points[k, 1]:.3g}), class {int(info.targets[k])}")
                else:
                    lines.append(f"point x {points[k, 0]:.3g}, y {points[k, 1]:.3g}")
        if boundary is not None:
            low_x, high_x, low_y, high_y = boundary.view
            if boundary.curve is not None:
                j = int(np.clip(round((x - low_x) / max(high_x - low_x, 1e-300) * (len(boundary.curve) - 1)), 0,
                                len(boundary.curve) - 1))
                lines.append(f"model output {boundary.curve[j]:.4g}")
            elif low_x <= x <= high_x and low_y <= y <= high_y:
                ny, nx = boundary.values.shape
                j = int(np.clip(round((x - low_x) / max(high_x - low_x, 1e-300) * (nx - 1)), 0, nx - 1))
                i = int(np.clip(round((y - low_y) / max(high_y - low_y, 1e-300) * (ny - 1)), 0, ny - 1))
                value = float(boundary.values[i, j])
                if info.classes > 2:
                    lines.append(f"predicted class {int(value)} (probability {value - int(value):.3f})")
                else:
                    lines.append(f"predicted P(class 1) = {value:.3f}")
        return "\n".join(lines)

    def _clicked(self, event) -> None:
        if event.button() != Qt.LeftButton or self.kind != "surface":
            return
        if not self.box.sceneBoundingRect().contains(event.scenePos()):
            return
        point = self.box.mapSceneToView(event.scenePos())
        self.start_clicked.emit(point.x(), point.y())


def _grey(lightness: float) -> tuple[int, int, int]:
    level = int(round(255 * lightness))
    return level, level, level
