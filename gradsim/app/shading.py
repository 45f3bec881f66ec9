"""The colours of a surface's loss field and of a network's decision regions, as RGBA pixels (NumPy, no Qt).

The field arrives from the session at the plot's own pixel size, so that it is sharp at any zoom;
here it becomes a continuous colour ramp (on a log scale where the values span several decades) with
iso-lines at round levels marked where neighbouring pixels fall on either side of a level.

A network's classes are drawn in greys and by marker shape, never in colour: colour belongs to the
runs (their paths, curves and legend), so a class can never be mistaken for a run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOG_DECADES = 4.0        # a log-shaded field shows this many decades above its lowest value
LINES_PER_DECADE = 2     # iso-lines on a log field
LINEAR_LINES = 10        # iso-lines on a linear field
LINE_DARKENING = 0.55    # an iso-line pixel keeps this much of its colour
# class shades (0..1 lightness) and marker symbols, for up to five classes
CLASS_SHADES = (0.97, 0.18, 0.62, 0.40, 0.82)
CLASS_SYMBOLS = ("o", "o", "s", "t", "d")
REGION_LIGHT, REGION_DARK = np.array([246, 243, 236]), np.array([150, 153, 163])  # P(class 1) = 0 and 1


@dataclass(frozen=True)
class FieldLevels:
    """How field values map to the colour ramp: u = log10(f − offset) (log) or u = f, over [low, high]."""
    log: bool
    offset: float
    low: float
    high: float

    def level(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        with np.errstate(all="ignore"):
            u = np.log10(np.maximum(values - self.offset, 10.0 ** self.low)) if self.log else values
        return u

    @property
    def line_step(self) -> float:
        return 1.0 / LINES_PER_DECADE if self.log else _round_step((self.high - self.low) / LINEAR_LINES)

    def ticks(self) -> list[tuple[float, str]]:
        """Colour-bar ticks at round values of f: (position on the ramp, label)."""
        if self.log:
            bottom = self.offset + 10.0 ** self.low  # the lowest value in the field
            values = [float(f"{bottom:.2g}")] + [10.0 ** k for k in range(-12, 16)]
            ticks = []
            for value in values:
                if value - self.offset > 0:
                    position = math.log10(value - self.offset)
                    if self.low - 1e-9 <= position <= self.high + 1e-9 and all(abs(position - p) > 0.3 for p, _ in ticks):
                        ticks.append((position, f"{value:g}"))
            return ticks
        step = _round_step((self.high - self.low) / 5)
        first = math.ceil(self.low / step) * step
        return [(v, f"{v:.4g}") for v in np.arange(first, self.high + 1e-9 * step, step)]


def field_levels(values: np.ndarray) -> FieldLevels:
    """A log ramp from the field's lowest value when it spans more than two decades above it, else linear."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return FieldLevels(False, 0.0, 0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    span = high - low
    if span <= 0:
        return FieldLevels(False, 0.0, low - 0.5, high + 0.5)
    tail = float(np.percentile(finite, 5)) - low  # a field flat near its lowest value is not log-worthy
    if span / max(tail, 1e-300) > 100:
        floor = span * 10.0 ** -LOG_DECADES  # f − offset runs from `floor` to span + floor
        return FieldLevels(True, low - floor, math.log10(floor), math.log10(span + floor))
    return FieldLevels(False, 0.0, low, high)


def field_rgba(values: np.ndarray, levels: FieldLevels, lut: np.ndarray) -> np.ndarray:
    """(ny, nx, 4) uint8: the ramp `lut` (n, 3) over the levels, iso-lines darkened, NaN transparent."""
    u = levels.level(values)
    t = np.clip((u - levels.low) / max(levels.high - levels.low, 1e-300), 0.0, 1.0)
    finite = np.isfinite(t)
    index = np.where(finite, np.round(t * (len(lut) - 1)), 0).astype(np.intp)
    rgba = np.empty(values.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = lut[index, :3]
    rgba[..., 3] = np.where(finite, 255, 0)
    band = np.floor(np.where(finite, u, 0.0) / levels.line_step)
    edge = np.zeros(values.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    rgba[edge, :3] = (rgba[edge, :3] * LINE_DARKENING).astype(np.uint8)
    return rgba


def boundary_rgba(values: np.ndarray, kind: str) -> np.ndarray:
    """(ny, nx, 4) uint8 regions of a classifier's output grid (see NetworkProblem.output_grid):
    `kind` "binary" (P(class 1), the 0.5 boundary drawn) or "classes" (class index + probability)."""
    values = np.asarray(values, dtype=float)
    if kind == "binary":
        p = np.clip(np.nan_to_num(values, nan=0.5), 0.0, 1.0)[..., None]
        rgb = REGION_LIGHT * (1 - p) + REGION_DARK * p
        side = values >= 0.5
    else:
        classes = np.clip(np.floor(np.nan_to_num(values)), 0, len(CLASS_SHADES) - 1).astype(int)
        confidence = np.clip(np.nan_to_num(values) - classes, 0.0, 1.0)[..., None]
        shade = np.array(CLASS_SHADES)[classes][..., None] * 0.7 + 0.15  # never pure white or black
        rgb = 255 * (shade * confidence + 0.55 * (1 - confidence))
        side = classes
    edge = np.zeros(values.shape, dtype=bool)
    edge[:, 1:] |= side[:, 1:] != side[:, :-1]
    edge[1:, :] |= side[1:, :] != side[:-1, :]
    rgba = np.empty(values.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    rgba[..., 3] = 255
    rgba[edge, :3] = 20
    return rgba


def _round_step(step: float) -> float:
    if not step > 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(step))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= step)
