"""A plot of one quantity against the step: a curve per run (or several, told apart by line style and
named in a key under the plot), a cursor at the step on screen, and a hover read-out.

What is drawn is decimated by the view (the lowest and highest value of every pixel column are kept,
and every step once a column holds few enough), on a scale chosen from the data (`gradsim.app.scales`).
The axes move in round steps rather than every frame: a plot whose axes stand still repaints
several times faster in software rendering. Pan or zoom with the mouse and the plot stays where you
put it; the "A" button in its corner makes it follow the runs again.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontMetricsF

from ..app import scales
from ..app.decimate import Decimator
from ..app.series import Part
from .plot_items import Key, Readout, pen, plot_widget, style_plot
from .theme import Style

FIRST_STEPS = 10  # a time axis shows at least steps 0..FIRST_STEPS
NICE = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) ≥ value."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in NICE if m * power >= value * (1 - 1e-12))


@dataclass
class RunData:
    """One run's rows for a panel: steps, one array per part, and how to show them."""
    steps: np.ndarray
    values: list
    visible: bool = True
    faded: bool = False       # diverged: drawn faint
    epoch: object = 0         # changes when old rows were rewritten (the decimation starts again)
    diverged_at: int | None = None


@dataclass
class _Run:
    label: str
    color: str
    curves: list
    decimators: list
    data: RunData | None = None
    signatures: list = field(default_factory=list)


