"""The y scale of a loss plot, chosen from the data so that no value vanishes or is squeezed flat.

A logarithmic axis cannot show zero or a negative loss, and one run reaching 1e-250 squeezes every
other curve into a few pixels. So:

- `log` for losses that stay positive, with a floor FLOOR_DECADES below the highest value shown
  (lower values, exact zeros included, are drawn at the floor, and `floor_note` says so);
- `gap`, the loss minus the surface's known minimum f*, on a log axis with the same floor, where
  the surface knows f* ≠ 0 and no run went below it (Goldstein–Price, six-hump camel,
  Styblinski–Tang);
- `symlog` for losses that go negative with no known minimum (a saddle): sign(v)·log10(1 + |v|/c),
  linear within ±c, logarithmic beyond, so both signs and every size stay readable;
- `linear` for values of both signs within a factor 100 of each other.

`choose` makes the automatic choice; a user may fix any of them. Pure NumPy, no Qt.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MODES = ("auto", "log", "gap", "symlog", "linear")
MODE_TITLES = {"auto": "Automatic", "log": "Logarithmic", "gap": "Loss − f* (logarithmic)",
               "symlog": "Symmetric logarithmic", "linear": "Linear"}
FLOOR_DECADES = 30  # a log axis shows at most this many decades below its highest value


@dataclass(frozen=True)
class Scale:
    mode: str                 # "log", "gap", "symlog" or "linear" (never "auto")
    offset: float = 0.0       # subtracted before drawing (f* for "gap")
    floor: float = 0.0        # log modes: values below it are drawn at it
    linear_width: float = 1.0  # symlog: the half-width c of the linear part
    clamped: bool = False     # some value is below the floor

    @property
    def logarithmic(self) -> bool:
        return self.mode in ("log", "gap")

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Data values to drawn y coordinates (NaN stays NaN)."""
        values = np.asarray(values, dtype=float)
        with np.errstate(all="ignore"):
            if self.logarithmic:
                return np.log10(np.maximum(values - self.offset, self.floor))
            if self.mode == "symlog":
                return np.sign(values) * np.log10(1.0 + np.abs(values) / self.linear_width)
            return values

    def inverse(self, drawn: np.ndarray) -> np.ndarray:
        """Drawn y coordinates back to data values (for read-outs and tick labels)."""
        drawn = np.asarray(drawn, dtype=float)
        if self.logarithmic:
            return 10.0 ** drawn + self.offset
        if self.mode == "symlog":
            return np.sign(drawn) * (10.0 ** np.abs(drawn) - 1.0) * self.linear_width
        return drawn

    def label(self, quantity: str = "loss") -> str:
        """The axis label: what is drawn and on which scale."""
        if self.mode == "gap":
            text = f"{quantity} − f* (f* = {self.offset:.6g}), log scale"
        elif self.mode == "log":
            text = f"{quantity}, log scale"
        elif self.mode == "symlog":
            text = f"{quantity}, symmetric log (linear within ±{self.linear_width:.3g})"
        else:
            text = quantity
        return text

    def floor_note(self, quantity: str = "loss") -> str:
        """Where values under a log axis's floor are drawn, in words ("" when there are none)."""
        if not (self.logarithmic and self.clamped):
            return ""
        what = f"{quantity} − f*" if self.mode == "gap" else quantity
        return f"{what} below {self.floor:.0e} drawn at {self.floor:.0e}"

    def ticks(self, low: float, high: float, most: int = 9) -> list[tuple[float, str]]:
        """Labelled tick positions between drawn coordinates `low` and `high` (symlog only: the other
        scales use the plot's own ticks)."""
        if self.mode != "symlog" or not high > low:
            return []
        top = max(abs(low), abs(high))
        decades = range(0, int(math.floor(math.log10(10.0 ** top))) + 1)
        values = [0.0] + [s * self.linear_width * 10.0 ** k for k in decades for s in (1, -1)]
        ticks = sorted((float(self.transform(np.array([v]))[0]), v) for v in values)
        shown = [(pos, v) for pos, v in ticks if low <= pos <= high]
        step = max(1, math.ceil(len(shown) / most))
        return [(pos, _number(v)) for pos, v in shown[::step]]


LOG_MULTIPLES = ((1,), (1, 3), (1, 2, 5), (1, 2, 3, 5), (1, 2, 3, 4, 5, 6, 8), tuple(range(1, 10)))


