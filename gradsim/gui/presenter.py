"""Presenter mode: the lesson on a projector (themes and text size are `gradsim.gui.theme`).

Presenter mode is designed for a projector (1024×768) and a large screen (1920×1080): full screen,
the lesson as a strip under the panels (setup, question, buttons side by side), at most two large
panels (the update rule counts as one), and every text, tick, legend and line scaled to the screen.
The strip is as tall as its text needs, so the explanation never scrolls; when the text would take
more than STRIP_MAX_FRACTION of the screen, the strip's text gets smaller (to STRIP_MIN_FONT of the
presenter size) rather than a scrollbar appearing. Leaving puts the window back exactly as it was:
geometry, docks and their sizes, the panels shown, the text size.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractButton, QApplication, QDockWidget, QLabel, QTextBrowser, QToolBar,
                               QWidget)

from ..lessons.schema import CONTROLS, Scene
from .theme import BASE_POINT_SIZE

PRESENTER_POINTS = 14.0  # the text size on a 1024×768 projector, in points; a larger screen scales it up
STRIP_MAX_FRACTION = 0.45  # the lesson strip's most of the screen's height
STRIP_MIN_FONT = 0.7  # the strip's text may shrink to this fraction of the presenter size to fit
MAX_PANELS = 2
EQUATION_WIDTH = 0.46  # of the screen, when the update rule is one of the two panels
PLOT_NAMES = ("trajectoryPlot", "lossPlot", "lrPlot", "gradNormPlot", "accuracyPlot")
CORNERS = (Qt.BottomLeftCorner, Qt.BottomRightCorner)


def presenter_scale(width: int, height: int) -> float:
    """The text scale (gradsim.gui.theme) for a screen of width × height: PRESENTER_POINTS at 1024×768,
    growing with the screen's smaller relative side."""
    return PRESENTER_POINTS * min(width / 1024, height / 768) / BASE_POINT_SIZE


def presenter_panels(names) -> list[str]:
    """What presenter mode shows of a step's panels: at most two; the update rule, when named, is one
    of them (beside the first plot), else the first two plots."""
    names = list(names)
    plots = [name for name in names if name in PLOT_NAMES]
    if "equationDock" in names:
        return plots[:MAX_PANELS - 1] + ["equationDock"]
    return plots[:MAX_PANELS]


@dataclass(frozen=True)
class _Layout:
    """Everything presenter mode changes, as it was before."""
    geometry: QByteArray
    rect: QRect  # the normal window's geometry
    state: QByteArray
    window_state: Qt.WindowStates
    scale: float  # the text scale
    plots: tuple[str, ...]
    equation: bool
    menu: bool
    corners: tuple
    step: tuple | None  # (lesson, step index) when presenter mode began


