"""Presenter mode, the dark theme and larger text: how the window looks, not what it shows."""
from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDockWidget

from ..lessons.schema import CONTROLS, Scene


class Presenter:
    """Full screen with large text and only the lesson, the panels and the controls a step names."""

    def __init__(self, window):
        self.window = window
        self.presenting = False
        self.font_scale = 1.0

    def set_presenting(self, on: bool) -> None:
        window = self.window
        if on == self.presenting:
            return
        self.presenting = on
        step = window.lesson_player.current_step()
        self.show_controls(step.scene.controls if step is not None else Scene.controls)
        self.scale_fonts(1.6 if on else 1 / 1.6)
        # projected text needs room: the lesson may take up to two fifths of the screen
        window.lesson_player.setMaximumWidth(max(520, int(0.4 * window.screen().size().width())) if on else 520)
        if on:
            window.showFullScreen()
        else:
            window.showNormal()

    def show_controls(self, names=CONTROLS) -> None:
        """In presenter mode, only the named controls of the transport bar (and the run editors for
        "editors"); outside it, all of them."""
        names = set(CONTROLS if not self.presenting else names)
        for name, actions in self.window.transport.control_actions.items():
            for act in actions:
                act.setVisible(name in names)
        self.window.findChild(QDockWidget, "controlsDock").setVisible("editors" in names)

    def scale_fonts(self, factor: float) -> None:
        """Larger or smaller text everywhere, for a projector."""
        self.font_scale = min(3.0, max(0.6, self.font_scale * factor))
        scale = self.font_scale
        font = QFont(QApplication.font())
        font.setPointSizeF(10 * scale)
        self.window.setFont(font)
        area = self.window.plot_area
        for panel in area.panels:
            for axis in ("left", "bottom"):
                panel.widget.getPlotItem().getAxis(axis).setStyle(tickFont=font)
        for panel in area.time_panels:
            legend = panel.widget.getPlotItem().legend
            legend.opts["labelTextSize"] = f"{8 * scale:.0f}pt"  # for the labels made from now on
            for _, label in legend.items:
                label.setText(label.text, size=legend.opts["labelTextSize"])
            for curves in panel.curves:
                for curve in curves:
                    pen = curve.opts["pen"]
                    pen.setWidthF(2 * scale)
                    curve.setPen(pen)
        trajectory = area.trajectory
        trajectory.point_size = 7 * scale  # a network's data, seen from the back row
        trajectory.data_points.setSize(trajectory.point_size)
        for path in trajectory.paths:
            pen = path.opts["pen"]
            pen.setWidthF(2 * scale)
            path.setPen(pen)

    def set_dark(self, dark: bool) -> None:
        """Light (for projectors) or dark plots."""
        background, foreground = ("k", "w") if dark else ("w", "k")
        for panel in self.window.plot_area.panels:
            panel.widget.setBackground(background)
            item = panel.widget.getPlotItem()
            for axis in ("left", "bottom"):
                item.getAxis(axis).setPen(foreground)
                item.getAxis(axis).setTextPen(foreground)
            item.titleLabel.setText(item.titleLabel.text, color=foreground)