def log_ticks(low: float, high: float, pixels: float, label_pixels: float) -> tuple[list[tuple[float, str]], list[float]]:
    """Ticks for a log axis showing log10 values `low`..`high` on `pixels` pixels, whose labels are
    `label_pixels` tall: (labelled [(position, text)], unlabelled minor positions).

    The labels never come closer than 1.5 label heights: decades (every k-th when there are many),
    then 1-2-5 or more multiples of each decade as room allows; a range under a decade that holds
    fewer than two of those gets round values spaced evenly in the data instead.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low or pixels <= 0:
        return [], []
    per_decade = pixels / (high - low)
    room = 1.5 * label_pixels
    first, last = math.floor(low), math.ceil(high)
    decades = [k for k in range(first, last + 1) if low <= k <= high]
    if len(decades) >= 2 and per_decade < room * 2.5:  # many decades: every k-th decade, the others as minors
        every = next(k for k in (1, 2, 3, 5, 10, 20, 25, 50, 100, 1000) if k * per_decade >= room)
        labelled = [k for k in decades if k % every == 0] or decades[:1]
        minor = [float(k) for k in decades if k % every]
        return [(float(k), _power(k, 1)) for k in labelled], minor
    chosen: tuple = ()
    for multiples in LOG_MULTIPLES:
        positions = _multiples(first, last, multiples, low, high)
        if len(positions) >= 2 and np.min(np.diff(positions)) * per_decade < room:
            break
        chosen = multiples
    labelled = _multiples(first, last, chosen, low, high) if chosen else []
    if len(labelled) < 2:  # less than a decade: round values, evenly spaced in the data
        values = _round_values(10.0 ** low, 10.0 ** high, max(2, int(pixels / (2.5 * label_pixels))))
        ticks = [(float(np.log10(v)), _number(float(f"{v:.6g}"))) for v in values]
        return ticks, []
    every = set(labelled)
    minor = [p for p in _multiples(first, last, tuple(range(1, 10)), low, high) if p not in every]
    return [(p, _power(round(math.floor(p + 1e-9)), round(10.0 ** (p - math.floor(p + 1e-9))))) for p in labelled], minor


def _multiples(first: int, last: int, multiples: tuple, low: float, high: float) -> list[float]:
    positions = sorted(k + math.log10(m) for k in range(first, last + 1) for m in multiples)
    return [p for p in positions if low - 1e-12 <= p <= high + 1e-12]


def _round_values(low: float, high: float, most: int) -> list[float]:
    """Round numbers between `low` and `high` (positive), evenly spaced, at most `most` of them."""
    span = high - low
    step = 10.0 ** math.floor(math.log10(span / max(1, most)))
    for factor in (1, 2, 2.5, 5, 10):
        if span / (factor * step) <= most:
            step *= factor
            break
    start = math.ceil(low / step) * step
    values = [start + i * step for i in range(int((high - start) / step + 1e-9) + 1)]
    return [v for v in values if low <= v <= high and v > 0]


def _power(exponent: int, multiple: int) -> str:
    """multiple·10^exponent as a tick label: plainly for 0.001 to 10,000, else with a power of ten."""
    value = multiple * 10.0 ** exponent
    if -3 <= exponent <= 4:
        return f"{value:.{max(0, -exponent)}f}" if exponent < 0 else f"{value:g}"
    power = "10" + str(exponent).translate(SUPERSCRIPTS)
    return power if multiple == 1 else f"{multiple}·{power}"


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def choose(mode: str, low: float, high: float, known_minimum: float | None = None) -> Scale:
    """The scale for values between `low` and `high` (finite; the lowest and highest shown), with the
    problem's known minimum f* if it has one; `mode` "auto" decides, any other mode is kept."""
    if mode not in MODES:
        raise ValueError(f"a loss scale is one of {', '.join(MODES)}, not {mode!r}")
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    fstar = known_minimum if known_minimum is not None and math.isfinite(known_minimum) else None
    if mode == "auto":
        tolerance = 1e-9 * max(1.0, abs(fstar)) if fstar is not None else 0.0
        if fstar is not None and fstar != 0.0 and low >= fstar - tolerance:
            mode = "gap"
        elif low >= 0.0:
            mode = "log" if high > 0.0 else "linear"
        else:
            small, large = sorted((abs(low), abs(high)))
            mode = "symlog" if large > 100 * max(small, 1e-300) else "linear"
    if mode == "gap" and fstar is None:
        mode = "log"
    if mode in ("log", "gap"):
        offset = fstar if mode == "gap" else 0.0
        top = high - offset
        if not top > 0:
            return Scale("symlog", linear_width=_linear_width(low, high))
        floor = top * 10.0 ** -FLOOR_DECADES
        return Scale(mode, offset=offset, floor=floor, clamped=low - offset < floor)
    if mode == "symlog":
        return Scale("symlog", linear_width=_linear_width(low, high))
    return Scale("linear")


def _linear_width(low: float, high: float) -> float:
    """Symlog's linear half-width c: a power of ten at the smaller of the two magnitudes (the loss a run
    started from, beside the one that fell a long way), at least a trillionth of the larger and 1e-12.
    Values beyond c are drawn by their decade, so a run at −60 stays apart from one at −8,000 even
    when a third fell to −1e12 (c a thousandth of the largest put all three on the line at 0)."""
    small, large = sorted((abs(low), abs(high)))
    return 10.0 ** math.floor(math.log10(max(small, large * 1e-12, 1e-12)))


def _number(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e5:
        return f"{value:g}".replace("-", "−")
    exponent = int(round(math.log10(magnitude)))
    return ("−" if value < 0 else "") + "10" + str(exponent).translate(SUPERSCRIPTS)  # as the log axes write it
