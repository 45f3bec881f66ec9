"""Presenter mode on a 1024×768 projector and a 1920×1080 screen (virtual offscreen screens, see
conftest.py): nothing clipped, the explanation never scrolls, at most two large panels, everything
larger, Escape leaves, and leaving puts the window back exactly as it was."""
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScrollArea, QTextBrowser

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
    docks = {dock.objectName(): (dock.isVisible(), dock.geometry().getRect())
             for dock in (window.lesson_player, window.equation_panel, window.findChild(object, "controlsDock"))}
    panels = {}
    for panel in area.panels:
        item = panel.widget.getPlotItem()
        panels[panel.widget.objectName()] = (
            panel.widget.isVisible(), panel.widget.geometry().getRect(), item.titleLabel.opts.get("size"),
            item.getAxis("left").style["tickFont"].pointSizeF(), item.getAxis("bottom").labelStyle.get("font-size"),
            item.legend.opts["labelTextSize"] if item.legend is not None else None)
    pens = [curve.opts["pen"].widthF() for panel in area.time_panels for curves in panel.curves for curve in curves]
    return {"geometry": window.geometry().getRect(), "full screen": window.isFullScreen(), "docks": docks,
            "state": bytes(window.saveState()), "panels": panels, "pens": pens, "font": window.font().toString(),
            "player font": window.lesson_player.font().toString(), "menu": window.menuBar().isVisible(),
            "controls": [a.isVisible() for actions in window.transport.control_actions.values() for a in actions]}


def move_to(window, qtbot, name):
    """The window on screen `name`, at the size the app opens with there."""
    window.windowHandle().setScreen(screen(name))
    available = screen(name).availableGeometry()
    window.setGeometry(QRect(available.topLeft(), default_size(available)))
    qtbot.waitUntil(lambda: window.screen() is screen(name))


def settle(qtbot, window):
    """Let posted layout requests, resizes and the strip's fitting run."""
    for _ in range(3):
        qtbot.wait(10)
        qtbot.waitUntil(lambda: not window.presenter._fit_timer.isActive())


def present_on(window, qtbot, name):
    window.set_presenter(True)
    qtbot.waitUntil(lambda: window.geometry() == screen(name).geometry())
    settle(qtbot, window)


@pytest.mark.parametrize("name", ["projector", "hd"])
def test_presenter_mode_fits_the_screen_and_leaving_restores_the_layout(window, qtbot, name):
    move_to(window, qtbot, name)
    window.start_lesson(lesson("09_adam"))
    player = window.lesson_player
    player.go_to(1)  # a long setup, a question with long choices, and the update rule
    qtbot.waitUntil(lambda: window.ready and player.waiting)
    window.transport.set_speed(0)
    settle(qtbot, window)
    before = layout(window)
    points = lambda size: float(size.removesuffix("pt"))  # noqa: E731
    title = window.plot_area.trajectory.widget.getPlotItem().titleLabel
    small_title = points(title.opts["size"])

    present_on(window, qtbot, name)
    player.next()  # the class has predicted: the action runs, then the answer shows
    qtbot.waitUntil(lambda: player.revealed, timeout=30000)
    settle(qtbot, window)
    assert window.isFullScreen() and not window.menuBar().isVisible()
    shown = [n for n in PLOT_NAMES if window.plot_area.panel_widget(n).isVisible()]
    assert shown == ["trajectoryPlot"] and window.equation_panel.isVisible()  # two large panels: a plot and the rule
    assert player.replayButton.isVisible() and clipped(window) == []
    for browser in player.findChildren(QTextBrowser):
        assert browser.verticalScrollBar().maximum() == 0, browser.objectName()  # no scrolling needed
    assert player.y() > window.plot_area.geometry().bottom()  # the lesson runs as a strip under the panels
    assert player.width() == window.width()
    item = window.plot_area.trajectory.widget.getPlotItem()
    assert points(item.titleLabel.opts["size"]) > 1.4 * small_title
    assert item.titleLabel.height() >= item.titleLabel.item.boundingRect().height()  # the title is not cut
    assert item.getAxis("bottom").style["tickFont"].pointSizeF() > 1.4 * QApplication.font().pointSizeF()
    assert window.plot_area.trajectory.paths[0].opts["pen"].widthF() > 2.8

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
    monkeypatch.setattr(window, "load_experiment", lambda *args, **kwargs: None)  # the text alone, quickly
    for item in load_lessons():
        player.lesson = item
        for index in range(len(item.steps)):
            player.go_to(index)
            player._set_waiting(False)
            player.reveal()  # the answer as it shows at the end of the action
            settle(qtbot, window)
            where = f"{item.path.stem} step {index + 1}"
            for browser in player.findChildren(QTextBrowser):
                assert browser.verticalScrollBar().maximum() == 0, where
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
    window.lesson_player.go_to(1)
    qtbot.waitUntil(lambda: window.ready)
    qtbot.wait(50)
    assert clipped(window) == []
