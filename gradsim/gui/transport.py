"""The transport bar: play, step back and forward, reset, the speed, the timeline and the status."""
from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, QSize, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSlider, QToolBar

SPEED_MAX = 100  # the speed slider's top: as fast as the machine goes
DEFAULT_SPEED = 45  # about 60 steps a second: the first steps are visible


def speed_for(value: int) -> float:
    """Steps per second for a speed-slider position: 1/s at 0, ×10 every 25, unlimited at the top."""
    return 0.0 if value >= SPEED_MAX else float(round(10 ** (value / 25)))


class StatusLabel(QLabel):
    """The newest message, cut short with "…" where the bar has no room for all of it (the tooltip
    and the Messages dock have it whole), instead of the bar hiding it behind its overflow button."""

    MOST_CHARACTERS = 40  # the room it asks for; it takes more when the bar has it

    def __init__(self, text: str = "", **kwargs):
        super().__init__(**kwargs)
        self._full = ""
        self.setText(text)

    def text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()
        self.updateGeometry()

    def _elide(self) -> None:
        super().setText(self.fontMetrics().elidedText(self._full, Qt.ElideRight, max(10, self.width())))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        most = metrics.averageCharWidth() * self.MOST_CHARACTERS
        return QSize(min(metrics.horizontalAdvance(self._full) + 8, most), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * 8, super().minimumSizeHint().height())


class TransportBar(QToolBar):
    def __init__(self, controller, parent=None):
        super().__init__("Transport", parent)
        self.controller = controller
        self.model = controller.model
        self.setObjectName("transportBar")
        self.setMovable(False)
        self.playButton = QPushButton("▶ Play", objectName="playButton")
        self.playButton.setCheckable(True)
        self.playButton.toggled.connect(self.model.play)
        self.stepBackButton = QPushButton("◀ Back", objectName="stepBackButton")
        self.stepBackButton.clicked.connect(self.model.step_back)
        self.stepButton = QPushButton("Step ▶", objectName="stepButton")
        self.stepButton.clicked.connect(self.model.step_forward)
        self.resetButton = QPushButton("⟲ Reset", objectName="resetButton")
        self.resetButton.clicked.connect(self.model.reset)
        transport = []
        for button, name in ((self.playButton, "Play or pause"), (self.stepBackButton, "Step back"),
                             (self.stepButton, "Single step"), (self.resetButton, "Reset")):
            button.setAccessibleName(name)
            transport.append(self.addWidget(button))
        speed = [self.addSeparator(), self.addWidget(QLabel(" Speed "))]
        self.speedSlider = QSlider(Qt.Horizontal, objectName="speedSlider")
        self.speedSlider.setAccessibleName("Speed")
        self.speedSlider.setRange(0, SPEED_MAX)
        self.speedSlider.setFixedWidth(140)
        self.speedSlider.valueChanged.connect(self._speed_moved)
        speed.append(self.addWidget(self.speedSlider))
        self.speedLabel = QLabel(objectName="speedLabel")
        self.speedLabel.setAccessibleName("Steps per second")
        self.speedLabel.setMinimumWidth(90)
        speed.append(self.addWidget(self.speedLabel))
        timeline = [self.addSeparator(), self.addWidget(QLabel(" Step "))]
        self.timelineSlider = QSlider(Qt.Horizontal, objectName="timelineSlider")
        self.timelineSlider.setAccessibleName("Timeline")
        self.timelineSlider.setMinimumWidth(200)
        self.timelineSlider.valueChanged.connect(self.model.scrub)
        timeline.append(self.addWidget(self.timelineSlider))
        self.stepLabel = QLabel("0", objectName="stepLabel")
        self.stepLabel.setAccessibleName("Current step")
        self.stepLabel.setMinimumWidth(60)
        timeline.append(self.addWidget(self.stepLabel))
        # what a lesson step may show of the bar in presenter mode
        self.control_actions = {"transport": transport, "speed": speed, "timeline": timeline, "editors": []}
        self.addSeparator()
        self.statusLabel = StatusLabel("ready", objectName="statusLabel")
        self.statusLabel.setAccessibleName("Status")
        self.status_action = self.addWidget(self.statusLabel)

        controller.playing_changed.connect(self._show_playing)
        controller.status_changed.connect(self.statusLabel.setText)
        controller.rows_changed.connect(self._show_position)
        controller.shown_changed.connect(self._show_position)
        self.speedSlider.setValue(DEFAULT_SPEED)
        self._speed_moved(DEFAULT_SPEED)

    def _show_playing(self, playing: bool) -> None:
        with QSignalBlocker(self.playButton):
            self.playButton.setChecked(playing)
        self.playButton.setText("❚❚ Pause" if playing else "▶ Play")

    def set_speed(self, steps_per_second: float) -> None:
        """Move the slider to the position nearest `steps_per_second` (0: as fast as possible)."""
        value = SPEED_MAX if steps_per_second <= 0 else min(SPEED_MAX - 1, round(25 * math.log10(steps_per_second)))
        self.speedSlider.setValue(max(0, value))

    def _speed_moved(self, value: int) -> None:
        self.model.set_speed(speed_for(value))
        self._show_speed()

    def _show_speed(self) -> None:
        wanted = speed_for(self.speedSlider.value())
        achieved = self.model.steps_per_second
        text = f"{wanted:,.0f}/s" if wanted else "max"
        if self.model.playing and achieved and (not wanted or achieved < 0.8 * wanted):
            text = f"{achieved:,.0f}/s" + ("" if not wanted else f" of {wanted:,.0f}")
        self.speedLabel.setText(text)

    def _show_position(self) -> None:
        newest, shown = self.model.newest_step(), self.model.shown_step()
        with QSignalBlocker(self.timelineSlider):
            self.timelineSlider.setMaximum(newest)
            self.timelineSlider.setValue(shown)
        self.stepLabel.setText(str(shown))
        self._show_speed()
