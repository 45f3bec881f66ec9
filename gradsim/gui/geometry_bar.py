"""The surface bar: 2-D or 3-D, which arrows are drawn on the path, and "explain this step".

It also holds what the 2-D overlay, the 3-D view and the narrated step share: the selected run's
step geometry at the step on screen (`gradsim.app.step_geometry`), the switches, the one display
factor of every arrow (kept over many steps, so that arrows compare, and shown in the legend)
and that of the rate box (the run's largest rate fills a quarter of the view, so Adagrad's box is
seen to shrink and RMSProp's to breathe), and the arrows the narration highlights.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QToolBar

from ..app.step_geometry import fit, geometry_at, nice_scale
from .gl_support import opengl_problem

ARROW_TARGET = 0.12   # the move is drawn about this fraction of the view long
BOX_TARGET = 0.25     # the rate box at the largest rate the run has recorded, its larger side
LONGEST = 0.45        # arrows longer than this fraction of the view are shortened (and drawn dashed)

# (key, label, object name, tooltip)
SWITCHES = (
    ("gradient", "gradient", "gradientArrowCheck", "−ηg: the step plain gradient descent would take here "
                                                    "(and −η·clip(g) where clipping acts)"),
    ("velocity", "velocity", "velocityArrowCheck", "−η × the momentum state after this update (v, b or m)"),
    ("parts", "Δθ parts", "partsArrowCheck", "the update Δθ split into the terms of the rule, tip to tail"),
    ("lookahead", "look-ahead", "lookaheadCheck", "Nesterov: the look-ahead point, where the next gradient is taken"),
    ("box", "rate box", "rateBoxCheck", "adaptive methods: a box whose sides are the x and y effective rates"),
)
# Colours apart from the runs' (arrows also get a white halo in 2-D, so they never pass for a path)
COLORS = {"gradient": "#e0119d", "clipped": "#f08ad0", "velocity": "#6a3d9a", "move": "#111111",
          "momentum": "#6a3d9a", "weight decay": "#7f7f7f", "decoupled weight decay": "#7f7f7f",
          "look-ahead": "#00838f", "scaled gradient": "#b15928", "box": "#1f4e99"}


class GeometryBar(QToolBar):
    changed = Signal()  # what the arrows show changed (switches, step, highlight)

    def __init__(self, controller, parent=None):
        super().__init__("Surface view", parent)
        self.setObjectName("surfaceBar")
        self.controller, self.model = controller, controller.model
        self.view3DButton = QPushButton("3-D view", objectName="view3DButton")
        self.view3DButton.setCheckable(True)
        self.view3DButton.setAccessibleName("Show the surface in 3-D")
        self.gl_problem = "Finding out whether this display offers OpenGL…"
        self._gl_asked = False
        QTimer.singleShot(0, self.ask_opengl)  # after the window shows: the answer may take a moment
        self.addWidget(self.view3DButton)
        self.resetViewButton = QPushButton("Reset 3-D view", objectName="resetViewButton")
        self.resetViewButton.setAccessibleName("Reset the 3-D camera")
        self.resetViewButton.setEnabled(False)
        self.addWidget(self.resetViewButton)
        self.addSeparator()
        self.addWidget(QLabel(" Arrows: "))
        self.checks: dict[str, QCheckBox] = {}
        for key, label, name, tip in SWITCHES:
            box = QCheckBox(label, objectName=name)
            box.setToolTip(tip)
            box.setAccessibleName(f"Draw the {label}")
            box.toggled.connect(self.changed)
            self.checks[key] = box
            self.addWidget(box)
        self.scaleLabel = QLabel(objectName="arrowScaleLabel")
        self.scaleLabel.setToolTip("Every arrow is drawn at this multiple of its length in θ; arrows too long "
                                   "for the view are shortened and drawn dashed")
        self.addWidget(self.scaleLabel)
        self.addSeparator()
        self.explainButton = QPushButton("Explain this step", objectName="explainStepButton")
        self.explainButton.setAccessibleName("Explain this step in four beats")
        self.explainButton.setToolTip("Walk through the selected run's update in four beats; "
                                      "Page Down / → for the next beat, Page Up / ← back, Escape to stop")
        self.addWidget(self.explainButton)

        self.highlight: set[str] = set()  # the narration's arrows of this beat ("gradient", "move", parts' names)
        self.arrow_scale = self.box_scale = 1.0
        self._scaled_for: tuple | None = None
        self._cache: tuple | None = None
        for signal in (controller.rows_changed, controller.shown_changed, controller.selection_changed,
                       controller.run_changed):
            signal.connect(lambda *_: self.changed.emit())
        controller.configured.connect(self._problem_changed)
        controller.experiment_changed.connect(self._problem_changed)
        self._problem_changed()

    def ask_opengl(self) -> str:
        """Why the 3-D view cannot be shown here ("" when it can), found out once."""
        if not self._gl_asked:
            self._gl_asked = True
            self.gl_problem = opengl_problem()
            self._problem_changed()
        return self.gl_problem

    # --- state -------------------------------------------------------------------------------------
    def shown(self, key: str) -> bool:
        return self.checks[key].isChecked()

    def any_shown(self) -> bool:
        return bool(self.highlight) or any(box.isChecked() for box in self.checks.values())

    def set_shown(self, **switches: bool) -> None:
        for key, on in switches.items():
            self.checks[key].setChecked(on)

    def set_highlight(self, names) -> None:
        self.highlight = set(names)
        self.changed.emit()

    def _problem_changed(self) -> None:
        network = self.model.experiment.is_network
        usable = not network and not self.gl_problem
        self.view3DButton.setEnabled(usable)
        self.view3DButton.setToolTip(self.gl_problem or ("The 3-D view shows a surface; a network's loss has "
                                                         "too many dimensions to draw" if network else
                                                         "Show the surface in 3-D: drag to rotate, wheel to zoom, "
                                                         "Ctrl+drag to pan"))
        if not usable and self.view3DButton.isChecked():
            self.view3DButton.setChecked(False)
        for box in self.checks.values():
            box.setEnabled(not network)
        self.explainButton.setEnabled(not network)
        self.changed.emit()

    # --- what is drawn -----------------------------------------------------------------------------
    def view(self) -> tuple[float, float, float, float] | None:
        field = self.model.field
        if field is not None:
            return tuple(field.view)
        info = self.model.info
        return tuple(self.model.view or info.view) if info is not None and info.kind == "surface" else None

    def geometry(self):
        """The selected run's step geometry at the step on screen (None on a network or a diverged run)."""
        model = self.model
        if model.experiment.is_network or not model.ready:
            return None
        key = (model.generation, model.selected, model.shown_step(), model.histories[model.selected].count)
        if self._cache is None or self._cache[0] != key:
            geometry = geometry_at(model, model.selected, model.shown_step())
            self._rescale(geometry)
            self._rescale_box()
            self._cache = (key, geometry)
        return self._cache[1]

    def _rescale(self, geometry) -> None:
        """The arrows' display factor: kept while the move is drawn between a third and two and a half
        times ARROW_TARGET of the view, else chosen again from this step's move (in 1-2-5 steps), so
        that arrows stay comparable over many steps and never shrink out of sight."""
        if geometry is None or self.view() is None:
            return
        key = (self.model.generation, self.model.selected)
        move = self.fraction(geometry.update) or self.fraction(geometry.gradient)
        drawn = move * self.arrow_scale
        if key != self._scaled_for or (move > 0 and not ARROW_TARGET / 3 <= drawn <= 2.5 * ARROW_TARGET):
            self._scaled_for = key
            self.arrow_scale = nice_scale(move, ARROW_TARGET)
            self.scaleLabel.setText(f"  lengths ×{self.arrow_scale:g}")

    def _rescale_box(self) -> None:
        """The box's factor: the largest rate the run has recorded fills BOX_TARGET of the view (so the box
        never leaves it, and keeps its factor while the run stays below that rate)."""
        rates = self.model.histories[self.model.selected].get("lr_eff")
        finite = np.abs(rates[np.all(np.isfinite(rates), axis=1)]) if len(rates) else rates
        if len(finite):
            self.box_scale = nice_scale(float(self.fraction(finite.max(axis=0), each=True).max()), BOX_TARGET)

    def fraction(self, vector, each: bool = False):
        """A vector's length as a fraction of the view (each coordinate by its own side with `each`)."""
        xmin, xmax, ymin, ymax = self.view()
        scaled = np.asarray(vector, dtype=float) / (xmax - xmin, ymax - ymin)
        return scaled if each else float(np.hypot(*scaled))

    def drawn(self, vector) -> tuple[np.ndarray, bool]:
        """An arrow as drawn, in parameter units: ×arrow_scale, shortened to LONGEST of the view."""
        xmin, xmax, ymin, ymax = self.view()
        spans = np.array([xmax - xmin, ymax - ymin])
        scaled, shortened = fit(np.asarray(vector, dtype=float) * self.arrow_scale / spans, LONGEST)
        return scaled * spans, shortened

    def box_sides(self, rates) -> tuple[np.ndarray, bool]:
        """The rate box's sides (x, y) in parameter units, and whether they were shortened."""
        xmin, xmax, ymin, ymax = self.view()
        spans = np.array([xmax - xmin, ymax - ymin])
        sides = np.abs(np.asarray(rates, dtype=float)) * self.box_scale / spans
        longest = float(sides.max())
        if longest > 2 * LONGEST:
            return sides * (2 * LONGEST / longest) * spans, True
        return sides * spans, False

    def arrows(self) -> tuple[list[DrawnArrow], np.ndarray | None, tuple | None]:
        """What to draw now: the arrows, the look-ahead point (or None) and the box
        (centre, sides, shortened) or None, each in parameter units as drawn."""
        if not self.any_shown():  # nothing asked for: no geometry computed either
            return [], None, None
        geometry = self.geometry()
        if geometry is None or self.view() is None:
            return [], None, None
        lit = self.highlight
        items: list[DrawnArrow] = []

        def add(key, start, vector, label, on, color=None):
            if on or key in lit:
                drawn, shortened = self.drawn(vector)
                items.append(DrawnArrow(key, COLORS[color or key], start, drawn, shortened, label, key in lit))
                return drawn
            return None
        add("gradient", geometry.point, geometry.gradient, "−ηg  gradient", self.shown("gradient"))
        if geometry.clipped is not None:
            add("clipped", geometry.point, geometry.clipped, "−η·clip(g)  clipped", self.shown("gradient"))
        if geometry.velocity is not None:
            add("velocity", geometry.point, geometry.velocity, f"{geometry.velocity_formula}  velocity",
                self.shown("velocity"))
        if geometry.parts and len(geometry.parts) > 1:
            at = geometry.point
            for part in geometry.parts:
                drawn = add(f"part:{part.name}", at, part.vector, f"{part.name} part",
                            self.shown("parts"), color=part.name)
                at = at + (drawn if drawn is not None else self.drawn(part.vector)[0])
        add("move", geometry.point, geometry.update, "Δθ  the move",
            self.shown("parts") or self.shown("gradient") or self.shown("velocity"))
        lookahead = None
        if geometry.lookahead is not None and (self.shown("lookahead") or "look-ahead" in lit):
            # where the drawn arrows put it: the tip of the drawn move (θ + Δθ, at the arrows' scale)
            lookahead = geometry.point + self.drawn(geometry.update)[0]
        box = None
        if geometry.rates is not None and (self.shown("box") or "box" in lit):
            sides, shortened = self.box_sides(geometry.rates)
            box = (geometry.point, sides, shortened)
        return items, lookahead, box


@dataclass(frozen=True)
class DrawnArrow:
    key: str            # "gradient", "clipped", "velocity", "move" or "part:<name>"
    color: str
    start: np.ndarray
    vector: np.ndarray  # as drawn: scaled, and shortened if `shortened`
    shortened: bool
    label: str          # for the legend
    lit: bool           # highlighted by the narration
