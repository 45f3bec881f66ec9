"""How the whole app looks: light or dark, and how large its text and lines are (for a projector).

`Appearance` owns both settings. It gives the application a Qt palette (every widget, dialogs
included) and the window a font; views that draw their own colours and sizes (the plots, the run
legend, the message log) listen to `changed` and restyle from `style`, a small frozen record.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QDockWidget

BASE_POINT_SIZE = 10.0
SCALE_RANGE = (0.6, 3.0)
CONTROLS_WIDTH = 340  # the controls dock at scale 1
CONTROLS_SHARE = 0.42  # larger text widens the controls dock up to this share of the window (then it scrolls)


@dataclass(frozen=True)
class Style:
    """What a view needs to draw itself: colours for the theme, sizes for the text scale."""
    dark: bool = False
    scale: float = 1.0

    @property
    def background(self) -> str:
        return "#1e1f22" if self.dark else "#ffffff"

    @property
    def foreground(self) -> str:
        return "#e6e6e6" if self.dark else "#202020"

    @property
    def muted(self) -> str:
        """Cursors, threshold lines, secondary text."""
        return "#8c8c8c" if self.dark else "#787878"

    @property
    def readout_fill(self) -> tuple[int, int, int, int]:
        return (40, 42, 46, 225) if self.dark else (255, 255, 255, 225)

    @property
    def error(self) -> str:
        return "#ff6b6b" if self.dark else "#b00020"

    def points(self, base: float) -> float:
        """A text size of `base` points at scale 1."""
        return base * self.scale

    def font(self, base: float = BASE_POINT_SIZE) -> QFont:
        font = QFont(QApplication.font())
        font.setPointSizeF(self.points(base))
        return font

    @property
    def line_width(self) -> float:
        """The time panels' curves: one pixel at scale 1 (in software rendering a one-pixel line paints
        three to five times faster than a wider one; benchmarks/bench_gui.py)."""
        return 1.0 * self.scale

    @property
    def path_width(self) -> float:
        """The trajectories on the contours: the panel's main subject, drawn bolder."""
        return 2.0 * self.scale

    @property
    def marker_size(self) -> float:
        return 10.0 * self.scale


def dark_palette() -> QPalette:
    """A dark palette for every widget (used with the Fusion style, which follows palettes fully)."""
    palette = QPalette()
    colors = {
        QPalette.Window: "#2b2d31", QPalette.WindowText: "#e6e6e6", QPalette.Base: "#1e1f22",
        QPalette.AlternateBase: "#2b2d31", QPalette.ToolTipBase: "#3a3d42", QPalette.ToolTipText: "#e6e6e6",
        QPalette.Text: "#e6e6e6", QPalette.Button: "#383a3f", QPalette.ButtonText: "#e6e6e6",
        QPalette.BrightText: "#ff6b6b", QPalette.Link: "#6ea8fe", QPalette.Highlight: "#3d6fb4",
        QPalette.HighlightedText: "#ffffff", QPalette.PlaceholderText: "#8c8c8c", QPalette.Light: "#4a4d52",
        QPalette.Midlight: "#3f4247", QPalette.Mid: "#33363a", QPalette.Dark: "#191a1c", QPalette.Shadow: "#000000",
    }
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor("#7a7d82"))
    return palette


class Appearance(QObject):
    """The theme and the text scale of one window (and of the application while it is open)."""

    changed = Signal(object)  # the new Style

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.style = Style()
        app = QApplication.instance()
        self._light_palette = QPalette(app.palette())
        app.setStyle("Fusion")  # follows the palette everywhere (native styles ignore parts of it)
        window.setAttribute(Qt.WA_WindowPropagation)  # dialogs take the window's font too
        window.setFont(self.style.font())  # scale 1 from the start, as going back to 1 gives it
        window.installEventFilter(self)  # a resized window shares its width again

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Resize:
            QTimer.singleShot(0, self._widen_controls)
        return False

    @property
    def dark(self) -> bool:
        return self.style.dark

    @property
    def scale(self) -> float:
        return self.style.scale

    def set_dark(self, dark: bool) -> None:
        QApplication.instance().setPalette(dark_palette() if dark else self._light_palette)
        self._apply(replace(self.style, dark=bool(dark)))

    def scale_text(self, factor: float) -> None:
        """Larger or smaller text (and lines, markers and the controls) everywhere."""
        self.set_scale(self.style.scale * factor)

    def set_scale(self, scale: float) -> None:
        """Text, lines, markers and the controls at `scale` times their size at 1 (presenter mode sets
        it for the screen, and back)."""
        low, high = SCALE_RANGE
        if scale != self.style.scale:
            self._apply(replace(self.style, scale=min(high, max(low, scale))))

    def _apply(self, style: Style) -> None:
        self.style = style
        self.window.setFont(style.font())
        self.changed.emit(style)
        QTimer.singleShot(0, self._widen_controls)  # once the larger text is laid out

    def _widen_controls(self) -> None:
        """Room in the controls dock for its labels and buttons at this text size ("Remove run", not "Remo")."""
        dock = self.window.findChild(QDockWidget, "controlsDock")
        if dock is None:
            return
        width = int(CONTROLS_WIDTH * self.style.scale)
        scroll = dock.widget()
        # as wide as the controls need (larger text: as they ask), so that none is cut or scrolled sideways
        wanted = scroll.widget().sizeHint() if self.style.scale > 1 else scroll.widget().minimumSizeHint()
        width = max(width, wanted.width() + scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth() + 4)
        # but the plots keep most of a small window: past its share the controls scroll sideways
        share = max(CONTROLS_WIDTH, int(CONTROLS_SHARE * self.window.width()))
        width = min(width, share)
        if dock.minimumWidth() != width:
            dock.setMinimumWidth(width)
        if dock.width() > share:
            self.window.resizeDocks([dock], [width], Qt.Horizontal)

    def restore(self) -> None:
        """The application's own palette again (the window is closing)."""
        QApplication.instance().setPalette(self._light_palette)
