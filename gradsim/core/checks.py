"""The checks every value passes when it enters GradSim, wherever it comes from.

An experiment file, a lesson, a CSV file, a command-line flag, an editor or a keyword of
`simulate` meets the same small functions and the same declared specs here, so a value is
refused with the same message wherever it was typed. Each check returns the value in the form
the engine uses, or raises `InputError` (a ValueError) whose one-line message names the value
and what is wrong with it. Files are checked whole, before anything of them is used.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable, Mapping

import numpy as np


# Seeds: 0 … 2³¹ − 1, what a spin box (a C int) holds and inside NumPy's legacy range (0 … 2³² − 1).
MAX_SEED = 2**31 - 1
# Updates of one call of simulate, basins or sweep (each keeps every row of its trace in memory).
MAX_STEPS = 1_000_000
# A batch of more points than a dataset can have (and more than a spin box holds) means nothing.
MAX_BATCH = 1_000_000
# Above this the squared parameter norm would overflow a float.
MAX_PARAM_NORM = 1e150
# Nesting of a JSON document: an experiment needs five levels; deeper is not an experiment.
MAX_JSON_DEPTH = 20
# Digits of one number in a JSON document (a double has 17 significant digits).
MAX_NUMBER_DIGITS = 40

class InputError(ValueError):
    """A value from outside that GradSim refuses; the message names the value and the problem."""


def is_number(value: Any) -> bool:
    """A real number as Python or NumPy holds it (not a bool, not text)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def is_whole(value: Any) -> bool:
    """A whole number, as an int or as a float such as 16.0 (not a bool, not inf)."""
    if isinstance(value, (float, np.floating)):
        return bool(np.isfinite(value)) and float(value).is_integer()
    return is_number(value)


def seed(value: Any) -> int | None:
    """None (fresh entropy) or a whole number 0 … MAX_SEED."""
    if value is None:
        return None
    if not is_whole(value) or not 0 <= value <= MAX_SEED:
        raise InputError(f"seed must be a whole number from 0 to {MAX_SEED}, got {_shown(value)}")
    return int(value)


def grad_noise(value: Any) -> float:
    """The standard deviation of the gradient noise: a finite number ≥ 0."""
    return nonnegative("grad_noise", value)


def max_param_norm(value: Any) -> float:
    """The parameter norm past which a run has diverged: positive, and small enough to square."""
    if not is_number(value) or not 0 < value <= MAX_PARAM_NORM:
        raise InputError(f"max_param_norm must be positive and at most {MAX_PARAM_NORM:g}, got {_shown(value)}")
    return float(value)


def steps(value: Any, high: int = MAX_STEPS) -> int:
    """A number of updates, 0 … `high`."""
    if not is_whole(value) or isinstance(value, float):
        raise InputError(f"steps must be a whole number, got {_shown(value)}")
    if not 0 <= value <= high:
        raise InputError(f"steps must be a whole number from 0 to {high}, got {_shown(value)}")
    return int(value)


