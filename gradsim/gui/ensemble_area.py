"""The centre of the window: the ordinary panels, or one of the ensemble views beside them.

`viewCombo` switches between the five ways of looking: the trajectory panels; the basin map
beside the trajectory; the swarm; the learning-rate sweep and the phase diagram beside the
trajectory. The choice lives in the ensemble model (`controller.ensembles.view`), which asks the
session for the view's ensemble and drops the work of a view no longer on screen.
"""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from .basin_view import BasinView
from .phase_view import PhaseView
from .swarm_view import SwarmView
from .sweep_view import SweepView

VIEW_TITLES = {"trajectory": "Trajectory and time panels", "basins": "Basin map (many starts)",
               "swarm": "Swarm (many starts, animated)", "sweep": "Learning-rate sweep (many settings)",
               "phase": "Phase diagram (two hyperparameters)"}
BESIDE = {"basins": ("trajectoryPlot",), "sweep": ("trajectoryPlot",), "phase": ("trajectoryPlot",), "swarm": ()}


class EnsembleArea(QWidget):
    def __init__(self, controller, plot_area, parent=None):
        super().__init__(parent)
        self.controller, self.ensembles, self.plot_area = controller, controller.ensembles, plot_area
        self.viewCombo = QComboBox(objectName="viewCombo")
        self.viewCombo.setAccessibleName("Way of looking: trajectory, basins, swarm, sweep or phase diagram")
        self.viewCombo.setToolTip("One run at a time (trajectory), or the selected run's optimizer from many starts "
                                  "(basins, swarm) or with many settings (sweep, phase diagram)")
        for view, title in VIEW_TITLES.items():
            self.viewCombo.addItem(title, view)
        self.viewCombo.currentIndexChanged.connect(lambda _: self.ensembles.set_view(self.viewCombo.currentData()))
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.addWidget(QLabel("View"))
        bar.addWidget(self.viewCombo)
        bar.addStretch(1)

        trajectory = plot_area.panel_widget("trajectoryPlot")
        self.views = {"basins": BasinView(controller, trajectory), "swarm": SwarmView(controller),
                      "sweep": SweepView(controller), "phase": PhaseView(controller)}
        self.stack = QStackedWidget()
        for view in self.views.values():
            self.stack.addWidget(view)
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(plot_area)
        self.splitter.addWidget(self.stack)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        self._panels_shown = None  # the ordinary panels on screen before an ensemble view took their place
        self._style, self._styled = None, {}  # the window's style, and the one each view was last given
        controller.ensemble_view_changed.connect(self.show_view)
        self.show_view(self.ensembles.view)

    def restyle(self, style) -> None:
        """The theme and text size: now for the view on screen, for the others when they are shown."""
        self._style = style
        for name, view in self.views.items():
            if self.ensembles.view == name:
                view.restyle(style)
                self._styled[name] = style

    def _restyle_shown(self, view: str) -> None:
        if self._style is not None and self._styled.get(view) is not self._style:
            self.views[view].restyle(self._style)
            self._styled[view] = self._style

    def show_view(self, view: str) -> None:
        with QSignalBlocker(self.viewCombo):
            self.viewCombo.setCurrentIndex(self.viewCombo.findData(view))
        area = self.plot_area
        if view == "trajectory":
            self.stack.hide()
            if self._panels_shown is not None:
                area.arrange(self._panels_shown)
                self._panels_shown = None
            area.show()
            return
        if self._panels_shown is None:
            self._panels_shown = [panel.widget for panel in area.panels if panel.widget.isVisibleTo(area)]
        beside = [area.panel_widget(name) for name in BESIDE[view]]
        area.arrange(beside)
        area.setVisible(bool(beside))
        self._restyle_shown(view)
        self.stack.setCurrentWidget(self.views[view])
        self.stack.show()
        if beside:
            QTimer.singleShot(0, self._split)  # once the splitter has its width

    def _split(self) -> None:
        """The trajectory beside: two fifths of a wide window, a third of a narrow one."""
        total = max(2, self.splitter.width())
        left = total * 2 // 5 if total >= 1200 else total // 3
        self.splitter.setSizes([left, total - left])
