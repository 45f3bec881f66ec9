"""Theory on quadratics, drawn over the ordinary panels: eigen-directions, predicted envelopes, rates.

On a quadratic surface (the session sends its Hessian with the problem, `info.quadratic`) this
overlay adds its own items to the trajectory and loss panels, without the panels knowing:

- on the contours, the two eigen-directions through the minimum, labelled with their curvature;
- on the loss panel, for each run of gradient descent, the heavy ball or Nesterov (constant
  rate, no clipping, no noise), the predicted envelope f* + (f₀ − f*)·ρ²ᵏ as a dashed line in
  the run's colour (ρ = max|1 − ηλᵢ|, or the momentum methods' spectral radius);
- in the loss panel's corner, each such run's measured rate per step beside the predicted ρ.

In the free simulator all of it is drawn (View ▸ Theory on quadratics turns it off); a lesson
step draws what its scene's `theory` lists (`model.display["theory"]`: "eigen_directions",
"gd_envelope", "heavy_ball_envelope", "nesterov_envelope"), nothing if it lists none. While a
lesson's question waits (`model.numbers_held`) the predictions are the answer: the envelopes and
the predicted ρ stay hidden until it is revealed, and only the measured rate is printed. Nothing is
printed before a run has taken a step (a rate needs two losses).

The overlay attaches through `plot_area.panel_widget(name)` and draws in the loss panel's own
y coordinates (its `scale.transform` where the panel has one, else pyqtgraph's log axis).
"""
from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer

from ..app.quadratic_theory import Prediction, envelope, measured_rate, predict

THEORIES = ("eigen_directions", "gd_envelope", "heavy_ball_envelope", "nesterov_envelope")  # as lessons name them
ENVELOPE_POINTS = 200
REDRAW_MS = 100  # while playing, the overlay follows the runs at most ten times a second


