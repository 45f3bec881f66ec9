"""Hyperparameter specs: every tunable number declared as data.

A spec is enough to validate a value, to parse it from the command line and
to build an editor for it in the app (range, linear or log scale, symbol,
one-line meaning).
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' did you mean 'x'?' for the closest valid choice, or '' if none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""


def unknown_name_error(kind: str, name: str, choices: Iterable[str]) -> ValueError:
    if not isinstance(name, str):  # a list or a number where a name belongs
        return ValueError(f"{kind} must be a name (text), got {_shown(name)}")
    choices = sorted(choices)
    hint = did_you_mean(str(name), choices)
    if not hint:
        hint = f"; choose one of: {', '.join(choices)}"
    return ValueError(f"unknown {kind} '{name}'{hint}")


@dataclass(frozen=True)
class HParam:
    """One tunable number (or flag) of an optimizer, schedule or surface.

    `low` and `high` bound the valid range; `low_open`/`high_open` make a bound
    exclusive. `scale` is a hint for editors: "log" for rates and epsilons.
    """

    name: str
    default: float | int | bool
    low: float | None = None
    high: float | None = None
    scale: str = "linear"
    symbol: str = ""
    help: str = ""
    kind: type = float
    low_open: bool = False
    high_open: bool = False

    def range_text(self) -> str:
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return "text"
        shown = (lambda bound: str(int(bound))) if self.kind is int else (lambda bound: f"{bound:g}")
        lo = "-inf" if self.low is None else shown(self.low)
        hi = "inf" if self.high is None else shown(self.high)
        return f"{'(' if self.low_open or self.low is None else '['}{lo}, {hi}{')' if self.high_open or self.high is None else ']'}"

    def coerce(self, value: Any, owner: str = "") -> float | int | bool:
        """Convert `value` (a number, bool or command-line string) and check the range."""
        where = f"{owner} " if owner else ""
        label = f"{where}hyperparameter '{self.name}'" if owner else f"'{self.name}'"
        if self.kind is str:
            if not isinstance(value, str):
                raise ValueError(f"{label} must be text, got {value!r}")
            return value
        if self.kind is bool:
            if isinstance(value, str):
                text = value.strip().lower()
                if text in ("1", "true", "yes", "on"):
                    return True
                if text in ("0", "false", "no", "off"):
                    return False
                raise ValueError(f"{label} must be true or false, got '{value}'")
            if isinstance(value, (bool, int)) and value in (0, 1):
                return bool(value)
            raise ValueError(f"{label} must be true or false, got {value!r}")
        shown = _shown(value)
        if self.kind is int and isinstance(value, int) and not isinstance(value, bool):
            number = value  # exactly, however large (a float would round 2**53 + 1)
        else:
            try:
                number = float(value) if not isinstance(value, bool) else None
            except (TypeError, ValueError):
                number = None
            except OverflowError:  # an integer beyond the largest float
                raise ValueError(f"{label} = {shown} is outside its valid range {self.range_text()}") from None
            if number is None:
                raise ValueError(f"{label} must be a number, got {shown}")
            if not math.isfinite(number):
                raise ValueError(f"{label} must be finite, got {shown}")
            if self.kind is int:
                if number != int(number):
                    raise ValueError(f"{label} must be a whole number, got {shown}")
                number = int(number)
        below = self.low is not None and (number <= self.low if self.low_open else number < self.low)
        above = self.high is not None and (number >= self.high if self.high_open else number > self.high)
        if below or above:
            shown = value if isinstance(value, str) and len(value) <= 60 else shown
            raise ValueError(f"{label} = {shown} is outside its valid range {self.range_text()}")
        return number


def _shown(value: Any, limit: int = 60) -> str:
    """A value as a message shows it: its repr, cut short (a file may hold a huge one)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int past Python's 4,300-digit limit for str()
        text = f"a {type(value).__name__} too large to show"
    return text if len(text) <= limit else text[:limit] + "…"


def resolve_values(specs: Iterable[HParam], values: Mapping[str, Any] | None, owner: str) -> dict[str, Any]:
    """Defaults overridden by `values`, every value checked; unknown names refused."""
    specs = tuple(specs)
    by_name = {spec.name: spec for spec in specs}
    if values is not None and (not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values)):
        raise ValueError(f"the parameters of {owner} must be a table of named values, got {_shown(values)}")
    values = dict(values or {})
    for name in values:
        if name not in by_name:
            hint = did_you_mean(name, by_name) or (
                f"; it takes: {', '.join(by_name)}" if by_name else "; it takes none"
            )
            raise ValueError(f"{owner} has no hyperparameter '{name}'{hint}")
    return {
        spec.name: spec.coerce(values[spec.name], owner) if spec.name in values else spec.default
        for spec in specs
    }
