"""The learning-rate sweep: the selected run from its start at 50–200 values of one hyperparameter.

Two plots share the swept axis (logarithmic for a rate): the final loss above (its gap to f*,
where the surface knows f*), the steps to the tolerance below; settings that diverged are red
crosses, those that did not reach the tolerance within the steps grey circles on the budget
line. Where the session could read the Hessian at the minimum the run ends in, dashed vertical
marks show 1/λmax, 2/(λmin + λmax) and 2/λmax ("local" off the quadratic, where they hold near
the minimum only), and a dashed curve the steps that max|1 − ηλᵢ| (or the heavy ball's rate)
predicts. The run's own value is the solid line in its colour; a click picks the value under
the pointer for the run.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from .ensemble_settings import ANY_NUMBER, EnsembleView

MARK_COLOURS = {"1/λmax": "#2ca02c", "2/(λmin+λmax)": "#9467bd", "2/λmax": "#d62728"}
DIVERGED_PEN, NOT_CONVERGED_PEN = pg.mkPen("#d62728", width=2), pg.mkPen("#888", width=1.5)
PREDICTED_PEN = pg.mkPen("#1f3fbf", width=2, style=Qt.DashLine)


def points(plot, symbol, pen, brush=None, size=8, name=None):
    """A scatter that follows the plot's log axes (a PlotDataItem without a line)."""
    return plot.plot([], [], pen=None, symbol=symbol, symbolPen=pen, symbolBrush=brush, symbolSize=size, name=name)


