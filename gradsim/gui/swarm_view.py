"""The swarm: N starts of the selected run's optimizer moving together over the contours.

The starts are sampled uniformly over the window, on a grid, or from a Gaussian around the runs'
start point; the session steps them all at once and sends every run's point at every step (or
at an even stride of steps when there are very many), with the statistics of every step. The
view plays the frames (its own play button and slider: the swarm's steps are not the runs'),
and beside it the loss panel shows the swarm's median loss and the band from the 10% to the 90%
quantile over the runs still alive, and says what share has diverged and what share still moves.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QSplitter, QVBoxLayout, QWidget

from ..core.specs import HParam
from .ensemble_settings import SettingsRow, settings_text
from .plot_items import style_plot
from .trajectory_panel import TrajectoryPanel

SAMPLING_TITLES = (("uniform over the window", "uniform"), ("on a grid", "grid"), ("Gaussian around the start", "gaussian"))
FRAME_MS = 33              # the swarm plays at about 30 frames a second
PLAY_SECONDS = 8.0         # however many steps it has, a swarm plays through in about this long
SPREAD_SPEC = HParam("spread", 0.5, 0.0, 1e6, "log", "σ", "standard deviation of the Gaussian", low_open=True)


class SwarmView(QWidget):
    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller, self.model, self.ensembles = controller, controller.model, controller.ensembles
        self.settings = SettingsRow(controller, "swarm", "swarm")
        self.settings.whole("Starts", "n", "how many starts move together (10 to 5,000)")
        self.settings.choice("", "sampling", "how the starts are placed", SAMPLING_TITLES)
        self.settings.number("σ", "spread", "the Gaussian's standard deviation (default: a tenth of the window)",
                             SPREAD_SPEC)
        self.settings.whole("Steps", "steps", "updates of every start")
        self.resampleButton = QPushButton("Sample this window", objectName="swarmResampleButton")
        self.resampleButton.setAccessibleName("Sample the swarm again over the window on screen")
        self.resampleButton.clicked.connect(self._resample)
        self.settings.layout_.addWidget(self.resampleButton)
        self.settings.used = lambda: {"spread": getattr(self.ensembles.asked("swarm"), "spread", None)}

        self.panel = TrajectoryPanel()
        self.panel.widget.setObjectName("swarmPlot")
        self.panel.widget.setAccessibleName("The swarm on the loss surface")
        self.panel.widget.setTitle("Swarm (selected run's optimizer)")
        self.panel.start_clicked.connect(self.model.set_start)
        self.panel.field_wanted.connect(self._ask_field)
        self.dots = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=0.8), brush=pg.mkBrush(20, 20, 20, 220))
        self.panel.widget.addItem(self.dots)
        self.loss = pg.PlotWidget(title="Swarm loss: median and 10–90% band")
        self.loss.setObjectName("swarmLossPlot")
        self.loss.setAccessibleName("The swarm's median loss and its 10 to 90 percent band")
        self.loss.setLabel("bottom", "step")
        self.loss.setLabel("left", "loss")
        self.loss.setLogMode(y=True)
        edge = pg.mkPen(31, 119, 180, 110)
        self.low_curve, self.high_curve = self.loss.plot([], [], pen=edge), self.loss.plot([], [], pen=edge)
        self.band = pg.FillBetweenItem(self.low_curve, self.high_curve, brush=pg.mkBrush(31, 119, 180, 60))
        self.loss.addItem(self.band)
        self.median = self.loss.plot([], [], pen=pg.mkPen("#1f77b4", width=2), name="median")
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((120, 120, 120), style=Qt.DashLine))
        self.loss.addItem(self.cursor)

        self.playButton = QPushButton("Play", objectName="swarmPlayButton", checkable=True)
        self.playButton.setAccessibleName("Play the swarm")
        self.playButton.toggled.connect(self._play)
        self.slider = QSlider(Qt.Horizontal, objectName="swarmSlider")
        self.slider.setAccessibleName("The swarm's step on screen")
        self.slider.valueChanged.connect(self._show_frame)
        self.shares = QLabel(objectName="swarmShares")
        self.shares.setAccessibleName("Shares of the swarm diverged and still moving")
        self.shares.setWordWrap(True)
        self.shares.setMinimumWidth(160)
        transport = QHBoxLayout()
        transport.addWidget(self.playButton)
        transport.addWidget(self.slider, 1)
        transport.addWidget(self.shares)
        plots = QSplitter(Qt.Horizontal)
        plots.addWidget(self.panel.widget)
        plots.addWidget(self.loss)
        plots.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.settings)
        layout.addWidget(plots, 1)
        layout.addLayout(transport)

        self._problem_shown = False
        self.timer = QTimer(self, interval=FRAME_MS)
        self.timer.timeout.connect(self._advance)
        controller.ensemble_result.connect(lambda kind: self.show_result() if kind == "swarm" else None)
        controller.configured.connect(self._new_problem)
        controller.field_ready.connect(lambda: self.panel.show_field(self.model.field))
        controller.experiment_changed.connect(self._show_start)

    def restyle(self, style) -> None:
        self.panel.restyle(style)
        self.panel.widget.setTitle(self.panel.title, color=style.foreground, size=f"{style.points(11):.1f}pt")
        style_plot(self.loss, style)
        self.settings.status.setStyleSheet(f"color: {style.muted}; padding-left: 4px")

    # --- what the model says ----------------------------------------------------------------------------
    def _new_problem(self) -> None:
        self._problem_shown = self.isVisible()  # a hidden swarm catches up when it is shown
        info = self.model.info
        if self._problem_shown and info is not None and info.kind == "surface":
            self.panel.set_surface(info, self.model.view)
            self.panel.title = "Swarm (selected run's optimizer)"
            self.panel.widget.setTitle(self.panel.title)
            self._show_start()

    def _ask_field(self, view, width: int, height: int) -> None:
        if self.isVisible() and self.model.info is not None and self.model.info.kind == "surface":
            self.model.request_field(view, width, height)

    def _show_start(self) -> None:
        info = self.model.info
        if info is not None and info.kind == "surface" and not self.model.experiment.is_network:
            start = self.model.experiment.start or info.start
            self.panel.set_start(*start)

    def show_result(self) -> None:
        result = self.ensembles.results["swarm"]
        if result is None:
            self.dots.setData([], [])
            return
        stats, steps = result.stats, np.arange(len(result.stats.median))
        for curve, values in ((self.low_curve, stats.low), (self.high_curve, stats.high), (self.median, stats.median)):
            positive = np.where(np.isfinite(values) & (values > 0), values, np.nan)
            curve.setData(steps, positive, connect="finite")
        self.loss.setTitle(f"Swarm loss, median and 10–90% — {settings_text(*self._settings())}")
        run = self.model.experiment.runs[self.model.selected]
        self.dots.setBrush(pg.mkBrush(run.color))
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, len(result.frame_steps) - 1)
            self.slider.setValue(0)
        self._show_frame(0)
        self.playButton.setChecked(True)

    def _settings(self):
        asked = self.ensembles.asked("swarm")
        return asked.spec.optimizer, asked.spec.hparams

    def _show_frame(self, index: int) -> None:
        result = self.ensembles.results["swarm"]
        if result is None or not 0 <= index < len(result.frame_steps):
            return
        points = result.frames[index]
        alive = np.all(np.isfinite(points), axis=1)
        self.dots.setData(points[alive, 0], points[alive, 1])
        step = int(result.frame_steps[index])
        self.cursor.setValue(step)
        stats = result.stats
        self.shares.setText(f"step {step}: {stats.diverged[step]:.1%} diverged, {stats.moving[step]:.1%} still moving,"
                            f" median loss {stats.median[step]:.4g}")

    # --- playing ----------------------------------------------------------------------------------------
    def _play(self, on: bool) -> None:
        result = self.ensembles.results["swarm"]
        if on and result is not None and self.slider.value() >= self.slider.maximum():
            self.slider.setValue(0)
        self.playButton.setText("Pause" if on else "Play")
        self.timer.start() if on else self.timer.stop()

    def _advance(self) -> None:
        result = self.ensembles.results["swarm"]
        if result is None or not self.isVisible():
            self.playButton.setChecked(False)
            return
        frames = len(result.frame_steps)
        stride = max(1, round(frames / (PLAY_SECONDS * 1000 / FRAME_MS)))
        index = min(frames - 1, self.slider.value() + stride)
        self.slider.setValue(index)
        if index == frames - 1:
            self.playButton.setChecked(False)

    def _resample(self) -> None:
        (x0, x1), (y0, y1) = self.panel.widget.getPlotItem().vb.viewRange()
        self.ensembles.resample(((x0, x1), (y0, y1)))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._problem_shown:
            self._new_problem()
            if self.model.field is not None:
                self.panel.show_field(self.model.field)

    def hideEvent(self, event) -> None:
        self.playButton.setChecked(False)
        super().hideEvent(event)
