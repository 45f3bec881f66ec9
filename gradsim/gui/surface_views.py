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
from .step_narrator import StepNarrator


class SurfaceViews(QObject):
    def __init__(self, controller, trajectory_plot, equation_panel, parent=None):
        super().__init__(parent)
        self.controller, self.model = controller, controller.model
        self.plot = trajectory_plot
        self.bar = GeometryBar(controller)
        self.overlay = GeometryOverlay(self.bar)
        self.overlay.attach(trajectory_plot)
        self.view3d = None
        self.narrator = StepNarrator(controller, self.bar, equation_panel, trajectory_plot, self)
        self.bar.explainButton.clicked.connect(self.narrator.toggle)
        self.bar.view3DButton.toggled.connect(self.show_3d)
        self.bar.resetViewButton.clicked.connect(lambda: self.view3d is not None and self.view3d.reset_view())
        trajectory_plot.installEventFilter(self)
        self._scene_asked = False  # the last scene loaded chose the view and arrows
        self._display_seen = None
        controller.experiment_changed.connect(self._scene_choice)

    @property
    def showing_3d(self) -> bool:
        return self.view3d is not None and self.bar.view3DButton.isChecked()

    def show_3d(self, on: bool) -> None:
        """The 3-D view in place of the 2-D contours (or back)."""
        if on and self.bar.ask_opengl():
            self.bar.view3DButton.setChecked(False)
            return
        if on and self.view3d is None:
            from .surface_3d import SurfaceView3D  # imports OpenGL: only once it is known to work
            self.view3d = SurfaceView3D(self.controller, self.bar, self.plot)
        if self.view3d is not None:
            self.view3d.setGeometry(self.plot.rect())
            self.view3d.setVisible(on)
            if on:  # under the legend and the narration's caption, which stand over both views
                self.view3d.raise_()
                self.overlay.legend.raise_()
                self.narrator.caption.raise_()
        self.plot.getPlotItem().setVisible(not on)
        self.bar.resetViewButton.setEnabled(on)
        self.overlay.draw()

    def shutdown(self) -> None:
        """End the 3-D view's render thread (the window is closing)."""
        if self.view3d is not None:
            self.view3d.shutdown()

    def _scene_choice(self) -> None:
        """A lesson scene's `surface_view`: 2-D or 3-D (where OpenGL works) and which arrows; the next
        scene that says nothing goes back to 2-D without arrows."""
        if self.model.display is self._display_seen:  # an edit, not a new scene: the user's switches stay
            return
        self._display_seen = self.model.display
        choice = self.model.display.get("surface_view")
        if choice is None and not self._scene_asked:
            return
        self._scene_asked = choice is not None
        choice = choice or {"mode": "2d", "arrows": []}
        self.bar.set_shown(**{key: key in choice["arrows"] for key in self.bar.checks})
        wanted = choice["mode"] == "3d" and not self.bar.ask_opengl()
        if self.bar.view3DButton.isChecked() != wanted:
            self.bar.view3DButton.setChecked(wanted)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.plot and event.type() == QEvent.Resize:
            if self.view3d is not None:
                self.view3d.setGeometry(self.plot.rect())
            self.overlay.place_legend()
        return False
