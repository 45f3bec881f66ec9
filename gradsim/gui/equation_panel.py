"""The equation panel: the selected run's update rule with this step's numbers put in.

The lines come from the engine (`gradsim.core.equations.explain`); this dock only picks the
parameter (x or y on a surface, one weight of a network) and lays the lines out large enough
to read from the back of a lecture hall.
"""
from __future__ import annotations

import html
import math

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QDockWidget, QFormLayout, QTextBrowser, QVBoxLayout, QWidget


class EquationPanel(QDockWidget):
    def __init__(self, parent=None):
        super().__init__("Update rule, this step", parent)
        self.setObjectName("equationDock")
        body = QWidget()
        layout = QVBoxLayout(body)
        form = QFormLayout()
        self.parameterCombo = QComboBox(objectName="equationParameter")
        self.parameterCombo.setAccessibleName("Parameter shown in the update rule")
        form.addRow("Parameter", self.parameterCombo)
        layout.addLayout(form)
        self.text = QTextBrowser(objectName="equationText")
        self.text.setAccessibleName("Update rule with this step's numbers")
        layout.addWidget(self.text)
        self.setWidget(body)
        self.setMinimumWidth(380)
        self._names: list[str] = []
        self.highlighted: frozenset[str] = frozenset()  # lines lit by the narrated step, by the quantity they give
        self._shown: tuple | None = None

    @property
    def index(self) -> int:
        return max(0, self.parameterCombo.currentIndex())

    def set_parameters(self, names: list[str]) -> None:
        if names == self._names:
            return
        keep = self.index if self.index < len(names) else 0
        self._names = names
        with QSignalBlocker(self.parameterCombo):
            self.parameterCombo.clear()
            self.parameterCombo.addItems(names)
            self.parameterCombo.setCurrentIndex(keep)

    def set_highlight(self, names) -> None:
        """Light the lines that give these quantities ("g", "m", "Δθ", …); none with an empty set."""
        self.highlighted = frozenset(names)
        if self._shown is not None:
            self.show_lines(*self._shown)

    def show_lines(self, title: str, lines) -> None:
        """Each line's rule, then its numbers and value ("…" and no value for a line without numbers:
        one the engine cannot write out, or every line while a lesson's question waits)."""
        self._shown = (title, lines)
        rows = []
        for line in lines:
            numbers = html.escape(line.numbers) if line.numbers is not None else "…"
            lit = " bgcolor='#fff2a8'" if line.name in self.highlighted else ""
            value = "" if math.isnan(line.value) else f" = <b>{f'{line.value:.4g}'.replace('-', '−')}</b>"
            rows.append(f"<tr><td{lit} style='color:#555'>{html.escape(line.rule)}</td></tr>"
                        f"<tr><td{lit} style='padding-left:18px; padding-bottom:6px'>{html.escape(line.name)} = "
                        f"{numbers}{value}</td></tr>")
        self.text.setHtml(f"<p><b>{html.escape(title)}</b></p><table>{''.join(rows)}</table>")

    def lit_lines(self) -> list[str]:
        """The rules of the lines lit now (for tests and the narration)."""
        return [line.rule for line in (self._shown[1] if self._shown else ()) if line.name in self.highlighted]

    def show_message(self, title: str, message: str) -> None:
        self._shown = None
        self.text.setHtml(f"<p><b>{html.escape(title)}</b></p><p>{html.escape(message)}</p>")