class ScaleAxis(pg.AxisItem):
    """A y axis labelled in data values for the panel's scale (log, loss − f*, symmetric log, linear)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_scale = scales.Scale("linear")
        self._labels: dict[float, str] = {}
        self.enableAutoSIPrefix(False)

    def set_scale(self, scale: scales.Scale) -> None:
        if scale.mode != self.loss_scale.mode or scale.linear_width != self.loss_scale.linear_width:
            self.logMode = scale.logarithmic
            self.picture = None
            self.update()
        self.loss_scale = scale

    def tickValues(self, low, high, size):
        if self.loss_scale.mode == "symlog":
            ticks = self.loss_scale.ticks(low, high)
            self._labels = {round(position, 9): text for position, text in ticks}
            return [(1.0, [position for position, _ in ticks])]
        if self.loss_scale.logarithmic:  # labels that never crowd (pyqtgraph labels every minor tick)
            font = self.style.get("tickFont") or self.font()
            ticks, minor = scales.log_ticks(low, high, size, QFontMetricsF(font).height())
            self._labels = {round(position, 9): text for position, text in ticks}
            return [(1.0, [position for position, _ in ticks]), (None, minor)]
        return super().tickValues(low, high, size)

    def tickStrings(self, values, scale, spacing):
        if self.loss_scale.mode == "symlog" or self.loss_scale.logarithmic:
            return [self._labels.get(round(v, 9), "") for v in values]
        return super().tickStrings(values, scale, spacing)


class TimeSeriesPanel(QObject):
    range_moved = Signal()  # the user panned or zoomed: the panel needs drawing for the new window

    def __init__(self, name: str, kind: str, title: str, quantity: str, scale_mode: str = "auto"):
        super().__init__()
        self.kind, self.title, self.quantity = kind, title, quantity
        self.widget = plot_widget(axisItems={"left": ScaleAxis("left")})
        self.widget.setObjectName(name)
        self.widget.setAccessibleName(title)
        item = self.widget.getPlotItem()
        self.box = item.vb
        item.setLabel("bottom", "step")
        item.getAxis("bottom").enableAutoSIPrefix(False)
        self.axis: ScaleAxis = item.getAxis("left")
        self.box.disableAutoRange()
        self.box.setMouseEnabled(x=True, y=True)
        self.box.sigRangeChangedManually.connect(self._moved_by_user)
        item.autoBtn.clicked.connect(self.follow)
        self.following = True
        self.mode = scale_mode
        self.scale = scales.Scale("linear")
        self.cursor = pg.InfiniteLine(angle=90, movable=False)
        self.widget.addItem(self.cursor, ignoreBounds=True)
        self.threshold_line = pg.InfiniteLine(angle=0, movable=False)
        self.threshold_line.setZValue(10)  # above the curves: the clipped norms lie on it, and must not hide it
        self.threshold_line.setVisible(False)
        self.widget.addItem(self.threshold_line, ignoreBounds=True)
        self.threshold: float | None = None
        self.key = Key()
        item.layout.addItem(self.key, 4, 0, 1, 4)  # under the axis too: the whole width for its lines
        self.readout = Readout(self.widget, self._describe)
        self.runs: list[_Run] = []
        self.parts: list[Part] = [Part("", "solid")]
        self.style = Style()
        self._x_range = (0.0, float(FIRST_STEPS))
        self._y_range = (0.0, 1.0)
        self._label = ""
        self._floor_note = ""
        self.box.setRange(xRange=self._x_range, yRange=self._y_range, padding=0)
        self.restyle(self.style)

    # --- what is shown --------------------------------------------------------------------------
    def set_runs(self, labels: list[str], colors: list[str], parts: list[Part]) -> None:
        """One curve per run and part; the panel starts again from step 0."""
        self.readout.hide()  # it described the old runs
        for run in self.runs:
            for curve in run.curves:
                self.widget.removeItem(curve)
        self.parts = list(parts) or [Part("", "solid")]
        self.runs = []
        for label, color in zip(labels, colors):
            curves = []
            for part in self.parts:
                curve = pg.PlotCurveItem(pen=pen(color, self.style.line_width, part.style), connect="finite")
                self.widget.addItem(curve)
                curves.append(curve)
            self.runs.append(_Run(label, color, curves, [Decimator() for _ in self.parts],
                                  signatures=[None] * len(self.parts)))
        self.following = True
        self._x_range, self._y_range = (0.0, float(FIRST_STEPS)), (0.0, 1.0)
        self.box.setRange(xRange=self._x_range, yRange=self._y_range, padding=0)
        self._show_key()

    def set_label(self, index: int, text: str) -> None:
        if index < len(self.runs):
            self.runs[index].label = text

    def set_threshold(self, value: float | None) -> None:
        self.threshold = value
        self.threshold_line.setVisible(value is not None)
        if value is not None:
            self.threshold_line.label = None
        self._show_key()

    def set_scale_mode(self, mode: str) -> None:
        if mode not in scales.MODES:
            raise ValueError(f"a scale is one of {', '.join(scales.MODES)}, not {mode!r}")
        self.mode = mode
        self.follow()

    def follow(self) -> None:
        """Follow the runs again (after the user panned or zoomed)."""
        self.box.disableAutoRange()
        self.following = True
        self._x_range = (0.0, 0.0)  # set again at the next frame
        self.range_moved.emit()

    def _moved_by_user(self, *_) -> None:
        self.following = False
        self.range_moved.emit()

    # --- drawing ---------------------------------------------------------------------------------
    def draw(self, shown: int, data: list[RunData], known_minimum: float | None = None) -> None:
        """Every run's curves up to the step `shown` (the rows are cut there already)."""
        columns = max(50, int(self.box.width()))
        newest = max((int(d.steps[-1]) for d in data if d is not None and len(d.steps)), default=0)
        if self.following:  # a little room left of step 0, so that the first point is not on the axis
            x1 = nice_ceiling(max(newest, FIRST_STEPS))
            x0 = -0.01 * x1
        else:
            x0, x1 = self.box.viewRange()[0]
        low, high = math.inf, -math.inf
        kept = []
        for run, rows in zip(self.runs, data):
            run.data = rows
            if rows is None:
                kept.append(None)
                continue
            pieces = []
            for j, (values, decimator) in enumerate(zip(rows.values, run.decimators)):
                indices = decimator.envelope(rows.steps, values, x0, x1, columns, rows.epoch)
                shown_values = values[indices]
                if rows.visible and len(indices):
                    finite = shown_values[np.isfinite(shown_values)]
                    if len(finite):
                        low, high = min(low, float(finite.min())), max(high, float(finite.max()))
                pieces.append((indices, shown_values))
            kept.append(pieces)
        if self.threshold is not None:
            low, high = min(low, self.threshold), max(high, self.threshold)
        self.scale = scales.choose(self.mode, low, high, known_minimum)
        self.axis.set_scale(self.scale)
        if self.scale.floor_note(self.quantity) != self._floor_note:
            self._show_key()
        for run, rows, pieces in zip(self.runs, data, kept):
            for j, curve in enumerate(run.curves):
                if rows is None or pieces is None or j >= len(pieces):
                    curve.setData([], [])
                    continue
                indices, shown_values = pieces[j]
                signature = (rows.epoch, len(indices), int(indices[-1]) if len(indices) else -1, self.scale,
                             x0, x1, columns)
                if signature != run.signatures[j]:
                    curve.setData(rows.steps[indices].astype(float), self.scale.transform(shown_values),
                                  connect="finite")
                    run.signatures[j] = signature
                self._show_curve(run, j, rows)
        self._set_axes(x0, x1, low, high)
        self.cursor.setValue(shown)
        if self.threshold is not None:
            self.threshold_line.setValue(float(self.scale.transform(np.array([self.threshold]))[0]))

    def _show_curve(self, run: _Run, j: int, rows: RunData) -> None:
        curve = run.curves[j]
        curve.setVisible(rows.visible)
        faded = rows.faded
        if getattr(curve, "faded", None) != faded:
            curve.setPen(pen(run.color, self.style.line_width, self.parts[j].style, faded))
            curve.faded = faded

    def _set_axes(self, x0: float, x1: float, low: float, high: float) -> None:
        label = self.scale.label(self.quantity)
        if label != self._label:
            self._label = label
            self.widget.getPlotItem().setLabel("left", label, color=self.style.foreground,
                                               **{"font-size": f"{self.style.points(9):.1f}pt"})
        if not self.following:
            return
        if math.isfinite(low) and math.isfinite(high):
            y_range = _stable_range(self._y_range, *(float(v) for v in self.scale.transform(np.array([low, high]))))
        else:
            y_range = self._y_range
        if (x0, x1) != self._x_range or y_range != self._y_range:
            self._x_range, self._y_range = (x0, x1), y_range
            self.box.setRange(xRange=(x0, x1), yRange=y_range, padding=0)

    # --- looks and read-out -------------------------------------------------------------------------
    def restyle(self, style: Style) -> None:
        self.style = style
        style_plot(self.widget, style, self.title)
        self.cursor.setPen(pg.mkPen(style.muted, width=max(1.0, style.scale), style=Qt.DashLine))
        self.threshold_line.setPen(pg.mkPen(style.error, width=max(1.0, style.scale), style=Qt.DashLine))
        self.readout.restyle(style)
        self._label = ""
        for run in self.runs:
            for j, curve in enumerate(run.curves):
                curve.setPen(pen(run.color, style.line_width, self.parts[j].style, getattr(curve, "faded", False)))
        self._show_key()

    def _show_key(self) -> None:
        entries = [("line", pen(self.style.foreground, self.style.line_width, part.style), part.name)
                   for part in self.parts if len(self.parts) > 1]
        if self.threshold is not None:
            entries.append(("line", pen(self.style.error, max(1.0, self.style.scale), "dash"),
                            f"clipping threshold {self.threshold:g}"))
        self._floor_note = self.scale.floor_note(self.quantity)
        if self._floor_note:  # where values too small for the axis are (its label stays short)
            entries.append(("text", self._floor_note))
        self.key.set_entries(entries, self.style)

    def _describe(self, x: float, y: float) -> str | None:
        step = int(round(x))
        lines = [f"step {step}"]
        for run in self.runs:
            rows = run.data
            if rows is None or not rows.visible or not len(rows.steps):
                continue
            if step < rows.steps[0]:
                continue
            i = max(0, int(np.searchsorted(rows.steps, step, side="right")) - 1)
            at = int(rows.steps[i])
            values = ", ".join(f"{part.name} {_format(v[i])}".strip() for part, v in zip(self.parts, rows.values))
            note = f" (step {at})" if at != step else ""
            if rows.diverged_at is not None and step >= rows.diverged_at:
                note = f" (diverged at step {rows.diverged_at})"
            lines.append(f"{run.label}: {values}{note}")
        return "\n".join(lines) if len(lines) > 1 else None


def _stable_range(current: tuple[float, float], low: float, high: float) -> tuple[float, float]:
    """The y range to show values in [low, high]: the current one while it holds them without wasting
    more than half of itself, else a new one with room to grow (so the axis seldom changes)."""
    span = high - low
    if span <= 0:
        span = max(abs(high), 1.0) * 0.1
    a, b = current
    if a <= low and high <= b and span >= 0.5 * (b - a):
        return current
    return (low - 0.15 * span, high + 0.15 * span)


def _format(value) -> str:
    value = float(value)
    if not math.isfinite(value):
        return "—"
    return f"{value:.4g}"
