"""The basin map: where the selected run's optimizer ends from every start of the visible window.

Each pixel is one start: coloured by the minimum it ends in (grey: not converged within the
steps, near-black: diverged), darker the more steps it needed to come within the tolerance;
the minima are marked. The session computes a coarse map first and then the fine one band by
band; the fine rows cover the coarse picture as they arrive. The plot shares its window with
the trajectory panel: panning or zooming either asks for the map of the new window. A click on
a pixel starts every run from that pixel's start, so the trajectory beside it is the run the
pixel shows.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from ..core.basins import DIVERGED, NOT_CONVERGED, PENDING
from ..render import BASIN_COLOURS, DIVERGED as DIVERGED_RGB, NOT_CONVERGED as NOT_CONVERGED_RGB, basin_rgb
from .ensemble_settings import EnsembleView, settings_text

WINDOW_DEBOUNCE_MS = 200  # a pan or zoom asks for a new map once it rests this long


def basin_rgba(result) -> np.ndarray:
    """(nx, ny, 4) uint8 for an ImageItem (x first): the map's colours, pending pixels transparent."""
    rgba = np.zeros(result.basin.shape + (4,), dtype=np.uint8)
    done = result.basin != PENDING
    rgba[..., :3] = np.where(done[..., None], basin_rgb(result), 0).astype(np.uint8)
    rgba[..., 3] = np.where(done, 255, 0)
    return rgba.transpose(1, 0, 2)


def _swatch(rgb) -> str:
    colour = "#%02x%02x%02x" % tuple(int(c) for c in rgb)
    return f"<span style='color:{colour}; font-size:large'>■</span>"


