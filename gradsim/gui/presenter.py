"""Presenter mode: full screen, large text, and only what the lesson step names (themes and text size
are `gradsim.gui.theme`)."""
from __future__ import annotations

from PySide6.QtWidgets import QDockWidget

from ..lessons.schema import CONTROLS, Scene


class Presenter:
    """Full screen with large text and only the lesson, the panels and the controls a step names."""

    def __init__(self, window):
        self.window = window
        self.presenting = False

    def set_presenting(self, on: bool) -> None:
        window = self.window
        if on == self.presenting:
            return
        self.presenting = on
        step = window.lesson_player.current_step()
        self.show_controls(step.scene.controls if step is not None else Scene.controls)
        window.appearance.scale_text(1.6 if on else 1 / 1.6)
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
