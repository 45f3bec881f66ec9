"""The phase diagram: the selected run from its start on a grid of two of its hyperparameters.

Each cell is one setting, coloured by the steps it needed to reach the tolerance (or by its
final loss); near-black cells diverged, grey ones did not converge within the steps. With the
learning rate and the momentum of the heavy ball (the `momentum` optimizer), the theory from the
Hessian at the minimum is drawn over it (Goh, "Why momentum really works", Distill 2017): the
boundary of the region where it converges, η = 2(1 + β)/λmax, and the critical damping curves
β = (1 − √(ηλ))² for each eigenvalue (above a curve the error along that direction oscillates,
below it creeps). The run's own setting is the star; a click gives the run the setting under
the pointer.
"""
from __future__ import annotations


import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ..render import DIVERGED, NOT_CONVERGED
from .ensemble_settings import ANY_NUMBER, EnsembleView

COLOUR_TITLES = (("steps to tolerance", "steps"), ("final loss", "loss"))
BOUNDARY_PEN = pg.mkPen("#ff2d2d", width=3)
DAMPING_PENS = [pg.mkPen("w", width=2, style=Qt.DashLine), pg.mkPen("#ffd54f", width=2, style=Qt.DashLine)]
CMAP = pg.colormap.get("viridis")


def phase_rgba(result, colour: str) -> tuple[np.ndarray, tuple[float, float], str]:
    """(nx, ny, 4) uint8 colours of the grid (first name along x), the levels the ramp spans, and
    what it shows. Cells not computed yet are transparent."""
    shape = result.final_loss.shape
    done = (np.arange(shape[0]) < result.rows_done)[:, None] & np.ones(shape, dtype=bool)
    if colour == "steps":
        values = result.steps_to_tol.astype(float)
        good = done & (values >= 0)
        levels, label = (0.0, float(max(1, result.steps))), "steps to tolerance"
    else:
        gap = result.final_loss - (result.f_star or 0.0)
        good = done & ~result.diverged & np.isfinite(gap) & (gap > 0)
        values = np.log10(np.where(good, gap, 1.0))
        low, high = (float(values[good].min()), float(values[good].max())) if good.any() else (0.0, 1.0)
        levels, label = (low, max(high, low + 1e-9)), "log10 final loss − f*" if result.f_star is not None else \
            "log10 final loss"
    t = np.clip((values - levels[0]) / (levels[1] - levels[0]), 0.0, 1.0)
    rgba = CMAP.map(t.ravel(), mode="byte").reshape(*shape, 4)
    rgba[done & ~good] = (*NOT_CONVERGED, 255)
    rgba[done & result.diverged] = (*DIVERGED, 255)
    rgba[~done] = 0
    return rgba, levels, label


