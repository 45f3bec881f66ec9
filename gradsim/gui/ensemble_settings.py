"""What the ensemble views share: the row of settings above them, and their common frame.

Each editor is named `<kind><Field>` (for example `basinSteps`, `swarmCount`, `sweepLow`) and
writes its value to `controller.ensembles.set_setting(kind, field, value)`. A refused value is
announced by the model; the row shows the reason in the view's status line and the model's value
in the editor again. A setting left to the model's default (a range of None) shows the value the
last request used.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSignalBlocker, QSize, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLayout, QSpinBox, QVBoxLayout, QWidget

import pyqtgraph as pg

from ..app.ensemble_model import LIMITS, numeric_hparams
from ..core import get_optimizer
from ..core.specs import HParam
from .editors import NumberEdit, show_value
from .plot_items import style_plot
from .theme import Style

NAMES = {"n": "count"}  # an editor's name when its field's would not say what it is (swarmCount)
TOL_SPEC = HParam("tol", 1e-6, 0.0, 1e6, "log", "tol", "convergence tolerance", low_open=True)
ANY_NUMBER = HParam("value", 0.0, -1e12, 1e12, "log", "", "")


def settings_text(optimizer: str, hparams: dict) -> str:
    """"Adam η=0.05, β₁=0.8": the optimizer, its rate, and whatever else differs from the defaults."""
    spec = get_optimizer(optimizer)
    parts = [f"{h.symbol or h.name}={hparams[h.name]:g}" for h in spec.hparams
             if h.name in hparams and h.kind in (int, float) and (h.name == "lr" or hparams[h.name] != h.default)]
    return f"{spec.title} " + ", ".join(parts)


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto more lines when the row is narrow (a projector at
    1024 × 768 must not be made wider by a row of settings)."""

    def __init__(self, parent=None, spacing: int = 6):
        super().__init__(parent)
        self._items = []
        self.setSpacing(spacing)

    def addItem(self, item) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _place(self, rect, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            if item.widget() is not None and item.widget().isHidden():
                continue
            hint = item.sizeHint()
            if x + hint.width() > rect.right() and line > 0:
                x, y, line = rect.x(), y + line + self.spacing(), 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.spacing()
            line = max(line, hint.height())
        return y + line - rect.y()


class SettingsRow(QWidget):
    """Editors for some settings of one ensemble kind, laid out in a row, and a status line."""

    def __init__(self, controller, kind: str, prefix: str, parent=None):
        super().__init__(parent)
        self.ensembles = controller.ensembles
        self.kind, self.prefix = kind, prefix
        self.editors: dict[str, QWidget] = {}
        editors = QWidget()
        self.layout_ = FlowLayout(editors)
        self.layout_.setContentsMargins(4, 2, 4, 0)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(editors)
        controller.ensemble_rejected.connect(self._refused)
        self.status = QLabel(objectName=f"{prefix}Status")
        self.status.setAccessibleName(f"What the {kind} view is computing")
        self.status.setStyleSheet("color: #787878; padding-left: 4px")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        self.used = lambda: {}  # the values the newest request gave the settings left to the model (None)
        controller.ensemble_status.connect(self._status)

    def _name(self, field: str) -> str:
        return self.prefix + "".join(part.capitalize() for part in field.split("_"))

    def _add(self, label: str, field: str, editor: QWidget, tip: str) -> QWidget:
        editor.setObjectName(self._name(NAMES.get(field, field)))
        editor.setAccessibleName(f"{self.kind} {label or field}")
        editor.setToolTip(tip)
        pair = QWidget()  # a label and its editor wrap together
        row = QHBoxLayout(pair)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        if label:
            row.addWidget(QLabel(label))
        row.addWidget(editor)
        self.layout_.addWidget(pair)
        self.editors[field] = editor
        return editor

    def whole(self, label: str, field: str, tip: str) -> QSpinBox:
        """A whole-number setting within the model's limits for it."""
        editor = QSpinBox()
        low, high = LIMITS[field]
        editor.setRange(low, high)
        editor.setKeyboardTracking(False)
        editor.setValue(getattr(self.ensembles.settings[self.kind], field))
        editor.valueChanged.connect(lambda value: self.ensembles.set_setting(self.kind, field, int(value)))
        return self._add(label, field, editor, tip)

    def number(self, label: str, field: str, tip: str, spec: HParam = TOL_SPEC) -> NumberEdit:
        """A number (a tolerance, or one end of a range: then None in the model shows the value used)."""
        editor = NumberEdit(spec)
        value = getattr(self.ensembles.settings[self.kind], field)
        if value is not None:
            editor.setValue(value)
        editor.valueChanged.connect(lambda value: self.ensembles.set_setting(self.kind, field, float(value)))
        editor.setMinimumWidth(80)
        return self._add(label, field, editor, tip)

    def budget(self, what: str = "setting") -> None:
        """The steps every run gets and the tolerance it must reach."""
        self.whole("Steps", "steps", f"updates of every {what}")
        self.number("tol", "tol", f"a {what} has converged when loss − f* ≤ tol (‖∇f‖ ≤ tol where the surface "
                                  "knows no minimum)")

    def choice(self, label: str, field: str, tip: str, items=()) -> QComboBox:
        editor = QComboBox()
        self.set_items(editor, items, getattr(self.ensembles.settings[self.kind], field))
        editor.currentIndexChanged.connect(
            lambda _: self.ensembles.set_setting(self.kind, field, editor.currentData()))
        return self._add(label, field, editor, tip)

    @staticmethod
    def set_items(combo: QComboBox, items, current) -> None:
        """(text, value) pairs, the current one selected, without announcing a change."""
        with QSignalBlocker(combo):
            combo.clear()
            for text, value in items:
                combo.addItem(text, value)
            index = combo.findData(current)
            combo.setCurrentIndex(max(0, index))

    def show_settings(self, used: dict | None = None) -> None:
        """The model's settings in the editors; `used` the values a None setting resolved to."""
        settings = self.ensembles.settings[self.kind]
        for field, editor in self.editors.items():
            value = getattr(settings, field)
            if value is None and used:
                value = used.get(field)
            if value is None:
                continue
            if isinstance(editor, QComboBox):
                with QSignalBlocker(editor):
                    editor.setCurrentIndex(max(0, editor.findData(value)))
            else:
                show_value(editor, value)

    def _status(self, kind: str, text: str) -> None:
        if kind == self.kind:
            self.status.setText(text)
            self.show_settings(self.used())

    def _refused(self, field: str, reason: str) -> None:
        kind, _, name = field.partition(".")
        if kind == self.kind:
            self.status.setText(reason)
            self.show_settings(self.used())


class EnsembleView(QWidget):
    """One ensemble view: its settings row above its plot, a read-out under the pointer, and the
    hooks a view fills in: `show_result` (its kind's result changed), `show_run` (the selected
    run or its settings changed), `hover(position)` and `clicked(event)` on the plot."""

    def __init__(self, controller, kind: str, prefix: str, parent=None):
        super().__init__(parent)
        self.controller, self.model, self.ensembles = controller, controller.model, controller.ensembles
        self.kind = kind
        self.settings = SettingsRow(controller, kind, prefix)
        self.readout = pg.TextItem(anchor=(0, 1), color=(20, 20, 20), fill=pg.mkBrush(255, 255, 255, 210))
        self.readout.setVisible(False)
        self.style = Style()

    def plots(self) -> list:
        """The view's plots to restyle: PlotWidgets, or (GraphicsLayoutWidget, PlotItem) pairs."""
        return [self.widget]

    def restyle(self, style: Style) -> None:
        """The window's theme and text size (View ▸ Dark theme, Ctrl+plus)."""
        self.style = style
        for plot in self.plots():
            style_plot(_PlotOf(*plot) if isinstance(plot, tuple) else plot, style)
        self.readout.setColor(style.foreground)
        self.readout.fill = pg.mkBrush(*style.readout_fill)
        self.readout.setFont(style.font(9))
        self.settings.status.setStyleSheet(f"color: {style.muted}; padding-left: 4px")

    def place(self, widget, readout_in) -> None:
        """Lay out the settings and `widget`, and connect the signals to the hooks."""
        self.widget = widget
        readout_in.addItem(self.readout, ignoreBounds=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.settings)
        layout.addWidget(widget, 1)
        widget.scene().sigMouseMoved.connect(self.hover)
        widget.scene().sigMouseClicked.connect(self._left_click)
        self.controller.ensemble_result.connect(lambda kind: self.show_result() if kind == self.kind else None)
        for signal in (self.controller.selection_changed, self.controller.experiment_changed,
                       self.controller.run_changed):
            signal.connect(lambda *_: self.show_run())

    def _left_click(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self.clicked(event)

    def show_result(self) -> None:
        raise NotImplementedError

    def show_run(self) -> None:
        pass

    def hover(self, position) -> None:
        pass

    def clicked(self, event) -> None:
        pass

    def optimizer(self) -> str:
        return self.model.experiment.runs[self.model.selected].optimizer

    def log_scale(self, name: str) -> bool:
        """Whether the selected run's hyperparameter `name` is drawn on a log axis."""
        spec = next((s for s in numeric_hparams(self.optimizer()) if s.name == name), None)
        return spec is not None and spec.scale == "log"

    def asked_settings(self) -> str:
        asked = self.ensembles.asked(self.kind)
        return settings_text(asked.spec.optimizer, asked.spec.hparams)


class _PlotOf:
    """One plot of a GraphicsLayoutWidget, shaped as `style_plot` expects a PlotWidget."""

    def __init__(self, layout_widget, item):
        self.layout_widget, self.item = layout_widget, item

    def setBackground(self, colour) -> None:
        self.layout_widget.setBackground(colour)

    def getPlotItem(self):
        return self.item
