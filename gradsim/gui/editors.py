"""Editors generated from the engine's hyperparameter specs (range, scale, symbol, meaning)."""
from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLabel, QLineEdit, QSpinBox

from ..core.specs import HParam


class NumberEdit(QDoubleSpinBox):
    """A spin box that shows numbers compactly (1e-08, 0.001, 250) and steps a log-scale value by
    factors of about 2 rather than by a fixed amount."""

    def __init__(self, spec: HParam):
        super().__init__()
        self.spec = spec
        self.setDecimals(15)
        low = spec.low if spec.low is not None else -1e12
        high = spec.high if spec.high is not None else 1e12
        self.setRange(low, high)
        self.setKeyboardTracking(False)
        self.setSingleStep(0.1 if spec.scale == "linear" else 1.0)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        try:
            value = float(stripped)
        except ValueError:
            partial = stripped in ("", "-", "+", ".", "-.") or stripped.lower().endswith(("e", "e-", "e+"))
            return (QValidator.State.Intermediate if partial else QValidator.State.Invalid), text, pos
        if not (self.minimum() <= value <= self.maximum()) or not math.isfinite(value):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Acceptable, text, pos

    def stepBy(self, steps: int) -> None:
        if self.spec.scale == "log" and self.value() > 0:
            self.setValue(self.value() * 2.0 ** steps)
        else:
            super().stepBy(steps)


class BoolEdit(QCheckBox):
    def value(self) -> bool:
        return self.isChecked()

    def setValue(self, value: bool) -> None:
        self.setChecked(bool(value))


class TextEdit(QLineEdit):
    valueChanged = Signal(str)

    def __init__(self):
        super().__init__()
        self.editingFinished.connect(lambda: self.valueChanged.emit(self.text()))

    def value(self) -> str:
        return self.text()

    def setValue(self, value: str) -> None:
        self.setText(value)


def make_editor(spec: HParam, prefix: str):
    """The editor for one spec, named `<prefix><name>`; its change signal is `changed`."""
    if spec.kind is bool:
        editor = BoolEdit(spec.symbol or spec.name)
        editor.changed = editor.toggled
    elif spec.kind is str:
        editor = TextEdit()
        editor.changed = editor.valueChanged
    elif spec.kind is int:
        editor = QSpinBox()
        editor.setRange(int(spec.low if spec.low is not None else -10**9),
                        int(min(spec.high if spec.high is not None else 10**9, 2**31 - 1)))
        editor.setKeyboardTracking(False)
        editor.changed = editor.valueChanged
    else:
        editor = NumberEdit(spec)
        editor.changed = editor.valueChanged
    editor.setValue(spec.default)
    editor.setObjectName(prefix + spec.name)
    editor.setAccessibleName(f"{spec.name} ({spec.symbol})" if spec.symbol else spec.name)
    editor.setToolTip(f"{spec.symbol} — {spec.help}\nvalid range {spec.range_text()}" if spec.symbol
                      else spec.help)
    return editor


def show_value(editor, value) -> None:
    """Put the model's value into an editor without it announcing a change."""
    with QSignalBlocker(editor):
        editor.setValue(value)


class ReasonLabel(QLabel):
    """Why the value just typed was refused, shown under the editors until the next accepted change."""

    def __init__(self, name: str):
        super().__init__(objectName=name)
        self.setWordWrap(True)
        self.setStyleSheet("color: #b00020")
        self.setAccessibleName("Why the last value was refused")
        self.hide()

    def say(self, reason: str) -> None:
        self.setText(reason)
        self.setVisible(bool(reason))