class BasinView(EnsembleView):
    def __init__(self, controller, trajectory_widget, parent=None):
        super().__init__(controller, "basins", "basin", parent)
        self.settings.budget("start")
        self.settings.whole("Detail", "detail", "starts along the longer side of the fine map (the coarse map: 32)")

        self.widget = pg.PlotWidget(title="Basins of attraction (selected run)")
        self.widget.setObjectName("basinPlot")
        self.widget.setAccessibleName("Basin map: where the selected run's optimizer ends from every start")
        self.coarse_image, self.fine_image = pg.ImageItem(), pg.ImageItem()
        for image in (self.coarse_image, self.fine_image):
            self.widget.addItem(image)
        self.minima = pg.ScatterPlotItem(symbol="o", size=12, pen=pg.mkPen("k", width=1.5), brush=pg.mkBrush("w"))
        self.start = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen("k"), brush=pg.mkBrush("y"))
        self.widget.addItem(self.minima)
        self.widget.addItem(self.start)
        # One window onto the surface for both panels (kept equal by hand: pyqtgraph's links align
        # the two plots on screen, which for plots of different heights shows different ranges).
        self.trajectory_box = trajectory_widget.getPlotItem().vb
        self.trajectory_box.sigRangeChanged.connect(lambda *_: self._follow(self.trajectory_box, self.box))
        self.box = self.widget.getPlotItem().vb
        self.box.sigRangeChangedManually.connect(lambda *_: self._follow(self.box, self.trajectory_box))
        self.box.disableAutoRange()
        self.legend = QLabel(objectName="basinLegend")
        self.legend.setAccessibleName("What the basin map's colours mean")
        self.legend.setWordWrap(True)
        self.place(self.widget, self.widget)
        self.layout().addWidget(self.legend)

        self._window_timer = QTimer(self, singleShot=True, interval=WINDOW_DEBOUNCE_MS)
        self._window_timer.timeout.connect(self._window_rested)
        self.box.sigRangeChanged.connect(lambda *_: self._window_timer.start())
        self.box.sigResized.connect(lambda *_: self._window_timer.start())
        controller.configured.connect(self._new_problem)
        controller.experiment_changed.connect(self._show_start)

    # --- what the model says ----------------------------------------------------------------------------
    def show_result(self) -> None:
        result = self.ensembles.results["basins"]
        asked = self.ensembles.asked("basins")
        if result is None:
            self.coarse_image.clear()
            self.fine_image.clear()
            self.minima.setData([], [])
            self.legend.setText("")
            return
        (x0, x1), (y0, y1) = result.window
        rect = pg.QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)
        fine = asked is not None and result.resolution == tuple(asked.resolution)
        image = self.fine_image if fine else self.coarse_image
        if not fine:
            self.fine_image.clear()  # a new request: its coarse map replaces the old picture
        image.setImage(basin_rgba(result), autoLevels=False, levels=(0, 255))
        image.setRect(rect)
        self.minima.setData(result.minima[:, 0], result.minima[:, 1])
        self.legend.setText(self._legend_text(result))

    def _legend_text(self, result) -> str:
        shares = result.shares()
        parts = [f"{_swatch(BASIN_COLOURS[i % len(BASIN_COLOURS)])} ({mx:.3g}, {my:.3g}) {shares[str(i)]:.1%}"
                 for i, (mx, my) in enumerate(result.minima)]
        parts.append(f"{_swatch(NOT_CONVERGED_RGB)} not converged {shares['not converged']:.1%}")
        parts.append(f"{_swatch(DIVERGED_RGB)} diverged {shares['diverged']:.1%}")
        config = result.config
        nx, ny = result.resolution
        return ("&nbsp;&nbsp;".join(parts) + f"<br>darker: more steps until {result.criterion} (tol {result.tol:g}); "
                f"{settings_text(config['optimizer'], config['hparams'])}, {result.steps} steps, {nx}×{ny} starts")

    def _new_problem(self) -> None:
        self.ensembles.set_aspect(self._aspect())
        self._show_start()

    def _show_start(self) -> None:
        info = self.model.info
        if info is not None and info.kind == "surface" and not self.model.experiment.is_network:
            start = self.model.experiment.start or info.start
            self.start.setData([start[0]], [start[1]])
        else:
            self.start.setData([], [])

    # --- what the user does -----------------------------------------------------------------------------
    def _follow(self, source, target) -> None:
        (x0, x1), (y0, y1) = source.viewRange()
        (tx0, tx1), (ty0, ty1) = target.viewRange()
        if max(abs(x0 - tx0), abs(x1 - tx1)) > 1e-9 * (x1 - x0) or max(abs(y0 - ty0), abs(y1 - ty1)) > 1e-9 * (y1 - y0):
            target.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _aspect(self) -> float:
        box = self.box.boundingRect()
        return float(box.height() / box.width()) if box.width() > 0 and box.height() > 0 else 1.0

    def _window_rested(self) -> None:
        if not self.isVisible():
            return
        (x0, x1), (y0, y1) = self.box.viewRange()
        self.ensembles.set_aspect(self._aspect())
        self.ensembles.set_window("basins", ((x0, x1), (y0, y1)))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._follow(self.trajectory_box, self.box)
        self._window_timer.start()

    def _pixel(self, position):
        """The map's (row, column) under a scene position, or None."""
        result = self.ensembles.results["basins"]
        box = self.widget.getPlotItem().vb
        if result is None or not box.sceneBoundingRect().contains(position):
            return None, None
        point = box.mapSceneToView(position)
        (x0, x1), (y0, y1) = result.window
        nx, ny = result.resolution
        i, j = int((point.x() - x0) / (x1 - x0) * nx), int((point.y() - y0) / (y1 - y0) * ny)
        return (result, (j, i)) if 0 <= i < nx and 0 <= j < ny else (result, None)

    def hover(self, position) -> None:
        result, where = self._pixel(position)
        if where is None:
            self.readout.setVisible(False)
            return
        basin, steps = int(result.basin[where]), int(result.steps_to_tol[where])
        sx, sy = result.starts[where]
        if basin == PENDING:
            text = "being computed"
        elif basin == DIVERGED:
            text = f"diverged at step {int(result.diverged_at[where])}"
        elif basin == NOT_CONVERGED:
            text = f"not converged in {result.steps} steps; ends at loss {result.loss_final[where]:.4g}"
        else:
            mx, my = result.minima[basin]
            text = f"ends in ({mx:.4g}, {my:.4g}) " + (f"after {steps} steps" if steps >= 0 else "(not within tol)")
        self.readout.setText(f"start ({sx:.4g}, {sy:.4g}): {text}\nclick: start the runs here")
        box = self.widget.getPlotItem().vb
        point = box.mapSceneToView(position)
        self.readout.setPos(point.x(), point.y())
        self.readout.setVisible(True)

    def clicked(self, event) -> None:
        result, where = self._pixel(event.scenePos())
        if where is not None:
            sx, sy = result.starts[where]
            self.ensembles.start_at(float(sx), float(sy))
