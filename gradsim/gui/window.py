"""The main window: the views of one app model, put together, and the menus.

    AppModel (gradsim.app.model, Qt-free)  ←→  Controller (session client, Qt signals)
        views: ProblemControls, RunEditor, TrainingControls, InspectorView   (the controls dock)
               TransportBar (top), PlotArea (centre), LessonPlayer, EquationPanel (docks)
               MessageLog (dock: every event with its step and run)
        helpers: FileActions (files and exports), Presenter (presenter mode), Appearance (theme, text size)
"""
from __future__ import annotations

import html
import threading

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDockWidget, QMainWindow, QScrollArea, QTextBrowser,
                               QVBoxLayout, QWidget)

from .. import __version__
from ..app.model import AppModel, warm_up
from ..experiment import Experiment
from ..lessons import load_lessons

from .controller import Controller
from .ensemble_area import EnsembleArea
from .equation_panel import EquationPanel
from .file_actions import FileActions
from .handout import HandoutExport
from .inspector_view import InspectorView
from .lesson_browser import LessonBrowser
from .lesson_overlays import LessonOverlays
from .lesson_player import LessonPlayer
from .message_log import MessageLog
from .plot_area import PlotArea
from .presenter import Presenter
from .problem_controls import ProblemControls
from .run_editor import RunEditor
from .surface_views import SurfaceViews
from .theme import Appearance
from .theory_overlay import TheoryOverlay
from .training_controls import TrainingControls
from .transport import TransportBar


def _skip(reason: str) -> None:
    """A lesson file that does not load is named once, when the Lessons menu is first listed."""


SHORTCUTS = (("Space", "play or pause"), ("→ / ←", "one step forward / back (in a lesson: next / previous)"),
             ("Page Down / Page Up", "next / previous lesson step (a presentation clicker)"),
             ("R", "reset every run to its start"), ("Ctrl+O / Ctrl+S", "open / save an experiment"),
             ("Ctrl+L", "browse the lessons"), ("Ctrl+E", "the update rule with this step's numbers"),
             ("X", "explain this step in four beats (then Page Down / Page Up, Escape stops)"),
             ("F5", "presenter mode"), ("Escape", "leave presenter mode"), ("F11", "full screen"),
             ("Ctrl+plus / Ctrl+minus", "larger / smaller text"), ("Ctrl+Q", "quit"))


def default_size(available: QRect) -> QSize:
    """1260×780 where it fits; on a smaller screen (1280×800 and below) the room it has, less a title bar."""
    return QSize(min(1260, available.width() - 16), min(780, available.height() - 48))


