"""The surface's views put together: the surface bar, the arrows on the 2-D plot, the 3-D view, the narrated step.

The 3-D view lies over the trajectory panel's plot widget and follows its size, so wherever the
layout puts that panel (or a lesson hides it) the 3-D view goes with it; the 2-D plot's items are
hidden meanwhile, so they cost no painting. The 3-D view is made the first time it is asked for,
and only where OpenGL works: elsewhere the toggle is disabled and says why.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject

from .geometry_bar import GeometryBar
from .geometry_overlay import GeometryOverlay


class SurfaceViews(QObject):
    def __init__(self, controller, trajectory_plot, parent=None):
        super().__init__(parent)
        self.controller, self.model = controller, controller.model
        self.plot = trajectory_plot
        self.bar = GeometryBar(controller)
        self.overlay = GeometryOverlay(self.bar)
        self.overlay.attach(trajectory_plot)
        self.view3d = None
        self.bar.view3DButton.toggled.connect(self.show_3d)
        self.bar.resetViewButton.clicked.connect(lambda: self.view3d is not None and self.view3d.reset_view())
        trajectory_plot.installEventFilter(self)

    @property
    def showing_3d(self) -> bool:
        return self.view3d is not None and self.bar.view3DButton.isChecked()

    def show_3d(self, on: bool) -> None:
        """The 3-D view in place of the 2-D contours (or back)."""
        if on and self.bar.gl_problem:
            self.bar.view3DButton.setChecked(False)
            return
        if on and self.view3d is None:
            from .surface_3d import SurfaceView3D  # imports OpenGL: only once it is known to work
            self.view3d = SurfaceView3D(self.controller, self.bar, self.plot)
        if self.view3d is not None:
            self.view3d.setGeometry(self.plot.rect())
            self.view3d.setVisible(on)
            if on:
                self.view3d.raise_()
        self.plot.getPlotItem().setVisible(not on)
        self.bar.resetViewButton.setEnabled(on)
        self.overlay.draw()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.plot and event.type() == QEvent.Resize:
            if self.view3d is not None:
                self.view3d.setGeometry(self.plot.rect())
            self.overlay.place_legend()
        return False