def nonnegative(name: str, value: Any) -> float:
    """A finite number ≥ 0 (a noise level, a tolerance)."""
    if isinstance(value, str):  # what a command line or an editor typed
        try:
            value = float(value)
        except ValueError:
            pass
    if not is_number(value):
        raise InputError(f"{name} must be a number, got {_shown(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not (number >= 0 and math.isfinite(number)):
        raise InputError(f"{name} must be a finite number ≥ 0, got {_shown(value)}")
    return number


def whole(name: str, value: Any, low: int, high: int | None = None) -> int:
    """A whole number from `low` to `high` (a bool or 3.5 is not one)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{name} must be a whole number, got {_shown(value)}")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"≥ {low}"
        raise InputError(f"{name} must be a whole number {bound}, got {_shown(value)}")
    return int(value)


def number(name: str, value: Any, low: float | None = None, high: float | None = None) -> float:
    """A finite real number, optionally from `low` to `high`."""
    if not is_number(value):
        raise InputError(f"{name} must be a number, got {_shown(value)}")
    try:
        value = float(value)
    except OverflowError:
        raise InputError(f"{name} is too large, got {_shown(value)}") from None
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise InputError(f"{name} must be from {low:g} to {high:g}, got {value!r}" if low is not None and high is not None
                         else f"{name} must be ≥ {low:g}, got {value!r}" if low is not None
                         else f"{name} must be ≤ {high:g}, got {value!r}")
    return value


def numbers(name: str, values: Any, length: int | None = None) -> tuple[float, ...]:
    """A list of finite numbers (of `length` of them when given), e.g. a start point."""
    if not isinstance(values, (list, tuple, np.ndarray)) or (isinstance(values, np.ndarray) and values.ndim != 1):
        raise InputError(f"{name} must be a list of numbers, got {_shown(values)}")
    if length is not None and len(values) != length:
        raise InputError(f"{name} must be {length} numbers, got {len(values)}")
    if not all(is_number(v) for v in values):
        raise InputError(f"{name} must be numbers, got {_shown(values)}")
    floats = tuple(float(v) for v in values)
    if not all(math.isfinite(v) for v in floats):
        raise InputError(f"{name} must be finite numbers, got {_shown(values)}")
    return floats


def name(kind: str, value: Any) -> str:
    """The name of a registered thing (surface, optimizer, dataset, ...): text, not a list or a number."""
    if not isinstance(value, str) or not value:
        raise InputError(f"{kind} must be a name (text), got {_shown(value)}")
    return value


def optional_name(kind: str, value: Any) -> str | None:
    return None if value is None else name(kind, value)


def text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InputError(f"{field} must be text, got {_shown(value)}")
    return value


def flag(field: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InputError(f"{field} must be true or false, got {_shown(value)}")
    return bool(value)


def table(field: str, value: Any, *, optional: bool = False) -> dict:
    """A mapping of names to values ({} for None when `optional`)."""
    if value is None and optional:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise InputError(f"{field} must be a table of named values, got {_shown(value)}")
    return dict(value)


def tables(field: str, value: Any) -> list[dict]:
    """A list of tables (runs, steps, claims, ...)."""
    if not isinstance(value, (list, tuple)):
        raise InputError(f"{field} must be a list of tables, got {_shown(value)}")
    return [table(f"{field}[{i}]", item) for i, item in enumerate(value, start=1)]


def names(field: str, value: Any, choices: Iterable[str] | None = None) -> list[str]:
    """A list of names, each one of `choices` when given."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise InputError(f"{field} must be a list of names, got {_shown(value)}")
    if choices is not None:
        choices = tuple(choices)
        unknown = [item for item in value if item not in choices]
        if unknown:
            raise InputError(f"{field}: unknown {', '.join(map(repr, unknown))}; known: {', '.join(choices)}")
    return list(value)


def colour(field: str, value: Any) -> str:
    """A colour as #rrggbb."""
    if not isinstance(value, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise InputError(f"{field} must be a colour #rrggbb, got {_shown(value)}")
    return value


# --- JSON documents ---------------------------------------------------------------------------------

_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|[-+0-9.eE]{%d,}' % (MAX_NUMBER_DIGITS + 1))


def json_document(text: str, source: str) -> Any:
    """Parse JSON after checking what json.loads would choke on: nesting deeper than MAX_JSON_DEPTH
    (a RecursionError) and number literals of more than MAX_NUMBER_DIGITS characters (Python's
    4,300-digit integer limit, or a float of a thousand digits rounded silently)."""
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise InputError(f"{source} is not a GradSim experiment: it nests deeper than "
                                 f"{MAX_JSON_DEPTH} levels")
        elif token in "]}":
            depth -= 1
        elif token[0] != '"':
            raise InputError(f"{source}: a number has more than {MAX_NUMBER_DIGITS} digits "
                             f"({token[:12]}…)")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise InputError(f"{source} is not a GradSim experiment: it is not valid JSON ({error})") from None


def _shown(value: Any, limit: int = 60) -> str:
    """A value as the message shows it: its repr, cut short (a file may hold a huge one)."""
    try:
        shown = repr(value)
    except (ValueError, RecursionError):
        shown = f"a {type(value).__name__}"
    return shown if len(shown) <= limit else shown[:limit] + "…"