class Presenter(QObject):
    """Full screen with large text and only the lesson, the panels and the controls a step names."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.presenting = False
        self.strip_font = 1.0  # the strip's text relative to the window's, while presenting
        self.requested: list[str] = list(PLOT_NAMES)  # the panels last asked for, before presenter mode's choice
        self._saved: _Layout | None = None
        self._fitted: tuple | None = None  # what the strip was last fitted to
        self._restoring = 0  # left presenter mode: tries left to put the geometry and docks back
        self._fit_timer = QTimer(self, singleShot=True, interval=0)
        self._fit_timer.timeout.connect(self.fit_strip)
        player = window.lesson_player
        for watched in (window, player.widget(), player.setupBox, player.questionBox):
            watched.installEventFilter(self)
        for browser in player.findChildren(QTextBrowser):
            browser.document().contentsChanged.connect(self._refit)
            browser.installEventFilter(self)  # a narrower column makes the text taller

    # --- entering and leaving ----------------------------------------------------------------------
    def set_presenting(self, on: bool) -> None:
        if on != self.presenting:
            self._enter() if on else self._leave()

    def _enter(self) -> None:
        window, player = self.window, self.window.lesson_player
        self._saved = _Layout(window.saveGeometry(), window.geometry(), window.saveState(), window.windowState(),
                              window.appearance.scale,
                              tuple(name for name in PLOT_NAMES if window.plot_area.panel_widget(name).isVisibleTo(window)),
                              window.equation_panel.isVisibleTo(window), window.menuBar().isVisibleTo(window),
                              tuple(window.corner(c) for c in CORNERS), self._step_key())
        self.presenting = True
        window.menuBar().hide()  # every menu's shortcut still works: the actions belong to the window
        # the message log and the surface bar stay with the desk (their shortcuts work all the same)
        for widget in window.findChildren(QDockWidget) + window.findChildren(QToolBar):
            if widget not in (player, window.equation_panel, window.transport) and widget.parent() is window:
                widget.hide()
        for corner in CORNERS:  # the strip runs under the panels and the update rule
            window.setCorner(corner, Qt.BottomDockWidgetArea)
        player.setTitleBarWidget(QWidget())
        player.set_strip(True)
        window.addDockWidget(Qt.BottomDockWidgetArea, player)
        window.addDockWidget(Qt.RightDockWidgetArea, window.equation_panel)
        window.showFullScreen()
        screen = window.screen().geometry()
        window.appearance.set_scale(presenter_scale(screen.width(), screen.height()))
        window.show_panels(self.requested)
        step = player.current_step()
        self.show_controls(step.scene.controls if step is not None else Scene.controls)
        window.resizeDocks([window.equation_panel], [int(EQUATION_WIDTH * screen.width())], Qt.Horizontal)
        self._refit()

    def _leave(self) -> None:
        window, player, saved = self.window, self.window.lesson_player, self._saved
        self.presenting = False
        self._fit_timer.stop()
        self._fitted = None
        player.set_strip(False)
        player.setTitleBarWidget(None)
        player.setFont(QFont())  # inherit the window's again
        for browser in player.findChildren(QTextBrowser):
            browser.setMinimumHeight(0)
            browser.setMaximumHeight(16777215)
            browser.setVerticalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        player.widget().setMinimumHeight(0)
        for corner, area in zip(CORNERS, saved.corners):
            window.setCorner(corner, area)
        window.appearance.set_scale(saved.scale)
        self.show_controls()
        window.setWindowState(saved.window_state)
        if saved.window_state & (Qt.WindowMaximized | Qt.WindowFullScreen):
            window.restoreGeometry(saved.geometry)
        else:
            window.setGeometry(saved.rect)
        window.restoreState(saved.state)  # the docks where they were, at their sizes, shown or hidden
        window.menuBar().setVisible(saved.menu)
        if self._step_key() == saved.step:  # the same step: the panels that were shown
            window.plot_area.arrange([window.plot_area.panel_widget(name) for name in saved.plots])
            window.equation_panel.setVisible(saved.equation)
        else:  # the class moved on: the step's own panels
            window.show_panels(self.requested)
        # Once more when the layout has settled: a window manager gives the normal size back later,
        # and the fonts and panels just changed every minimum size.
        self._restoring = 8
        QTimer.singleShot(0, self._restore_window)

    def _restore_window(self) -> None:
        window, saved = self.window, self._saved
        if self.presenting or not self._restoring:
            return
        normal = not saved.window_state & (Qt.WindowMaximized | Qt.WindowFullScreen)
        if normal and window.geometry() != saved.rect:
            window.setGeometry(saved.rect)
        settled = window.saveState() == saved.state
        if not settled:
            window.restoreState(saved.state)
        # a few looks over a tenth of a second, as late layout requests move docks too; done once the
        # docks have stayed as they were
        self._restoring = 0 if settled and self._restoring < 4 else self._restoring - 1
        if self._restoring:
            QTimer.singleShot(25, self._restore_window)

    def _step_key(self):
        player = self.window.lesson_player
        return (player.lesson.path, player.index) if player.lesson is not None else None

    # --- what is shown -----------------------------------------------------------------------------------
    def panels_to_show(self, names) -> list[str]:
        """The panels to show for a request (a lesson step's, or all): in presenter mode at most two."""
        self.requested = list(names)
        return presenter_panels(names) if self.presenting else list(names)

    def show_controls(self, names=CONTROLS) -> None:
        """In presenter mode, only the named controls of the transport bar (and the run editors for
        "editors"); outside it, all of them."""
        names = set(CONTROLS if not self.presenting else names)
        transport = self.window.transport
        for name, actions in transport.control_actions.items():
            for act in actions:
                act.setVisible(name in names)
        # a long status (a run diverged, and why) would not fit beside the buttons: the strip shows it
        transport.status_action.setVisible(not (self.presenting and self.window.lesson_player.isVisible()))
        self.window.findChild(QDockWidget, "controlsDock").setVisible("editors" in names)

    # --- the strip's height ------------------------------------------------------------------------------
    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if self.presenting and kind in (QEvent.Resize, QEvent.LayoutRequest):
            self._refit()
        return False

    def _refit(self) -> None:
        if self.presenting:
            self._fit_timer.start()

    def fit_strip(self) -> None:
        """Make the lesson strip exactly as tall as its text, the setup's and the question's, at the
        strip's width; where that would pass STRIP_MAX_FRACTION of the window, use smaller text."""
        window, player = self.window, self.window.lesson_player
        if not self.presenting or not player.isVisible():
            return
        body = player.widget()
        if self._fit_key() == self._fitted:  # only our own changes since the last fit
            return
        limit = int(STRIP_MAX_FRACTION * window.height())
        browsers = player.findChildren(QTextBrowser)
        self._balance_columns()
        scale = 1.0
        for _ in range(12):  # a few sizes down, each measured once its layout has settled
            self._set_strip_font(scale)
            _settle(body)
            for browser in browsers:
                # sized to its text, it needs no scrollbar; one shown would narrow the text and lengthen it
                browser.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
                browser.setFixedHeight(_text_height(browser))
            _settle(body)
            needed = body.layout().totalHeightForWidth(body.width())
            if needed > limit and scale > STRIP_MIN_FONT:
                scale = max(STRIP_MIN_FONT, scale * 0.92)
            elif all(browser.height() == _text_height(browser) for browser in browsers):
                break  # the widths the heights were measured at are the widths they got
        if body.minimumHeight() != needed:
            body.setMinimumHeight(needed)
        if player.height() != needed:
            window.resizeDocks([player], [needed], Qt.Vertical)
        _settle(body)
        self._fitted = self._fit_key()  # as it stands now that the fonts and heights are set

    def _balance_columns(self) -> None:
        """Widths for the setup and the question (with its answer and reason) by how much each says,
        so that neither runs far longer than the other."""
        player = self.window.lesson_player
        setup, question = _characters(player.setupBox), _characters(player.questionBox)
        share = min(7, max(3, round(10 * setup / max(1, setup + question))))
        player.parts.setStretchFactor(player.setupBox, share)
        player.parts.setStretchFactor(player.questionBox, 10 - share)

    def _fit_key(self) -> tuple:
        """What the strip's height depends on: its width, the screen, the text size and every text."""
        window, player = self.window, self.window.lesson_player
        shown = [w for kind in (QLabel, QAbstractButton) for w in player.findChildren(kind) if w.isVisibleTo(player)]
        texts = tuple(w.text() for w in shown)
        return (player.widget().width(), window.height(), window.font().toString(), texts,
                tuple((browser.width(), browser.toPlainText()) for browser in player.findChildren(QTextBrowser)))

    def _set_strip_font(self, scale: float) -> None:
        self.strip_font = scale
        player = self.window.lesson_player
        font = QFont(self.window.font())
        font.setPointSizeF(self.window.font().pointSizeF() * scale)
        if player.font() != font:
            player.setFont(font)


def _characters(box: QWidget) -> int:
    """How much text the box shows."""
    shown = [w for kind in (QLabel, QAbstractButton) for w in box.findChildren(kind) if w.isVisibleTo(box)]
    return (sum(len(w.text()) for w in shown)
            + sum(len(b.toPlainText()) for b in box.findChildren(QTextBrowser) if b.isVisibleTo(box)))


def _settle(widget: QWidget) -> None:
    """Carry out the layout requests that font and text changes posted, now."""
    QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
    widget.layout().activate()


def _text_height(browser: QTextBrowser) -> int:
    """The height that shows all of the browser's text at its width, without a scrollbar."""
    document = browser.document().clone(browser)
    document.setTextWidth(browser.contentsRect().width())
    height = math.ceil(document.size().height()) + 2 * browser.frameWidth()
    document.deleteLater()
    return height
