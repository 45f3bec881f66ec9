"""The step's arrows, look-ahead point and rate box on the 2-D trajectory plot, with their legend.

Attached to the trajectory panel's plot widget (`attach`), its items are added without bounds so
they never change the plot's range; the barbs are recomputed when the range changes so that
they keep their shape on axes scaled differently.
"""
from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtWidgets import QLabel

from ..app.step_geometry import arrow_segments
from .geometry_bar import COLORS, GeometryBar


LEGEND_STYLE = ("QLabel {{ background: rgba(255, 255, 255, 215); border: 1px solid #aaa; padding: 1px 3px; "
                "font-size: {size}; color: #222; }}")


class GeometryOverlay:
    def __init__(self, bar: GeometryBar):
        self.bar = bar
        self.plot: pg.PlotWidget | None = None
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.redraws = 0
        self._timer = QTimer(singleShot=True, interval=0)  # many changes in one turn make one drawing
        self._timer.timeout.connect(self.draw)
        bar.changed.connect(self._timer.start)

    def attach(self, plot: pg.PlotWidget) -> None:
        """Draw on `plot` (the trajectory panel's widget)."""
        self.plot = plot
        self.box = pg.QtWidgets.QGraphicsRectItem()
        self.box.setZValue(20)
        plot.addItem(self.box, ignoreBounds=True)
        self.lookahead = pg.ScatterPlotItem(size=13, symbol="o", pen=pg.mkPen(COLORS["look-ahead"], width=2.5),
                                            brush=pg.mkBrush(255, 255, 255, 0))
        self.lookahead.setZValue(30)
        plot.addItem(self.lookahead, ignoreBounds=True)
        # the legend is a label over the plot widget, so that it also stands over the 3-D view
        self.legend = QLabel(plot, objectName="arrowLegend")
        self._legend_size = ""
        self.legend.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.legend.hide()
        plot.getPlotItem().vb.sigRangeChanged.connect(self._timer.start)
        self.entries: list[str] = []  # the legend's lines, as shown
        self.draw()

    def draw(self) -> None:
        if self.plot is None:
            return
        self.redraws += 1
        arrows, lookahead, box = self.bar.arrows()
        self._show_legend(arrows, lookahead is not None, box is not None)
        if not self.plot.getPlotItem().isVisible():  # the 3-D view is up: it draws the arrows itself
            arrows, lookahead, box = [], None, None
        aspect = self._aspect()
        used = set()
        for arrow in arrows:
            segments = arrow_segments(arrow.start, arrow.vector, aspect, head=self._head())
            width = 4.5 if arrow.lit else 2.5 if arrow.key == "move" else 2.0
            style = Qt.DashLine if arrow.shortened else Qt.SolidLine
            for key, pen in ((f"halo:{arrow.key}", pg.mkPen((255, 255, 255, 200), width=width + 3)),
                             (arrow.key, pg.mkPen(arrow.color, width=width, style=style))):
                item = self._line(key, halo=key.startswith("halo:"))
                item.setPen(pen)
                item.setData(segments[:, 0], segments[:, 1], connect="pairs")
                item.setVisible(True)
                used.add(key)
        for key, item in self.lines.items():
            if key not in used:
                item.setVisible(False)
        if lookahead is not None:
            self.lookahead.setData([lookahead[0]], [lookahead[1]])
        self.lookahead.setVisible(lookahead is not None)
        if box is not None:
            centre, sides, shortened = box
            lit = "box" in self.bar.highlight
            self.box.setRect(QRectF(centre[0] - sides[0] / 2, centre[1] - sides[1] / 2, sides[0], sides[1]))
            pen = pg.mkPen(COLORS["box"], width=3.5 if lit else 1.8, style=Qt.DashLine if shortened else Qt.SolidLine)
            pen.setCosmetic(True)
            self.box.setPen(pen)
            self.box.setBrush(pg.mkBrush(31, 119, 180, 70 if lit else 35))
        self.box.setVisible(box is not None)

    def _line(self, key: str, halo: bool = False) -> pg.PlotDataItem:
        if key not in self.lines:
            item = pg.PlotDataItem([], [])
            item.setZValue(24 if halo else 25)
            self.plot.addItem(item, ignoreBounds=True)
            self.lines[key] = item
        return self.lines[key]

    def _aspect(self) -> float:
        """Pixels per unit of x over pixels per unit of y on the plot."""
        width, height = self.plot.getPlotItem().vb.viewPixelSize()
        return height / width if width > 0 and height > 0 else 1.0

    def _head(self) -> float:
        """Barbs about 11 pixels long, in units of x."""
        return 11 * self.plot.getPlotItem().vb.viewPixelSize()[0]

    def _show_legend(self, arrows, lookahead: bool, box: bool) -> None:
        entries = [(a.color, "╌╌" if a.shortened else "━━", a.label) for a in arrows]
        if lookahead:
            entries.append((COLORS["look-ahead"], "○", "look-ahead (next gradient)"))
        if box:
            entries.append((COLORS["box"], "□", f"rates x, y ×{self.bar.box_scale:g}"))
        if entries:
            entries.append(("#666", "", f"lengths ×{self.bar.arrow_scale:g}; dashed: cut short"))
        self.entries = [label for _, _, label in entries]
        text = "<br>".join(f"<span style='color:{color}'><b>{html.escape(mark)}</b></span> {html.escape(label)}"
                           for color, mark, label in entries)
        size = "8pt" if self.plot.width() >= 520 else "7pt"  # a small panel (a projector's 1024×768) keeps its view
        if text != self.legend.text() or size != self._legend_size:
            self._legend_size = size
            self.legend.setStyleSheet(LEGEND_STYLE.format(size=size))
            self.legend.setText(text)
            self.legend.adjustSize()
        self.place_legend()
        self.legend.setVisible(bool(entries))
        self.legend.raise_()

    def place_legend(self) -> None:
        """In the top left corner of the plot's box."""
        corner = self.plot.mapFromScene(self.plot.getPlotItem().vb.sceneBoundingRect().topLeft())
        self.legend.move(corner.x() + 6, corner.y() + 6)



