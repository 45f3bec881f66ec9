"""Presenter mode on a 1024×768 projector and a 1920×1080 screen (virtual offscreen screens, see
conftest.py): nothing clipped, the explanation never scrolls, at most two large panels, everything
larger, Escape leaves, and leaving puts the window back exactly as it was."""
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QAbstractButton, QApplication, QDockWidget, QLabel, QScrollArea, QTextBrowser,
                               QToolBar)

from gradsim.gui.presenter import PLOT_NAMES
from gradsim.gui.window import default_size
from gradsim.lessons import load_lessons

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


def screen(name):
    return next(s for s in QGuiApplication.screens() if s.name() == name)


def lesson(stem):
    return next(item for item in load_lessons() if item.path.stem == stem)


def clipped(window) -> list[str]:
    """Every shown button or one-line label whose text does not fit it, or that lies outside the window."""
    inside = window.rect()
    found = []
    for widget in window.findChildren(QAbstractButton) + window.findChildren(QLabel):
        if not widget.isVisible() or widget.window() is not window or not widget.text():
            continue
        name = widget.objectName() or widget.text()
        rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
        if not inside.contains(rect) and not scrolled(widget):
            found.append(f"{name} outside the window ({rect})")
        wraps = isinstance(widget, QLabel) and widget.wordWrap()
        needed = widget.heightForWidth(widget.width()) if wraps else widget.sizeHint().height()
        if (not wraps and widget.width() < widget.sizeHint().width()) or widget.height() < needed:
            found.append(f"{name!r} cut: {widget.size().toTuple()} for {widget.sizeHint().toTuple()}")
    return found


def scrolled(widget) -> bool:
    """Whether the widget lies in a scroll area's content (where scrolling brings it into view)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def layout(window) -> dict:
    """What leaving presenter mode must give back: geometry, docks, panels, fonts, lines."""
    area = window.plot_area
    docks = {dock.objectName(): (dock.isVisible(), None if dock.visibleRegion().isEmpty() else dock.geometry().getRect())
             for dock in window.findChildren(QDockWidget)}  # a dock behind another's tab has no place of its own
    panels = {}
    for panel in area.panels:
        item = panel.widget.getPlotItem()
        panels[panel.widget.objectName()] = (
            panel.widget.isVisible(), panel.widget.geometry().getRect(), item.titleLabel.opts.get("size"),
            item.getAxis("left").style["tickFont"].pointSizeF(), item.getAxis("bottom").labelStyle.get("font-size"))
    pens = [path.opts["pen"].widthF() for path in area.trajectory.paths]
    return {"geometry": window.geometry().getRect(), "full screen": window.isFullScreen(), "docks": docks,
            "state": bytes(window.saveState()), "panels": panels, "pens": pens, "font": window.font().toString(),
            "scale": window.appearance.scale, "legend": area.legend.font().toString(),
            "player font": window.lesson_player.font().toString(), "menu": window.menuBar().isVisible(),
            "controls": [a.isVisible() for actions in window.transport.control_actions.values() for a in actions],
            "toolbars": [bar.isVisible() for bar in window.findChildren(QToolBar)]}


def move_to(window, qtbot, name):
    """The window on screen `name`, at the size the app opens with there."""
    window.windowHandle().setScreen(screen(name))
    available = screen(name).availableGeometry()
    window.setGeometry(QRect(available.topLeft(), default_size(available)))
    qtbot.waitUntil(lambda: window.screen() is screen(name))


def settle(qtbot, window, pause=10):
    """Let posted layout requests, resizes and the strip's fitting run."""
    for _ in range(3):
        qtbot.wait(pause)
        qtbot.waitUntil(lambda: not window.presenter._fit_timer.isActive() and not window.presenter._restoring)


def present_on(window, qtbot, name):
    window.set_presenter(True)
    qtbot.waitUntil(lambda: window.geometry() == screen(name).geometry())
    settle(qtbot, window)


def test_a_lesson_on_the_projector_keeps_the_window_on_the_screen(window, qtbot):
    """Outside presenter mode the lesson's dock and the controls do not fit side by side in 1024 pixels:
    the lesson goes over the controls as a tab, rather than Qt widening the window past the screen."""
    move_to(window, qtbot, "projector")
    width = window.width()
    window.start_lesson(lesson("02_learning_rate"))
    qtbot.waitUntil(lambda: window.ready)
    settle(qtbot, window)
    assert window.width() == width and window.frameGeometry().right() <= screen("projector").geometry().right()
    controls = window.findChild(QDockWidget, "controlsDock")
    assert window.lesson_player.isVisible() and controls in window.tabifiedDockWidgets(window.lesson_player)
    assert clipped(window) == []


