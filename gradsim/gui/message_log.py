"""The message log: every event the model logged, newest last, with its step and run.

Divergences with their reason, refused values with the field they came from, lesson progress,
session errors: nothing overwrites anything (the toolbar's status line only shows the newest).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QDockWidget, QHeaderView, QTableWidget, QTableWidgetItem

from .theme import Style

MAX_ROWS = 5000  # shown; the model keeps every entry
SHOWN_ROWS = 3   # the dock's height at first, in messages
KIND_TITLES = {"diverged": "diverged", "rejected": "refused", "error": "error", "info": "note", "lesson": "lesson"}
FIELD_NAMES = {"problem": "problem", "start": "start point", "network": "network", "runs": "runs",
               "optimizer": "optimizer", "schedule": "schedule", "clip": "clipping", "grad_noise": "gradient noise",
               "seed": "seed"}


def field_title(field: str) -> str:
    """Where a refused value came from, as the user knows it (hp_lr → "lr", sp_expr → "surface expr")."""
    if field.startswith("hp_"):
        return field[3:]
    if field.startswith("sp_"):
        return f"problem {field[3:]}"
    return FIELD_NAMES.get(field, field)


class MessageLog(QDockWidget):
    def __init__(self, controller, parent=None):
        super().__init__("Messages", parent)
        self.setObjectName("messageLog")
        self.controller, self.model = controller, controller.model
        self.table = QTableWidget(0, 4, objectName="messageTable")
        self.table.setAccessibleName("Messages")
        self.table.setHorizontalHeaderLabels(["step", "run", "kind", "message"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.setWidget(self.table)
        self.style = Style()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 4)
        self.setMinimumHeight(60)  # a line and the header, when the window is small
        for entry in self.model.log:
            self.add(entry)
        controller.logged.connect(self.add)

    def add(self, entry) -> None:
        """One row for a LogEntry (kept in order; the oldest rows go past MAX_ROWS)."""
        if self.table.rowCount() >= MAX_ROWS:
            self.table.removeRow(0)
        row = self.table.rowCount()
        self.table.insertRow(row)
        run = "" if entry.run is None else self._run_name(entry.run)
        text = entry.text
        if entry.kind == "rejected" and entry.field:
            text = f"{field_title(entry.field)}: {text}"
        cells = ["" if entry.step is None else str(entry.step), run, KIND_TITLES.get(entry.kind, entry.kind), text]
        for column, value in enumerate(cells):
            item = QTableWidgetItem(value)
            item.setToolTip(text)
            if entry.kind in ("diverged", "rejected", "error"):
                item.setForeground(QColor(self.style.error))
            self.table.setItem(row, column, item)
        self.table.scrollToBottom()

    def entries(self) -> list[tuple[str, str, str, str]]:
        """What the table shows, row by row (for tests and exports)."""
        return [tuple(self.table.item(r, c).text() for c in range(4)) for r in range(self.table.rowCount())]

    def restyle(self, style: Style) -> None:
        self.style = style
        self.table.verticalHeader().setDefaultSectionSize(QFontMetrics(style.font()).height() + 4)
        QTimer.singleShot(0, self._keep_rows)  # once the new font is laid out
        for row in range(self.table.rowCount()):
            kind = self.table.item(row, 2).text()
            if kind in ("diverged", "refused", "error"):
                for column in range(4):
                    self.table.item(row, column).setForeground(QColor(style.error))

    def _run_name(self, index: int) -> str:
        runs = self.model.experiment.runs
        return f"{index + 1}" + (f" {runs[index].name}" if index < len(runs) and runs[index].name else "")

    def _keep_rows(self) -> None:
        """Larger text: the dock grows to keep SHOWN_ROWS messages in sight (it never shrinks what the user set)."""
        window = self.parentWidget()
        wanted = self.sizeHint().height()
        if window is not None and self.isVisible() and not self.isFloating() and self.height() < wanted:
            window.resizeDocks([self], [wanted], Qt.Vertical)

    def sizeHint(self):
        """Tall enough for its title, the header and SHOWN_ROWS messages (two divergences and a note)."""
        hint = super().sizeHint()
        rows = SHOWN_ROWS * self.table.verticalHeader().defaultSectionSize()
        title = self.fontMetrics().height() + 8
        hint.setHeight(title + self.table.horizontalHeader().sizeHint().height() + rows + 2 * self.table.frameWidth())
        return hint