class MainWindow(QMainWindow):
    def __init__(self, experiment: Experiment | None = None, session: str = "process"):
        """`session`: "process" steps the runs in a child process (the app); "local" in this one (tests)."""
        super().__init__()
        self.setWindowTitle("GradSim")
        self.resize(default_size(self.screen().availableGeometry()))
        self.model = AppModel(experiment)
        self.controller = Controller(self.model, session, self)

        self.plot_area = PlotArea(self.controller)
        self.lesson_overlays = LessonOverlays(self.controller, self.plot_area)
        self.ensemble_area = EnsembleArea(self.controller, self.plot_area)  # viewCombo: trajectory, basins, ...
        self.setCentralWidget(self.ensemble_area)
        self.theory_overlay = TheoryOverlay(self.controller, self.plot_area, self)
        self.transport = TransportBar(self.controller, self)
        self.addToolBar(Qt.TopToolBarArea, self.transport)
        self.equation_panel = EquationPanel(self)
        self.surface_views = SurfaceViews(self.controller, self.plot_area.trajectory.widget, self.equation_panel, self)
        self.addToolBarBreak(Qt.TopToolBarArea)
        self.addToolBar(Qt.TopToolBarArea, self.surface_views.bar)
        self.problem_controls = ProblemControls(self.controller)
        self.problem_controls.slice_toggled.connect(self.plot_area.show_slice)
        self.run_editor = RunEditor(self.controller)
        self.training_controls = TrainingControls(self.controller)
        self.inspector_view = InspectorView(self.controller, self.equation_panel)
        self._dock_controls()
        self.lesson_player = LessonPlayer(self)
        self.addDockWidget(Qt.RightDockWidgetArea, self.lesson_player)
        self.addDockWidget(Qt.RightDockWidgetArea, self.equation_panel)
        self.equation_panel.hide()
        self.message_log = MessageLog(self.controller, self)
        self.addDockWidget(Qt.BottomDockWidgetArea, self.message_log)
        self.resizeDocks([self.message_log], [self.message_log.sizeHint().height()], Qt.Vertical)
        self.appearance = Appearance(self)
        self.appearance.changed.connect(self.plot_area.restyle)
        self.appearance.changed.connect(self.ensemble_area.restyle)
        self.appearance.changed.connect(self.theory_overlay.restyle)
        self.appearance.changed.connect(self.message_log.restyle)
        self.presenter = Presenter(self)
        self.handouts = HandoutExport(self)
        self.files = FileActions(self, self.controller, self.plot_area)
        self._build_menus()
        # The first contours need a compiled surface: show the window first, then build the runs,
        # unless something was loaded before the event loop's first turn (a lesson keeps its scene).
        self._first_load_pending = True
        self.model.experiment_changed.connect(self._loaded_before_first_turn)
        QTimer.singleShot(0, self._first_load)
        # once the runs stand, compile the surface here too, for the first edit (which checks it)
        self.controller.configured.connect(self._warm_up)

    def _loaded_before_first_turn(self) -> None:
        self._first_load_pending = False
        self.model.experiment_changed.disconnect(self._loaded_before_first_turn)

    def _first_load(self) -> None:
        if self._first_load_pending:
            self.model.load(self.model.experiment)

    def _warm_up(self) -> None:
        self.controller.configured.disconnect(self._warm_up)
        threading.Thread(target=warm_up, args=(self.model.experiment,), daemon=True, name="gradsim-warm-up").start()
        QTimer.singleShot(0, lambda: self.resizeDocks([self.message_log], [self.message_log.sizeHint().height()],
                                                      Qt.Vertical))

    def _dock_controls(self) -> None:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        for view in (self.problem_controls, self.run_editor, self.training_controls, self.inspector_view):
            layout.addWidget(view)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)  # as wide as its controls, up to a share (theme)
        scroll.setWidget(panel)
        dock = QDockWidget("Controls", self)
        dock.setObjectName("controlsDock")
        dock.setWidget(scroll)
        dock.setFeatures(QDockWidget.DockWidgetMovable)
        dock.setMinimumWidth(340)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)

    def _build_menus(self) -> None:
        def action(text, shortcut, slot, name):
            act = QAction(text, self)
            act.setObjectName(name)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act
        files, model, player = self.files, self.model, self.lesson_player
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(action("&Open experiment…", "Ctrl+O", files.open_dialog, "openAction"))
        file_menu.addAction(action("&Save experiment…", "Ctrl+S", files.save_dialog, "saveAction"))
        file_menu.addSeparator()
        export = file_menu.addMenu("&Export")
        for title, name in (("Trajectory", "trajectoryPlot"), ("Loss", "lossPlot"),
                            ("Effective learning rate", "lrPlot"), ("Gradient norm", "gradNormPlot")):
            export.addAction(action(f"{title} panel as PNG or SVG…", "",
                                    lambda _=None, n=name: files.export_panel_dialog(n), f"export_{name}"))
        export.addAction(action("Runs as CSV…", "", files.export_csv_dialog, "exportCsvAction"))
        export.addAction(action("Trajectory as animated GIF…", "", files.export_gif_dialog, "exportGifAction"))
        file_menu.addSeparator()
        file_menu.addAction(action("&Quit", "Ctrl+Q", self.close, "quitAction"))
        lessons = self.menuBar().addMenu("&Lessons")
        lessons.setObjectName("lessonsMenu")
        lessons.addAction(action("&Browse lessons…", "Ctrl+L", self.browse_lessons, "browseLessonsAction"))
        lessons.addAction(action("Export &handout (PDF or Markdown)…", "", self.export_handout, "exportHandoutAction"))
        lessons.addSeparator()
        lessons.addSeparator()
        lessons.addAction(action("Presenter mode", "F5", lambda: self.set_presenter(not self.presenting),
                                 "presenterAction"))
        # the lessons are read (and their scenes checked) when the menu first opens, not before the window shows
        lessons.aboutToShow.connect(lambda: self._list_lessons(lessons))
        view = self.menuBar().addMenu("&View")
        view.addAction(action("Full screen", "F11", self.toggle_full_screen, "fullScreenAction"))
        view.addAction(action("Larger text", "Ctrl++", lambda: self.appearance.scale_text(1.15), "zoomInAction"))
        view.addAction(action("Smaller text", "Ctrl+-", lambda: self.appearance.scale_text(1 / 1.15), "zoomOutAction"))
        self.darkAction = action("Dark theme", "", lambda: self.appearance.set_dark(self.darkAction.isChecked()),
                                 "darkThemeAction")
        self.darkAction.setCheckable(True)
        view.addAction(self.darkAction)
        view.addMenu(self.plot_area.loss_scale_menu(view))
        self.theoryAction = action("Theory on quadratics", "", lambda: self.theory_overlay.set_enabled(
            self.theoryAction.isChecked()), "theoryAction")
        self.theoryAction.setCheckable(True)
        self.theoryAction.setChecked(True)
        view.addAction(self.theoryAction)
        messages = self.message_log.toggleViewAction()
        messages.setText("Messages")
        messages.setObjectName("messagesAction")
        view.addAction(messages)
        equation = self.equation_panel.toggleViewAction()
        equation.setText("Update rule with this step's numbers")
        equation.setObjectName("equationAction")
        equation.setShortcut(QKeySequence("Ctrl+E"))
        view.addAction(equation)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(action("&Keyboard shortcuts", "", self.show_shortcuts, "shortcutsAction"))
        help_menu.addAction(action("&About GradSim", "", self.show_about, "aboutAction"))
        action("Play/pause", "Space", lambda: model.play(not model.playing), "playAction")
        # a narrated step, while it is told, takes the clicker's keys before the lesson does
        narrator = self.surface_views.narrator
        action("Step", "Right", lambda: narrator.next() if narrator.active else player.next() if player.lesson
               else model.step_forward(), "stepAction")
        action("Step back", "Left", lambda: narrator.previous() if narrator.active else player.previous()
               if player.lesson else model.step_back(), "stepBackAction")
        action("Next lesson step", "PgDown", lambda: narrator.next() if narrator.active else player.next(),
               "lessonNextAction")
        action("Previous lesson step", "PgUp", lambda: narrator.previous() if narrator.active else player.previous(),
               "lessonPrevAction")
        view.addAction(action("Explain this step", "X", narrator.toggle, "explainStepAction"))
        action("Reset", "R", model.reset, "resetAction")
        action("Leave presenter mode", "Escape", lambda: narrator.stop() if narrator.active else self.set_presenter(False),
               "leavePresenterAction")

    def _list_lessons(self, menu) -> None:
        if getattr(self, "_lessons_listed", False):
            return
        self._lessons_listed = True
        first = menu.actions()[2]  # after "Browse lessons" and its separator
        for lesson in load_lessons(on_error=lambda reason: self.model.note(reason, "error")):
            act = QAction(lesson.title, self)
            act.setToolTip(lesson.goal)
            act.triggered.connect(lambda _=None, chosen=lesson: self.start_lesson(chosen))
            menu.insertAction(first, act)

    # --- what tests, scripts and the lesson player use ----------------------------------------------------
    @property
    def experiment(self) -> Experiment:
        return self.model.experiment

    @property
    def histories(self):
        return self.model.histories

    @property
    def ready(self) -> bool:
        return self.model.ready and self.model.info is not None

    @property
    def presenting(self) -> bool:
        return self.presenter.presenting

    def newest_step(self) -> int:
        return self.model.newest_step()

    def shown_step(self) -> int:
        return self.model.shown_step()

    def set_start(self, x: float, y: float) -> None:
        """Start every run from (x, y), exactly as given (a click on the plot does the same)."""
        self.model.set_start(x, y)

    def load_experiment(self, experiment: Experiment, play: bool = False, view=None, until=None,
                        display: dict | None = None, selected: int = 0) -> None:
        self.model.load(experiment, view=view, until=until, play=play, display=display, selected=selected)

    def save_experiment(self, path: str) -> bool:
        return self.files.save_experiment(path)

    def open_experiment(self, path: str) -> bool:
        return self.files.open_experiment(path)

    def export_csv(self, path: str) -> None:
        self.files.export_csv(path)

    def export_gif(self, path: str, frames: int = 48) -> None:
        self.files.export_gif(path, frames)

    def redraw(self) -> None:
        self.plot_area.redraw()
        self.inspector_view.update_now()

    # --- lessons and presenting ----------------------------------------------------------------------------
    def browse_lessons(self) -> None:
        browser = LessonBrowser(load_lessons(on_error=_skip), self, handout=self.handouts.ask)
        chosen = browser.chosen() if browser.exec() else None
        browser.deleteLater()  # a dialog per Ctrl+L, each with every lesson's text: not kept once closed
        if chosen is not None:
            self.start_lesson(chosen)

    def export_handout(self) -> None:
        """The lesson on screen as a handout; without one, the browser to choose it (its Export button)."""
        if self.lesson_player.lesson is not None:
            self.handouts.ask(self.lesson_player.lesson)
        else:
            self.browse_lessons()

    def start_lesson(self, lesson) -> None:
        before = self.size()
        self.lesson_player.start(lesson)
        self._keep_size(before)
        # A clicker sends Page Down/Up and arrows: keep them away from editors that would use them.
        self.lesson_player.nextButton.setFocus()

    def _keep_size(self, before: QSize) -> None:
        """The lesson's dock beside the controls can need more width than the window has (a 1024-pixel
        projector): Qt would widen the window past the screen's edge. Then the lesson goes over the
        controls as a tab (the controls a click away) and the window keeps its size."""
        self.layout().activate()
        too_wide = self.minimumSizeHint().width() > self.screen().availableGeometry().width()
        if self.width() <= before.width() and not too_wide:
            return
        controls = self.findChild(QDockWidget, "controlsDock")
        self.tabifyDockWidget(controls, self.lesson_player)
        self.lesson_player.raise_()
        self.layout().activate()  # the narrower minimum, now that the two docks share a column
        if not (self.isMaximized() or self.isFullScreen()):
            self.resize(before)
        wanted = max(controls.width(), self.lesson_player.sizeHint().width())  # the lesson's buttons uncut
        self.resizeDocks([self.lesson_player], [wanted], Qt.Horizontal)

    def show_panels(self, names) -> None:
        """Show only the named panels (a lesson step's choice; in presenter mode at most two of them);
        "equationDock" is the update rule."""
        names = self.presenter.panels_to_show(names)
        self.plot_area.arrange([panel.widget for panel in self.plot_area.panels
                                if panel.widget.objectName() in names])
        self.equation_panel.setVisible("equationDock" in names)
        if "equationDock" in names and self.lesson_player.isVisible() and not self.presenting:
            # beside the controls (a tab over them), so that the lesson keeps its whole column
            self.tabifyDockWidget(self.findChild(QDockWidget, "controlsDock"), self.equation_panel)
            self.equation_panel.raise_()

    def show_controls(self, names) -> None:
        self.presenter.show_controls(names)

    def set_presenter(self, on: bool) -> None:
        self.presenter.set_presenting(on)

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    # --- help ------------------------------------------------------------------------------------------------
    def show_shortcuts(self) -> QDialog:
        rows = "".join(f"<tr><td><b>{html.escape(key)}</b></td><td>{html.escape(what)}</td></tr>"
                       for key, what in SHORTCUTS)
        return self._show_text("Keyboard shortcuts", f"<table cellpadding='4'>{rows}</table>", "shortcutsDialog")

    def show_about(self) -> QDialog:
        references = sorted({ref for lesson in load_lessons(on_error=_skip) for ref in lesson.references})
        items = "".join(f"<li>{html.escape(ref)}</li>" for ref in references)
        text = (f"<h3>GradSim {__version__}</h3><p>See, step by step, how gradient-based optimizers move: every "
                "optimizer matches PyTorch's torch.optim to float64 precision, and every claim a lesson makes is "
                "checked by the test suite.</p><p>MIT licence.</p>"
                f"<p><b>The lessons cite</b></p><ul>{items}</ul>")
        return self._show_text("About GradSim", text, "aboutDialog")

    def _show_text(self, title: str, text: str, name: str) -> QDialog:
        dialog = QDialog(self, objectName=name)
        dialog.setWindowTitle(title)
        browser = QTextBrowser()
        browser.setOpenExternalLinks(True)
        browser.setHtml(text)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(dialog.close)
        layout = QVBoxLayout(dialog)
        layout.addWidget(browser)
        layout.addWidget(buttons)
        dialog.resize(640, 480)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def closeEvent(self, event) -> None:
        self.plot_area.frame_timer.stop()
        self.surface_views.shutdown()
        self.handouts.shutdown()
        self.controller.shutdown()
        self.appearance.restore()
        super().closeEvent(event)