class SweepView(EnsembleView):
    def __init__(self, controller, parent=None):
        super().__init__(controller, "sweep", "sweep", parent)
        self.settings.choice("Vary", "name", "the hyperparameter to sweep", ())
        self.settings.number("from", "low", "the smallest value", ANY_NUMBER)
        self.settings.number("to", "high", "the largest value", ANY_NUMBER)
        self.settings.whole("values", "count", "how many values (log-spaced for a rate)")
        self.settings.budget()
        self.settings.used = self._used

        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setObjectName("sweepPlot")
        self.widget.setAccessibleName("Learning-rate sweep: final loss and steps to tolerance against the rate")
        self.loss_plot = self.widget.addPlot(row=0, col=0, title="Final loss")
        self.steps_plot = self.widget.addPlot(row=1, col=0, title="Steps to tolerance")
        self.steps_plot.setXLink(self.loss_plot)
        self.loss_plot.setLogMode(y=True)
        for plot in (self.loss_plot, self.steps_plot):
            for axis in ("left", "bottom"):
                plot.getAxis(axis).enableAutoSIPrefix(False)
            plot.showGrid(x=True, y=True, alpha=0.15)
        self.loss_plot.addLegend(offset=(10, -10), labelTextSize="8pt", brush=pg.mkBrush(255, 255, 255, 190))
        self.steps_plot.addLegend(offset=(10, -10), labelTextSize="8pt", brush=pg.mkBrush(255, 255, 255, 190))
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("k", width=1.5), symbol="o", symbolSize=4,
                                              symbolBrush="k", name="measured")
        self.loss_diverged = points(self.loss_plot, "x", DIVERGED_PEN, name="diverged")
        self.steps_curve = self.steps_plot.plot([], [], pen=pg.mkPen("k", width=1.5), symbol="o", symbolSize=4,
                                                symbolBrush="k", name="measured")
        self.predicted = self.steps_plot.plot([], [], pen=PREDICTED_PEN, name="predicted from the Hessian")
        self.steps_missed = points(self.steps_plot, "o", NOT_CONVERGED_PEN, name="not within the steps")
        self.steps_diverged = points(self.steps_plot, "x", DIVERGED_PEN, name="diverged")
        self.marks: list[pg.InfiniteLine] = []
        self.run_lines = [pg.InfiniteLine(angle=90, movable=False) for _ in range(2)]
        self.run_key = self.loss_plot.plot([], [], name="the selected run's value")
        for plot, line in zip((self.loss_plot, self.steps_plot), self.run_lines):
            plot.addItem(line, ignoreBounds=True)
        self.place(self.widget, self.steps_plot)

    def plots(self) -> list:
        return [(self.widget, self.loss_plot), (self.widget, self.steps_plot)]

    # --- what the model says ----------------------------------------------------------------------------
    def _used(self) -> dict:
        asked = self.ensembles.asked("sweep")
        if asked is None:
            return {}
        (name, values), = asked.vary.items()
        return {"name": name, "low": values[0], "high": values[-1]}

    def _x(self, value: float, log: bool) -> float:
        return math.log10(value) if log and value > 0 else value

    def show_result(self) -> None:
        result = self.ensembles.results["sweep"]
        if result is None:
            return
        (name,) = result.names
        values = result.values[name]
        log = self.log_scale(name)
        for plot in (self.loss_plot, self.steps_plot):
            plot.setLogMode(x=log, y=plot is self.loss_plot)
            plot.setLabel("bottom", name)
        done = np.arange(len(values)) < result.rows_done
        gap = result.final_loss - (result.f_star or 0.0)
        shown = done & ~result.diverged & np.isfinite(gap) & (gap > 0)
        self.loss_curve.setData(values, np.where(shown, gap, np.nan), connect="finite")
        top = float(np.nanmax(gap[shown])) if shown.any() else 1.0
        diverged = done & result.diverged
        self.loss_diverged.setData(values[diverged], np.full(diverged.sum(), top))
        steps = result.steps_to_tol.astype(float)
        reached = done & (steps >= 0)
        missed = done & (steps < 0) & ~result.diverged
        self.steps_curve.setData(values, np.where(reached, steps, np.nan), connect="finite")
        self.steps_missed.setData(values[missed], np.full(missed.sum(), float(result.steps)))
        self.steps_diverged.setData(values[diverged], np.full(diverged.sum(), float(result.steps)))
        self.loss_plot.setLabel("left", "final loss − f*" if result.f_star is not None else "final loss")
        self.steps_plot.setLabel("left", f"steps until {result.criterion}")
        self.steps_plot.setYRange(0, 1.08 * result.steps, padding=0)
        self._show_theory(result, log)
        self.loss_plot.setTitle(f"Final loss after {result.steps} steps — {self.asked_settings()}")
        self.show_run()

    def _show_theory(self, result, log: bool) -> None:
        for item in self.marks:
            if isinstance(item, pg.InfiniteLine):
                item.getViewBox() and item.getViewBox().removeItem(item)
            else:
                self.steps_plot.legend.removeItem(item)
        self.marks = []
        theory = result.theory
        values = result.values[result.names[0]]
        if theory is None or result.names[0] != "lr":
            self.predicted.setData([], [])
            self.steps_plot.setTitle("Steps to tolerance" + ("" if result.names[0] == "lr" else
                                                             " (the theory's marks are for the learning rate)"))
            return
        where = "local: the Hessian at " if theory.local else "exact: the quadratic's Hessian, minimum "
        self.steps_plot.setTitle(f"Steps to tolerance — theory {where}({theory.minimum[0]:.3g}, "
                                 f"{theory.minimum[1]:.3g}), λ = {', '.join(f'{v:.3g}' for v in theory.eigenvalues)}")
        legend = self.steps_plot.legend
        for label, value in theory.marks.items():
            pen = pg.mkPen(MARK_COLOURS[label], width=1.5, style=Qt.DashLine)
            for plot in (self.loss_plot, self.steps_plot):
                line = pg.InfiniteLine(self._x(value, log), angle=90, movable=False, pen=pen,
                                       label=label if plot is self.loss_plot else None,
                                       labelOpts={"position": 0.2 + 0.3 * list(theory.marks).index(label),
                                                  "color": MARK_COLOURS[label], "fill": (255, 255, 255, 210),
                                                  "rotateAxis": (1, 0)})
                plot.addItem(line, ignoreBounds=True)
                self.marks.append(line)
            key = pg.PlotDataItem([], [], pen=pen)  # the mark's value in the legend
            legend.addItem(key, f"{label} = {value:.4g}" + (" (local)" if theory.local else ""))
            self.marks.append(key)
        if theory.predicted_steps is not None:
            # beyond twice the budget the prediction would only squash the measured points
            predicted = np.where(theory.predicted_steps <= 2 * result.steps, theory.predicted_steps, np.nan)
            self.predicted.setData(values, predicted, connect="finite")
        else:
            self.predicted.setData([], [])

    def show_run(self) -> None:
        result = self.ensembles.results["sweep"]
        if result is None or not self.model.experiment.runs:
            return
        name = result.names[0]
        run = self.model.experiment.runs[self.model.selected]
        value = self.model.hparams(self.model.selected).get(name)
        log = self.log_scale(name)
        pen = pg.mkPen(run.color, width=2.5)
        self.run_key.setPen(pen)
        for line in self.run_lines:
            line.setVisible(value is not None)
            if value is not None:
                line.setPen(pen)
                line.setValue(self._x(value, log))
        self.settings.set_items(self.settings.editors["name"], [(n, n) for n in self.ensembles.sweep_names()], name)

    # --- what the user does -----------------------------------------------------------------------------
    def _nearest(self, position):
        """(index, plot) of the swept value under a scene position, or (None, None)."""
        result = self.ensembles.results["sweep"]
        if result is None:
            return None, None
        for plot in (self.loss_plot, self.steps_plot):
            box = plot.getViewBox()
            if box.sceneBoundingRect().contains(position):
                x = box.mapSceneToView(position).x()
                values = result.values[result.names[0]]
                axis = np.log10(values) if self.log_scale(result.names[0]) and np.all(values > 0) else values
                return int(np.argmin(np.abs(axis - x))), plot
        return None, None

    def hover(self, position) -> None:
        index, plot = self._nearest(position)
        result = self.ensembles.results["sweep"]
        if index is None or index >= result.rows_done:
            self.readout.setVisible(False)
            return
        name = result.names[0]
        value = result.values[name][index]
        if result.diverged[index]:
            text = f"diverged at step {int(result.diverged_at[index])}"
        else:
            steps = int(result.steps_to_tol[index])
            text = f"final loss {result.final_loss[index]:.4g}, " + (f"{steps} steps" if steps >= 0 else
                                                                     "not within the steps")
            theory = result.theory
            if theory is not None and theory.predicted_steps is not None:
                predicted = theory.predicted_steps[index]
                text += f" (predicted {predicted:.0f})" if np.isfinite(predicted) else " (predicted: never)"
        self.readout.setText(f"{name} = {value:.4g}: {text}\nclick: use {name} = {value:.4g} for the run")
        box = self.steps_plot.getViewBox()
        point = box.mapSceneToView(position)
        (x0, x1), (y0, y1) = box.viewRange()
        self.readout.setPos(min(point.x(), x0 + 0.55 * (x1 - x0)), y0 + 0.05 * (y1 - y0))
        self.readout.setVisible(True)

    def clicked(self, event) -> None:
        index, _ = self._nearest(event.scenePos())
        result = self.ensembles.results["sweep"]
        if index is not None and index < result.rows_done:
            name = result.names[0]
            self.model.set_hparam(self.model.selected, name, float(result.values[name][index]))
