"""Small pieces the panels share: line styles, a key drawn outside the data, and the hover read-out."""
from __future__ import annotations

import math
from typing import Callable

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QApplication

from .theme import Style

# Thick lines over thousands of points are slow to stroke as one path in Qt's raster engine; drawn as
# separate segments they are several times faster.
pg.setConfigOptions(antialias=False, segmentedLineMode="on", background="w", foreground="k")

QT_STYLES = {"solid": Qt.SolidLine, "dash": Qt.DashLine, "dot": Qt.DotLine, "dashdot": Qt.DashDotLine,
             "dashdotdot": Qt.DashDotDotLine}
CUSTOM_DASHES = {"longdash": [8.0, 3.0], "sparsedot": [1.0, 4.0]}
FADED_ALPHA = 70  # a diverged run's curves


def pen(color, width: float, style: str = "solid", faded: bool = False) -> QPen:
    qcolor = QColor(color)
    if faded:
        qcolor.setAlpha(FADED_ALPHA)
    result = pg.mkPen(qcolor, width=width)
    if style in CUSTOM_DASHES:
        result.setDashPattern(CUSTOM_DASHES[style])
    else:
        result.setStyle(QT_STYLES.get(style, Qt.SolidLine))
    return result


class PlotItem(pg.PlotItem):
    """A plot whose title row is as tall as its title's text (pyqtgraph fixes it at 30 px, which cuts
    a large title in presenter mode), and whose title is cut short with "…" on a narrow plot (pyqtgraph
    makes the plot at least as wide as its title, so five panels on a small screen ran off its edge)."""

    _title = None
    _title_args: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label = self.titleLabel
        keep_height = label.updateMin

        def update_min():  # pyqtgraph's LabelItem asks for its text's width again at every resize
            keep_height()
            label.setMinimumWidth(0)
        label.updateMin = update_min
        update_min()

    def setTitle(self, title=None, **args):
        self._title, self._title_args = title, args
        self._show_title(title)
        self._fit_title()

    def _show_title(self, text) -> None:
        super().setTitle(text, **self._title_args)
        if text is not None:
            height = math.ceil(self.titleLabel.item.boundingRect().height()) + 2
            self.titleLabel.setMaximumHeight(height)
            self.layout.setRowFixedHeight(0, height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_title()

    def _fit_title(self) -> None:
        if self._title and self.width() > 0:
            font = QFont(QApplication.font())
            size = str(self._title_args.get("size", ""))
            if size.endswith("pt"):
                font.setPointSizeF(float(size[:-2]))
            fitted = QFontMetricsF(font).elidedText(self._title, Qt.ElideRight, max(20.0, self.width() - 12))
            if fitted != self.titleLabel.text:
                self._show_title(fitted)


def plot_widget(**kwargs) -> pg.PlotWidget:
    """A PlotWidget with the PlotItem above (`kwargs` go to the PlotItem: axisItems, title, ...)."""
    return pg.PlotWidget(plotItem=PlotItem(**kwargs))


def style_plot(widget: pg.PlotWidget, style: Style, title: str | None = None) -> None:
    """Background, axes, tick labels and the title of one plot in the window's theme and text size."""
    widget.setBackground(style.background)
    item = widget.getPlotItem()
    font = style.font(9)
    for name in ("left", "bottom", "right"):
        axis = item.getAxis(name)
        axis.setPen(style.foreground)
        axis.setTextPen(style.foreground)
        axis.setStyle(tickFont=font, tickTextOffset=int(3 * style.scale) + 2)
        if axis.labelText:
            axis.setLabel(axis.labelText, units=axis.labelUnits, color=style.foreground,
                          **{"font-size": f"{style.points(9):.1f}pt"})
    if title is not None:
        item.setTitle(title, color=style.foreground, size=f"{style.points(11):.1f}pt")


class Key(pg.GraphicsWidget):
    """A key drawn outside the data area: a line or symbol sample and a name per entry, on as many
    lines as the plot's width needs (never cut at its edge; words-only entries wrap at spaces)."""

    GAP = 12   # between entries
    LEFT = 22  # the first entry of a line starts clear of the plot's "A" (auto-range) button

    def __init__(self):
        super().__init__()
        self.entries: list[tuple] = []  # ("line", pen, text), ("symbol", symbol, pen, brush, text), ("text", text)
        self.style = Style()
        self.setSizePolicy(pg.QtWidgets.QSizePolicy.Preferred, pg.QtWidgets.QSizePolicy.Fixed)
        self._lines = 0
        self._resize()

    def set_entries(self, entries: list[tuple], style: Style | None = None) -> None:
        self.entries = list(entries)
        self.style = style or self.style
        self.setVisible(bool(self.entries))
        self._resize()
        self.update()

    def _sample(self, entry) -> float:
        """The width of an entry's sample: a line needs some length, a symbol only its size."""
        return {"line": 22, "symbol": 12, "text": 0}[entry[0]] * self.style.scale

    def layout_entries(self, width: float | None = None) -> list[tuple[tuple, str, float, int]]:
        """(entry, text, x, line) per piece drawn, wrapped to `width` (default the key's own): an entry
        moves to the next line when it would pass the edge, and words-only text is broken at spaces."""
        metrics = QFontMetricsF(self.style.font(9))
        width = self.boundingRect().width() if width is None else width
        right = max(width - 4, 60.0)
        left = float(self.LEFT)
        x, line, out = left, 0, []
        for entry in self.entries:
            sample = self._sample(entry)
            pieces = [entry[-1]]
            if entry[0] == "text":  # break at spaces into pieces that fit a line
                pieces, current = [], ""
                for word in entry[-1].split(" "):
                    trial = f"{current} {word}".strip()
                    if current and left + metrics.horizontalAdvance(trial) > right:
                        pieces.append(current)
                        current = word
                    else:
                        current = trial
                pieces.append(current)
            for k, text in enumerate(pieces):
                size = (sample + 4 if sample else 0) + metrics.horizontalAdvance(text) + 2
                if x > left and (x + size > right or k > 0):
                    x, line = left, line + 1
                out.append((entry if k == 0 else ("text", text), text, x, line))
                x += size + self.GAP
        return out

    def extents(self) -> list[tuple[float, float]]:
        """(left, right) of each piece drawn, in the key's coordinates (for tests)."""
        metrics = QFontMetricsF(self.style.font(9))
        return [(x, x + (self._sample(entry) + 4 if self._sample(entry) else 0) + metrics.horizontalAdvance(text) + 2)
                for entry, text, x, _ in self.layout_entries()]

    def _line_height(self) -> float:
        return QFontMetricsF(self.style.font(9)).height() + 4

    def _count_lines(self, width: float) -> int:
        return max((line for *_, line in self.layout_entries(width)), default=0) + 1 if self.entries else 1

    def _resize(self) -> None:
        width = self.boundingRect().width()
        self._lines = self._count_lines(width) if width > 50 else 1
        height = self._lines * self._line_height() + 2 if self.entries else 0
        self.setPreferredHeight(height)
        self.setMaximumHeight(height)
        self.setMinimumHeight(height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._count_lines(self.boundingRect().width()) != self._lines:
            self._resize()

    def paint(self, painter, *args) -> None:
        font = self.style.font(9)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        line_height = self._line_height()
        for entry, text, x, line in self.layout_entries():
            top = 1 + line * line_height
            middle = top + line_height / 2
            sample = self._sample(entry)
            if entry[0] == "line":
                painter.setPen(entry[1])
                painter.drawLine(QPointF(x, middle), QPointF(x + sample, middle))
            elif entry[0] == "symbol":
                _, symbol, symbol_pen, brush, _ = entry
                painter.save()
                painter.translate(x + sample / 2, middle)
                pg.graphicsItems.ScatterPlotItem.drawSymbol(painter, symbol, 9 * self.style.scale, symbol_pen, brush)
                painter.restore()
            painter.setPen(QColor(self.style.muted if entry[0] == "text" else self.style.foreground))
            left = x + sample + 4 if sample else x
            painter.drawText(QRectF(left, top, metrics.horizontalAdvance(text) + 2, line_height),
                             Qt.AlignVCenter | Qt.AlignLeft, text)


class Readout(QObject):
    """A hover read-out that follows the mouse, stays inside the plot's data area and hides when the
    mouse leaves it. `describe(x, y)` gives the text at a point in data coordinates (None: nothing)."""

    def __init__(self, widget: pg.PlotWidget, describe: Callable[[float, float], str | None]):
        super().__init__(widget)
        self.widget, self.describe = widget, describe
        self.item = pg.TextItem(anchor=(0, 0))
        self.item.setZValue(1000)
        self.item.setVisible(False)
        widget.addItem(self.item, ignoreBounds=True)
        widget.scene().sigMouseMoved.connect(self._moved)
        widget.viewport().installEventFilter(self)
        self.restyle(Style())

    def restyle(self, style: Style) -> None:
        self.item.setColor(style.foreground)
        self.item.fill = pg.mkBrush(*style.readout_fill)
        self.item.border = pg.mkPen(style.muted)
        self.item.setFont(style.font(9))

    @property
    def visible(self) -> bool:
        return self.item.isVisible()

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Leave:
            self.hide()
        return False

    def hide(self) -> None:
        self.item.setVisible(False)

    def _moved(self, scene_position) -> None:
        box = self.widget.getPlotItem().vb
        area = box.sceneBoundingRect()
        if not area.contains(scene_position):
            self.hide()
            return
        point = box.mapSceneToView(scene_position)
        text = self.describe(point.x(), point.y())
        if not text:
            self.hide()
            return
        self.item.setText(text)
        self.item.setAnchor((0.0, 0.0))
        self.item.setVisible(True)
        self.item.updateTransform(force=True)  # the text's size in pixels, for this view's scale
        # beside the mouse, on whichever side keeps all of it inside the data area
        size = self.item.mapRectToScene(self.item.boundingRect()).size()
        offset = 12.0
        x = scene_position.x() + offset
        if x + size.width() > area.right():
            x = scene_position.x() - offset - size.width()
        y = scene_position.y() + offset
        if y + size.height() > area.bottom():
            y = scene_position.y() - offset - size.height()
        x = min(max(x, area.left()), area.right() - size.width())
        y = min(max(y, area.top()), area.bottom() - size.height())
        target = box.mapSceneToView(QPointF(x, y))
        self.item.setPos(target.x(), target.y())