@pytest.mark.parametrize("name", ["projector", "hd"])
def test_presenter_mode_fits_the_screen_and_leaving_restores_the_layout(window, qtbot, name):
    move_to(window, qtbot, name)
    window.start_lesson(lesson("09_adam"))
    player = window.lesson_player
    player.go_to(1)  # a long setup, a question with long choices, and the update rule
    qtbot.waitUntil(lambda: window.ready and player.waiting)
    window.transport.set_speed(0)
    player.next()  # the class has predicted: the action runs, then the answer and the explanation show
    qtbot.waitUntil(lambda: player.revealed, timeout=30000)
    settle(qtbot, window)
    before = layout(window)
    points = lambda size: float(size.removesuffix("pt"))  # noqa: E731
    title = window.plot_area.trajectory.widget.getPlotItem().titleLabel
    small_title = points(title.opts["size"])
    small_text = window.font().pointSizeF()

    present_on(window, qtbot, name)
    assert window.isFullScreen() and not window.menuBar().isVisible()
    shown = [n for n in PLOT_NAMES if window.plot_area.panel_widget(n).isVisible()]
    assert shown == ["trajectoryPlot"] and window.equation_panel.isVisible()  # two large panels: a plot and the rule
    assert player.replayButton.isVisible() and clipped(window) == []
    assert player.explanationText.isVisible()
    for browser in player.findChildren(QTextBrowser):
        assert browser.verticalScrollBar().maximum() == 0, browser.objectName()  # no scrolling needed
    assert player.y() > window.plot_area.geometry().bottom()  # the lesson runs as a strip under the panels
    assert player.width() == window.width()
    item = window.plot_area.trajectory.widget.getPlotItem()
    larger = 1.4 - 1e-9  # everything at least 1.4 times as large (14 points at 1024×768 for 10)
    assert points(item.titleLabel.opts["size"]) >= larger * small_title
    assert item.titleLabel.height() >= item.titleLabel.item.boundingRect().height()  # the title is not cut
    assert item.getAxis("bottom").style["tickFont"].pointSizeF() >= larger * before["panels"]["trajectoryPlot"][3]
    assert window.plot_area.trajectory.paths[0].opts["pen"].widthF() > 1.25 * before["pens"][0]
    assert window.font().pointSizeF() >= larger * small_text

    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key_Escape)  # from wherever the focus is
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert not window.presenting
    settle(qtbot, window)
    assert layout(window) == before


def test_every_lesson_step_fits_the_projector_without_scrolling(window, qtbot, monkeypatch):
    """The strip fits every step's setup, question and answer at 1024×768, the hardest screen."""
    move_to(window, qtbot, "projector")
    player = window.lesson_player
    window.start_lesson(load_lessons()[0])
    present_on(window, qtbot, "projector")
    # the strip alone, quickly: no scenes loaded, no plots drawn
    monkeypatch.setattr(window, "load_experiment", lambda *args, **kwargs: None)
    monkeypatch.setattr(window.plot_area, "schedule", lambda: None)
    window.plot_area.setUpdatesEnabled(False)
    window.plot_area.trajectory.field_wanted.disconnect()  # no contours for each new size
    for item in load_lessons():
        player.lesson = item
        for index in range(len(item.steps)):
            player.go_to(index)
            player.pause_at = None
            player.action_finished()  # the answer and the reason, as they show at the end of the action
            settle(qtbot, window, pause=1)
            where = f"{item.path.stem} step {index + 1}"
            for browser in player.findChildren(QTextBrowser):
                assert not browser.isVisible() or browser.verticalScrollBar().maximum() == 0, where
            assert player.height() <= 0.46 * window.height(), where
            assert clipped(window) == [], where
    window.set_presenter(False)


def test_the_default_window_fits_a_1280_by_800_screen(window, qtbot):
    laptop = screen("laptop")
    size = default_size(laptop.availableGeometry())
    assert size.width() <= 1280 - 16 and size.height() <= 800 - 48  # room for a title bar and a panel
    move_to(window, qtbot, "laptop")
    assert window.size() == size
    window.start_lesson(lesson("09_adam"))
    window.lesson_player.go_to(1)  # with the update rule: a tab over the controls, the lesson keeps its column
    qtbot.waitUntil(lambda: window.ready)
    qtbot.wait(50)
    assert clipped(window) == []
    assert window.equation_panel.isVisible() and not window.equation_panel.visibleRegion().isEmpty()
    text = window.lesson_player.text
    assert text.height() > 8 * text.fontMetrics().lineSpacing()  # the explanation is not squeezed to two lines