class TheoryOverlay(QObject):
    def __init__(self, controller, plot_area, parent=None):
        super().__init__(parent)
        self.controller, self.model, self.plot_area = controller, controller.model, plot_area
        self.enabled = True
        self.trajectory = plot_area.panel_widget("trajectoryPlot")
        self.loss = plot_area.panel_widget("lossPlot")
        self.directions: list[pg.InfiniteLine] = []
        self.envelopes: list[pg.PlotDataItem] = []
        self.rates = pg.TextItem(anchor=(1, 0), color=(20, 20, 20), fill=pg.mkBrush(255, 255, 255, 215))
        box = self.loss.getPlotItem().vb
        self.rates.setParentItem(box)  # the box's pixel coordinates: stays in its upper right corner,
        box.sigResized.connect(lambda *_: self.rates.setPos(box.width() - 4, 4))  # where falling losses leave room
        self.rates.setVisible(False)
        self._font_points = 8.0  # the corner's text, scaled with the app's text (Ctrl +)
        self.rate_lines: list[str] = []  # what the corner says, one line per run (for tests and read-outs)
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        controller.configured.connect(self._new_problem)
        for signal in (controller.rows_changed, controller.shown_changed, controller.run_changed,
                       controller.experiment_changed, controller.selection_changed):
            signal.connect(self.schedule)
        controller.model.revealed.connect(self.schedule)

    def restyle(self, style) -> None:
        self.rates.setColor(style.foreground)
        self.rates.fill = pg.mkBrush(*style.readout_fill)
        self._font_points = style.points(8.0)
        self.redraw()

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self._new_problem()

    @property
    def wanted(self) -> set[str]:
        """What to draw: a lesson scene's choice, else everything."""
        chosen = getattr(self.model, "display", {}).get("theory")
        return set(THEORIES) if chosen is None else set(chosen)

    @property
    def quadratic(self):
        info = self.model.info
        return info.quadratic if self.enabled and info is not None and info.kind == "surface" else None

    def schedule(self, *_) -> None:
        if not self._timer.isActive():
            self._timer.start()

    # --- the contours: eigen-directions -------------------------------------------------------------------
    def _new_problem(self) -> None:
        for line in self.directions:
            self.trajectory.removeItem(line)
        self.directions = []
        quadratic = self.quadratic
        if quadratic is not None and "eigen_directions" in self.wanted:
            low, high = quadratic.eigenvalues[0], quadratic.eigenvalues[-1]
            for lam, (vx, vy) in zip(quadratic.eigenvalues, quadratic.eigenvectors):
                vx, vy = (vx, vy) if vx > 0 or (vx == 0 and vy > 0) else (-vx, -vy)  # labels on the right
                which = "flattest" if lam == low and low != high else "steepest" if lam == high and low != high else ""
                text = f"λ = {lam:.3g}" + (f", {which}" if which else "")
                line = pg.InfiniteLine(pos=quadratic.minimum, angle=math.degrees(math.atan2(vy, vx)), movable=False,
                                       pen=pg.mkPen((255, 255, 255, 200), width=1.5, style=Qt.DashLine),
                                       label=text, labelOpts={"position": 0.72, "color": (255, 255, 255),
                                                              "fill": (0, 0, 0, 120)})
                self.trajectory.addItem(line, ignoreBounds=True)
                self.directions.append(line)
        self.redraw()

    # --- the loss panel: envelopes and rates ----------------------------------------------------------------
    def _to_drawn(self, values: np.ndarray) -> np.ndarray:
        """Loss values in the loss panel's y coordinates (its scale's; below a log scale's floor the
        envelope is not drawn, rather than drawn flat along the floor)."""
        scale = getattr(self.plot_area.loss_panel, "scale", None)
        if not hasattr(scale, "transform"):
            return values
        drawn = scale.transform(values)
        if getattr(scale, "logarithmic", False):
            drawn = np.where(values - scale.offset > scale.floor, drawn, np.nan)
        return drawn

    def redraw(self) -> None:
        quadratic = self.quadratic
        runs = self.model.experiment.runs
        while len(self.envelopes) < len(runs):
            curve = pg.PlotDataItem([], [])
            self.loss.addItem(curve)
            self.envelopes.append(curve)
        if quadratic is None and not self.rate_lines and not self.rates.isVisible():
            return  # nothing drawn, nothing to draw
        for curve in self.envelopes:
            curve.setData([], [])
        self.rate_lines = []
        if quadratic is None or not self.model.ready:
            self.rates.setVisible(False)
            return
        e = self.model.experiment
        shown = self.model.shown_step()
        held = self.model.numbers_held  # a question waits: the predictions would answer it
        lines = []
        for i, (run, history) in enumerate(zip(runs, self.model.histories)):
            if not run.visible or history.count == 0:
                continue
            hparams = self.model.hparams(i, 0)
            prediction = predict(quadratic, run.optimizer, hparams, schedule=e.schedule, clip=e.clip,
                                 grad_noise=e.grad_noise)
            if not isinstance(prediction, Prediction) or prediction.theory not in self.wanted:
                continue
            if e.changes and any(c["run"] == i for c in e.changes):
                continue  # a live change in the run's history: one rate no longer describes it
            end = history.index_at(shown) + 1
            loss, run_steps = history.get("loss")[:end], history.get("step")[:end]
            last = int(run_steps[-1])
            if last < 1:
                continue  # at the start: no measured rate yet, and a prediction alone would be the answer
            measured = measured_rate(run_steps, loss, quadratic.f_star)
            measured_text = f"{measured:.4f}" if math.isfinite(measured) else "—"
            if held:
                line = f"ρ measured {measured_text}"
                self.rate_lines.append(f"{self.model.label(i)}: {line}")
            else:
                steps = np.unique(np.linspace(0, max(last, 1), ENVELOPE_POINTS).round())
                values = envelope(prediction.rate, float(loss[0]) - quadratic.f_star, quadratic.f_star, steps)
                self.envelopes[i].setData(steps, self._to_drawn(values), connect="finite",
                                          pen=pg.mkPen(run.color, width=1.5, style=Qt.DashLine))
                line = f"ρ measured {measured_text}, predicted {prediction.rate:.4f}"
                self.rate_lines.append(f"{self.model.label(i)}: {line} ({prediction.method}: {prediction.formula})")
            lines.append(f"<span style='color:{run.color}'>━━</span> {html.escape(line)}")
        show = bool(lines)
        if show:
            key = ("per step; the prediction is shown with the answer" if held
                   else "per step; dashed: f* + (f₀ − f*)·ρ²ᵏ")
            self.rates.setHtml(f"<div style='font-size:{self._font_points:.1f}pt'>" + "<br>".join(lines) +
                               f"<br>{key}</div>")
            box = self.loss.getPlotItem().vb
            self.rates.setPos(box.width() - 4, 4)
        self.rates.setVisible(show)
