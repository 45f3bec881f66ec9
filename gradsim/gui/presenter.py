"""Presenter mode, the dark theme and the text size: how the window looks, not what it shows.

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
from PySide6.QtWidgets import QAbstractButton, QApplication, QDockWidget, QLabel, QTextBrowser, QWidget

from ..lessons.schema import CONTROLS, Scene

PRESENTER_POINTS = 14.0  # the text size on a 1024×768 projector, in points; a larger screen scales it up
STRIP_MAX_FRACTION = 0.45  # the lesson strip's most of the screen's height
STRIP_MIN_FONT = 0.7  # the strip's text may shrink to this fraction of the presenter size to fit
MAX_PANELS = 2
EQUATION_WIDTH = 0.46  # of the screen, when the update rule is one of the two panels
PLOT_NAMES = ("trajectoryPlot", "lossPlot", "lrPlot", "gradNormPlot")
CORNERS = (Qt.BottomLeftCorner, Qt.BottomRightCorner)


def presenter_scale(width: int, height: int, base_points: float) -> float:
    """The text scale for a screen of width × height: PRESENTER_POINTS at 1024×768, growing with the
    screen's smaller relative side."""
    return PRESENTER_POINTS * min(width / 1024, height / 768) / base_points


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
    font_scale: float
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
        self.base_points = QApplication.font().pointSizeF() if QApplication.font().pointSizeF() > 0 else 9.0
        self.font_scale = 1.0
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
        # new runs bring new curves, paths and legend entries: at the text size and line width in force
        window.controller.experiment_changed.connect(self._restyle_lines)

    # --- entering and leaving ----------------------------------------------------------------------
    def set_presenting(self, on: bool) -> None:
        if on != self.presenting:
            self._enter() if on else self._leave()

    def _enter(self) -> None:
        window, player = self.window, self.window.lesson_player
        self._saved = _Layout(window.saveGeometry(), window.geometry(), window.saveState(), window.windowState(), self.font_scale,
                              tuple(name for name in PLOT_NAMES if window.plot_area.panel_widget(name).isVisibleTo(window)),
                              window.equation_panel.isVisibleTo(window), window.menuBar().isVisibleTo(window),
                              tuple(window.corner(c) for c in CORNERS), self._step_key())
        self.presenting = True
        window.menuBar().hide()  # every menu's shortcut still works: the actions belong to the window
        for corner in CORNERS:  # the strip runs under the panels and the update rule
            window.setCorner(corner, Qt.BottomDockWidgetArea)
        player.setTitleBarWidget(QWidget())
        player.set_strip(True)
        window.addDockWidget(Qt.BottomDockWidgetArea, player)
        window.addDockWidget(Qt.RightDockWidgetArea, window.equation_panel)
        window.showFullScreen()
        screen = window.screen().geometry()
        self.set_font_scale(presenter_scale(screen.width(), screen.height(), self.base_points))
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
        self.set_font_scale(saved.font_scale)
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
        self._restoring = 5
        QTimer.singleShot(0, self._restore_window)

    def _restore_window(self) -> None:
        window, saved = self.window, self._saved
        if self.presenting or not self._restoring:
            return
        normal = not saved.window_state & (Qt.WindowMaximized | Qt.WindowFullScreen)
        if normal and window.geometry() != saved.rect:
            window.setGeometry(saved.rect)
        if window.saveState() != saved.state:
            window.restoreState(saved.state)
        done = (not normal or window.geometry() == saved.rect) and window.saveState() == saved.state
        self._restoring = 0 if done else self._restoring - 1
        if self._restoring:
            QTimer.singleShot(20, self._restore_window)

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
        elif self._restoring and watched is self.window and kind == QEvent.Resize:
            QTimer.singleShot(0, self._restore_window)
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

    # --- text size and theme ---------------------------------------------------------------------------
    def scale_fonts(self, factor: float) -> None:
        """Larger or smaller text everywhere (View ▸ Larger text)."""
        self.set_font_scale(self.font_scale * factor)

    def set_font_scale(self, scale: float) -> None:
        """Text, ticks, titles, legends and lines at `scale` times the system's text size."""
        self.font_scale = scale = min(4.0, max(0.6, scale))
        points = self.base_points * scale
        font = QFont(QApplication.font())
        font.setPointSizeF(points)
        self.window.setFont(font)
        style_plots(self.window.plot_area, points, scale)
        self._refit()

    def _restyle_lines(self) -> None:
        if self.font_scale != 1.0:  # at 1 the panels draw them so themselves
            style_lines(self.window.plot_area, self.font_scale)

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


def style_plots(area, points: float, scale: float) -> None:
    """Every panel's title, axis labels, tick labels and legend at `points`, its lines `scale` thick."""
    ticks = QFont(QApplication.font())
    ticks.setPointSizeF(points)
    for panel in area.panels:
        item = panel.widget.getPlotItem()
        item.setTitle(item.titleLabel.text, size=f"{1.2 * points:.1f}pt")
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setStyle(tickFont=ticks, tickTextOffset=max(2, round(3 * scale)), tickLength=round(-5 * scale))
            axis.setLabel(axis.labelText, axis.labelUnits, axis.labelUnitPrefix, **{"font-size": f"{points:.1f}pt"})
    for panel in area.time_panels:
        legend = panel.widget.getPlotItem().legend
        legend.opts["labelTextSize"] = f"{0.9 * points:.1f}pt"  # for the labels made from now on
        for _, label in legend.items:
            label.setText(label.text, size=legend.opts["labelTextSize"])
        legend.updateSize()
    style_lines(area, scale)


def style_lines(area, scale: float) -> None:
    """Curves, paths and markers `scale` times their normal width and size."""
    for panel in area.time_panels:
        for curves in panel.curves:
            for curve in curves:
                _widen(curve, 2 * scale)
    trajectory = area.trajectory
    trajectory.point_size = 7 * scale  # a network's data, seen from the back row
    trajectory.data_points.setSize(trajectory.point_size)
    for path in trajectory.paths:
        _widen(path, 2 * scale)
    for head in trajectory.heads:
        head.setSize(11 * scale)
    for marker in trajectory.markers.values():
        marker.setSize(12 * scale)
    trajectory.start_marker.setSize(16 * scale)


def _widen(curve, width: float) -> None:
    pen = curve.opts["pen"]
    pen.setWidthF(width)
    curve.setPen(pen)


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