class PhaseView(EnsembleView):
    def __init__(self, controller, parent=None):
        super().__init__(controller, "phase", "phase", parent)
        self.settings.choice("x", "x", "the hyperparameter along x", ())
        self.settings.number("", "x_low", "the smallest x", ANY_NUMBER)
        self.settings.number("–", "x_high", "the largest x", ANY_NUMBER)
        self.settings.choice("y", "y", "the hyperparameter along y", ())
        self.settings.number("", "y_low", "the smallest y", ANY_NUMBER)
        self.settings.number("–", "y_high", "the largest y", ANY_NUMBER)
        self.settings.whole("grid", "nx", "values along x")
        self.settings.whole("×", "ny", "values along y")
        self.settings.budget()
        self.settings.choice("colour", "colour", "what the colours show", COLOUR_TITLES)
        self.settings.used = self._used

        self.widget = pg.PlotWidget(title="Phase diagram (selected run)")
        self.widget.setObjectName("phasePlot")
        self.widget.setAccessibleName("Phase diagram: steps to tolerance over two hyperparameters")
        for axis in ("left", "bottom"):
            self.widget.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.image = pg.ImageItem()
        self.widget.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=CMAP, interactive=False, width=14)
        self.bar.setImageItem(self.image, insert_in=self.widget.getPlotItem())
        legend = self.widget.addLegend(offset=(-10, 10), labelTextSize="8pt", brush=pg.mkBrush(255, 255, 255, 200))
        self.boundary = self.widget.plot([], [], pen=BOUNDARY_PEN, name="converges left of this: η = 2(1 + β)/λmax")
        self.damping = [self.widget.plot([], [], pen=pen) for pen in DAMPING_PENS]
        self.run_marker = pg.ScatterPlotItem(symbol="star", size=18, pen=pg.mkPen("k"), brush=pg.mkBrush("w"))
        self.widget.addItem(self.run_marker)
        self.legend = legend
        self.place(self.widget, self.widget)

    # --- what the model says ----------------------------------------------------------------------------
    def _used(self) -> dict:
        asked = self.ensembles.asked("phase")
        if asked is None:
            return {}
        (x, xs), (y, ys) = asked.vary.items()
        return {"x": x, "y": y, "x_low": xs[0], "x_high": xs[-1], "y_low": ys[0], "y_high": ys[-1]}

    def _axis(self, name: str, values) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        return np.log10(values) if self.log_scale(name) and np.all(values > 0) else values

    def show_result(self) -> None:
        result = self.ensembles.results["phase"]
        if result is None:
            return
        x, y = result.names
        xs, ys = self._axis(x, result.values[x]), self._axis(y, result.values[y])
        self.widget.setLogMode(x=self.log_scale(x), y=self.log_scale(y))
        rgba, levels, label = phase_rgba(result, self.ensembles.settings["phase"].colour)
        self.image.setImage(rgba, autoLevels=False, levels=(0, 255))
        # cell centres at the grid's values: the image spans half a cell beyond the first and last
        dx = (xs[-1] - xs[0]) / max(1, len(xs) - 1) if len(xs) > 1 else 1.0
        dy = (ys[-1] - ys[0]) / max(1, len(ys) - 1) if len(ys) > 1 else 1.0
        self.image.setRect(pg.QtCore.QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        self.bar.setLevels(levels)
        self.bar.axis.setLabel(f"{label} (black: diverged, grey: not converged)")
        self.widget.setLabel("bottom", x)
        self.widget.setLabel("left", y)
        self.widget.setTitle(f"{result.steps} steps — {self.asked_settings()}")
        self._show_theory(result)
        self.show_run()

    def _show_theory(self, result) -> None:
        theory = result.theory
        x, y = result.names
        heavy_ball = theory is not None and {x, y} == {"lr", "momentum"} and result.config["optimizer"] == "momentum"
        for name, item in (("boundary", self.boundary), *((f"damping{i}", c) for i, c in enumerate(self.damping))):
            item.setData([], [])
            self.legend.removeItem(item)
        if not heavy_ball:
            return
        where = "local" if theory.local else "exact"
        lr_axis, beta_axis = result.values["lr"], result.values["momentum"]

        def draw(item, lrs, betas, text):
            pairs = (lrs, betas) if x == "lr" else (betas, lrs)
            item.setData(*pairs, connect="finite")
            self.legend.addItem(item, text)
        if theory.boundary_lr is not None:
            draw(self.boundary, theory.boundary_lr, beta_axis, f"converges left of this: η = 2(1 + β)/λmax ({where})")
        fine = np.geomspace(lr_axis[0], lr_axis[-1], 400) if lr_axis[0] > 0 else np.linspace(lr_axis[0], lr_axis[-1], 400)
        for item, lam in zip(self.damping, theory.eigenvalues[::-1]):
            betas = (1.0 - np.sqrt(fine * lam)) ** 2
            inside = (fine * lam <= 1.0) & (betas >= beta_axis[0]) & (betas <= beta_axis[-1])
            draw(item, fine, np.where(inside, betas, np.nan), f"critical damping β = (1 − √(ηλ))², λ = {lam:.3g}")

    def show_run(self) -> None:
        names = [(n, n) for n in self.ensembles.sweep_names()]
        x, y = self.ensembles.phase_axes()
        self.settings.set_items(self.settings.editors["x"], names, x)
        self.settings.set_items(self.settings.editors["y"], names, y)
        result = self.ensembles.results["phase"]
        if result is None:
            return
        x, y = result.names
        hparams = self.model.hparams(self.model.selected)
        if x in hparams and y in hparams:
            self.run_marker.setData([self._axis(x, [hparams[x]])[0]], [self._axis(y, [hparams[y]])[0]])
        else:
            self.run_marker.setData([], [])

    # --- what the user does -----------------------------------------------------------------------------
    def _cell(self, position):
        result = self.ensembles.results["phase"]
        box = self.widget.getPlotItem().vb
        if result is None or not box.sceneBoundingRect().contains(position):
            return None, None
        point = box.mapSceneToView(position)
        x, y = result.names
        i = int(np.argmin(np.abs(self._axis(x, result.values[x]) - point.x())))
        j = int(np.argmin(np.abs(self._axis(y, result.values[y]) - point.y())))
        return result, (i, j, point)

    def hover(self, position) -> None:
        result, where = self._cell(position)
        if where is None or where[0] >= result.rows_done:
            self.readout.setVisible(False)
            return
        i, j, point = where
        x, y = result.names
        vx, vy = result.values[x][i], result.values[y][j]
        if result.diverged[i, j]:
            text = f"diverged at step {int(result.diverged_at[i, j])}"
        else:
            steps = int(result.steps_to_tol[i, j])
            text = f"final loss {result.final_loss[i, j]:.4g}, " + (f"{steps} steps" if steps >= 0 else
                                                                    "not within the steps")
        self.readout.setText(f"{x} = {vx:.4g}, {y} = {vy:.4g}: {text}\nclick: give the run this setting")
        self.readout.setPos(point.x(), point.y())
        self.readout.setVisible(True)

    def clicked(self, event) -> None:
        result, where = self._cell(event.scenePos())
        if where is None or where[0] >= result.rows_done:
            return
        i, j, _ = where
        x, y = result.names
        self.model.set_hparam(self.model.selected, x, float(result.values[x][i]))
        self.model.set_hparam(self.model.selected, y, float(result.values[y][j]))
