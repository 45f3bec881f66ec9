"""The runs' legend, once for every panel, in a strip above them: it never covers a curve.

Each run: a line in its colour, its name and current learning rate, and its state (hidden, or
diverged at step k with the reason, drawn faint as its curves are).
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSizePolicy

from .theme import Style


class RunLegend(QLabel):
    def __init__(self, parent=None):
        super().__init__(parent, objectName="runLegend")
        self.setAccessibleName("Legend of the runs")
        self.setWordWrap(True)
        self.setTextFormat(Qt.RichText)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        self.setContentsMargins(6, 2, 6, 2)
        self.style = Style()
        self.entries: list[dict] = []

    def set_entries(self, entries: list[dict]) -> None:
        """`entries`: per run {"label", "color", "visible", "diverged_at", "reason"}."""
        entries = [dict(entry) for entry in entries]
        if entries != self.entries:  # the label is laid out again only when it changes
            self.entries = entries
            self._show()

    def restyle(self, style: Style) -> None:
        self.style = style
        self._show()

    def labels(self) -> list[str]:
        """Each run's name as the legend shows it."""
        return [entry["label"] for entry in self.entries]

    def plain_text(self) -> str:
        return _plain(self.text())

    def _show(self) -> None:
        style = self.style
        parts = []
        for entry in self.entries:
            color = QColor(entry["color"])
            faded = entry.get("diverged_at") is not None
            if faded or not entry.get("visible", True):
                color.setAlpha(90)
            swatch = f"<span style='color:{color.name(QColor.HexArgb)}; font-weight:bold'>━━</span>"
            label = html.escape(entry["label"])
            if faded:
                label = f"<span style='color:{style.muted}'>{label}</span>"
                label += f" <span style='color:{style.error}'>✖ diverged at step {entry['diverged_at']}</span>"
            elif not entry.get("visible", True):
                label = f"<span style='color:{style.muted}'>{label} (hidden)</span>"
            parts.append(f"<span style='white-space:nowrap'>{swatch}&nbsp;{label}</span>")
        self.setText("&nbsp;&nbsp;&nbsp; ".join(parts))


def _plain(rich: str) -> str:
    from PySide6.QtGui import QTextDocument
    document = QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()
