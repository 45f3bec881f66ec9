"""The ensemble views' model: which view is on screen, its settings, what was asked and what came back (Qt-free).

The app's second way of looking runs the selected run's optimizer from many starts (a basin map,
a swarm) or with many settings (a learning-rate sweep, a phase diagram). This model builds the
request from the app model — the surface, the selected run's optimizer and its hyperparameters
now, the experiment's schedule, clipping, noise and seed — sends it to the session and keeps
the results as they come back, a piece at a time. Whenever what a result depends on changes
(another run selected, a hyperparameter changed live, a new problem, the map's window, a
setting of the view), the view on screen asks again; the session drops the stale job. Views on
screen listen to `result_changed(kind)` and `status_changed(kind, text)` through the controller.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from psygnal import Signal

from ..core import get_optimizer
from ..core.swarm import SAMPLINGS
from . import protocol as p

VIEWS = ("trajectory", "basins", "swarm", "sweep", "phase")
ENSEMBLE_KINDS = VIEWS[1:]


@dataclass(frozen=True)
class BasinSettings:
    steps: int = 500
    tol: float = 1e-6
    detail: int = 256          # the fine map's larger side, in starts (the coarse map's: 32)


@dataclass(frozen=True)
class SwarmSettings:
    n: int = 500
    sampling: str = "uniform"
    spread: float | None = None   # gaussian: None is a tenth of the window's width
    steps: int = 300


@dataclass(frozen=True)
class SweepSettings:
    name: str = "lr"
    low: float | None = None      # None: around the selected run's value (see default_range)
    high: float | None = None
    count: int = 100
    steps: int = 500
    tol: float = 1e-6


@dataclass(frozen=True)
class PhaseSettings:
    x: str = "lr"
    y: str | None = None          # None: the optimizer's first numeric hyperparameter after lr
    x_low: float | None = None
    x_high: float | None = None
    y_low: float | None = None
    y_high: float | None = None
    nx: int = 48
    ny: int = 32
    steps: int = 300
    tol: float = 1e-6
    colour: str = "steps"         # "steps" (steps to tolerance) or "loss" (final loss)


RANGE_FIELDS = {"sweep": (("low", "high"),), "phase": (("x_low", "x_high"), ("y_low", "y_high"))}
LIMITS = {  # name: (low, high) for whole numbers; what a view's editor offers
    "steps": (1, 100_000), "detail": (8, 1024), "n": (10, 5000), "count": (2, 500), "nx": (2, 200), "ny": (2, 200),
}


def numeric_hparams(optimizer: str) -> list:
    """The optimizer's hyperparameters that can be swept (numbers, not flags)."""
    return [spec for spec in get_optimizer(optimizer).hparams if spec.kind in (int, float)]


def default_range(spec, value: float) -> tuple[float, float]:
    """Where a sweep of `spec` looks by default: five decades around `value` on a log scale
    (1/1000 to 100 times it), the whole valid range on a linear one (just inside open ends)."""
    if spec.scale == "log" and value > 0:
        low, high = value / 1e3, value * 1e2
        if spec.low is not None:
            low = max(low, spec.low if not spec.low_open and spec.low > 0 else value / 1e3)
        if spec.high is not None:
            high = min(high, spec.high)
        return float(low), float(high)
    low = spec.low if spec.low is not None else value - 1.0
    high = spec.high if spec.high is not None else value + 1.0
    span = high - low
    return float(low + (0.01 * span if spec.low_open else 0.0)), float(high - (0.01 * span if spec.high_open else 0.0))


def axis_values(spec, low: float, high: float, count: int) -> np.ndarray:
    """`count` values from low to high: log-spaced for a log-scale hyperparameter, else even."""
    if spec.scale == "log" and low > 0:
        return np.geomspace(low, high, count)
    return np.linspace(low, high, count)


class EnsembleModel:
    view_changed = Signal(str)           # the view on screen: one of VIEWS
    result_changed = Signal(str)         # a kind's result grew or was replaced (or cleared)
    status_changed = Signal(str, str)    # kind, a line saying what is being computed or what went wrong
    rejected = Signal(str, str)          # field, reason: a setting was refused (the editor shows the old value)

    def __init__(self, model):
        self.model = model
        self.view = "trajectory"
        self.settings: dict[str, Any] = {"basins": BasinSettings(), "swarm": SwarmSettings(),
                                         "sweep": SweepSettings(), "phase": PhaseSettings()}
        self.results: dict[str, Any] = dict.fromkeys(ENSEMBLE_KINDS)   # BasinMap, SwarmResult or Sweep
        self.status: dict[str, str] = dict.fromkeys(ENSEMBLE_KINDS, "")
        self.windows: dict[str, tuple | None] = {"basins": None, "swarm": None}
        self.aspect = 1.0                    # the basin plot's height / width in pixels
        self._asked: dict[str, Any] = dict.fromkeys(ENSEMBLE_KINDS)    # the last request of each kind
        self._done: dict[str, bool] = dict.fromkeys(ENSEMBLE_KINDS, True)
        self._next_job = 0
        self._range_owner: dict[tuple, tuple] = {}   # (kind, range fields) → (run, optimizer, name) it was set for
        model.configured.connect(self._new_problem)
        model.run_changed.connect(lambda index: self.refresh() if index == model.selected else None)
        model.selection_changed.connect(lambda index: self.refresh())

    # --- what the views ask -----------------------------------------------------------------------------
    @property
    def available(self) -> str:
        """'' when the ensemble views can run; else why not."""
        if self.model.experiment.is_network:
            return "basin maps, swarms, sweeps and phase diagrams are for the 2-D surfaces, not for networks"
        info = self.model.info  # a new experiment's runs not built yet: the old problem's info, or none
        return "" if info is not None and info.kind == "surface" else "waiting for the session"

    def set_view(self, view: str) -> None:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
        if view == self.view:
            return
        for kind in ENSEMBLE_KINDS:  # work for a view no longer on screen is dropped
            if kind != view and not self._done[kind]:
                self._cancel(kind)
        self.view = view
        self.view_changed.emit(view)
        self.refresh()

    def set_window(self, kind: str, window) -> None:
        """The visible window of the basin map (or where the swarm samples), ((x0, x1), (y0, y1))."""
        (x0, x1), (y0, y1) = window
        window = ((float(x0), float(x1)), (float(y0), float(y1)))
        if not (x0 < x1 and y0 < y1 and all(map(math.isfinite, (x0, x1, y0, y1)))):
            return
        old = self.windows.get(kind)
        if old is not None and _close(old, window):
            return
        self.windows[kind] = window
        if kind == self.view:
            self.refresh()

    def set_aspect(self, aspect: float) -> None:
        """The basin plot's height / width in pixels: the fine map has square pixels on screen."""
        if math.isfinite(aspect) and aspect > 0 and abs(aspect - self.aspect) > 0.02 * self.aspect:
            self.aspect = float(aspect)
            if self.view == "basins":
                self.refresh()

    def set_setting(self, kind: str, field: str, value) -> bool:
        """Change one setting of a view (checked; a refused value is announced by `rejected`)."""
        try:
            settings = self._checked(kind, dataclasses.replace(self.settings[kind], **{field: value}))
        except (TypeError, ValueError) as error:
            self.rejected.emit(f"{kind}.{field}", str(error))
            return False
        self.settings[kind] = settings
        for fields in RANGE_FIELDS.get(kind, ()):
            if field in fields:  # a range typed in belongs to this run and name until either changes
                name = settings.name if kind == "sweep" else self.phase_axes()[fields[0].startswith("y")]
                self._range_owner[(kind, fields)] = (self.model.selected, self._optimizer(), name)
        if kind == self.view:
            self.refresh()
        return True

    def resample(self, window=None) -> None:
        """The swarm again, sampled over `window` (default: the problem's)."""
        if window is not None:
            self.windows["swarm"] = None
            self.set_window("swarm", window)
        self.refresh(force=True)

    def start_at(self, x: float, y: float) -> bool:
        """Start every run from the centre of the basin map's pixel at (x, y): the run the pixel shows."""
        result = self.results["basins"]
        if result is None:
            return self.model.set_start(x, y)
        (x0, x1), (y0, y1) = result.window
        nx, ny = result.resolution
        i, j = int((x - x0) / (x1 - x0) * nx), int((y - y0) / (y1 - y0) * ny)
        if not (0 <= i < nx and 0 <= j < ny):
            return False
        sx, sy = result.starts[j, i]
        return self.model.set_start(float(sx), float(sy))

    def sweep_names(self) -> list[str]:
        return [spec.name for spec in numeric_hparams(self._optimizer())]

    def phase_axes(self) -> tuple[str, str]:
        """The phase diagram's two hyperparameters (the second defaulting to the first numeric one after lr)."""
        settings, names = self.settings["phase"], self.sweep_names()
        x = settings.x if settings.x in names else names[0]
        others = [n for n in names if n != x]
        y = settings.y if settings.y in others else (others[0] if others else x)
        return x, y

    # --- requests ---------------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Ask for the view on screen again if what it shows no longer matches the settings."""
        kind = self.view
        if kind not in ENSEMBLE_KINDS:
            return
        reason = self.available
        if reason:
            self._say(kind, reason)
            return
        try:
            request = self._request(kind)
        except ValueError as error:
            self._say(kind, str(error))
            return
        asked = self._asked[kind]
        if not force and asked is not None and _same(asked, request):
            return
        self._next_job += 1
        request = dataclasses.replace(request, job=self._next_job, generation=self.model.generation)
        self._asked[kind], self._done[kind] = request, False
        self._say(kind, "computing…")
        self.model.send(request)

    def _request(self, kind: str):
        model, e = self.model, self.model.experiment
        run = e.runs[model.selected]
        hparams = model.hparams(model.selected)
        spec = p.EnsembleSpec(e.surface, dict(e.surface_params), run.optimizer, hparams, e.schedule, e.clip,
                              e.grad_noise, e.seed)
        settings = self.settings[kind]
        if kind == "basins":
            window = self.windows["basins"] or self._problem_window()
            (x0, x1), (y0, y1) = window
            resolution = _resolution(settings.detail, self.aspect)
            return p.BasinRequest(0, 0, spec, window, resolution, settings.steps, settings.tol,
                                  coarse=_resolution(32, self.aspect))
        start = tuple(float(v) for v in model.info.start)
        if kind == "swarm":
            window = self.windows["swarm"] or self._problem_window()
            spread = settings.spread if settings.spread is not None else 0.1 * (window[0][1] - window[0][0])
            return p.SwarmRequest(0, 0, spec, settings.n, settings.sampling, window, start, float(spread),
                                  settings.steps)
        specs = {s.name: s for s in numeric_hparams(run.optimizer)}
        if kind == "sweep":
            name = settings.name if settings.name in specs else "lr"
            low, high = self._range(kind, name, ("low", "high"), specs[name], hparams[name])
            vary = {name: tuple(axis_values(specs[name], low, high, settings.count))}
        else:
            x, y = self.phase_axes()
            if x == y:
                raise ValueError(f"a phase diagram needs two hyperparameters; {run.optimizer} has only {x}")
            x_range = self._range(kind, x, ("x_low", "x_high"), specs[x], hparams[x])
            y_range = self._range(kind, y, ("y_low", "y_high"), specs[y], hparams[y])
            settings = self.settings[kind]
            vary = {x: tuple(axis_values(specs[x], *x_range, settings.nx)),
                    y: tuple(axis_values(specs[y], *y_range, settings.ny))}
        return p.SweepRequest(0, 0, spec, vary, start, settings.steps, settings.tol)

    def _range(self, kind: str, name: str, fields: tuple[str, str], spec, value) -> tuple[float, float]:
        """The range of `name`: the settings' own, or (None) five decades around the run's value, or
        its valid range, decided once for this run, optimizer and name (so that clicking a value in
        the sweep, which changes the run's value, does not move the axis under the pointer)."""
        owner = (self.model.selected, self._optimizer(), name)
        if self._range_owner.get((kind, fields)) != owner:
            self._range_owner[(kind, fields)] = owner
            self.settings[kind] = dataclasses.replace(self.settings[kind], **dict.fromkeys(fields))
        low, high = (getattr(self.settings[kind], field) for field in fields)
        default_low, default_high = default_range(spec, float(value))
        low = default_low if low is None else float(low)
        high = default_high if high is None else float(high)
        if not low < high:
            raise ValueError(f"the range of {spec.name} must go from a lower to a higher value, got {low:g} to {high:g}")
        self.settings[kind] = dataclasses.replace(self.settings[kind], **dict(zip(fields, (low, high))))
        return low, high

    def asked(self, kind: str):
        """The newest request of `kind` (None before the first): what its result is an answer to."""
        return self._asked[kind]

    def _problem_window(self):
        xmin, xmax, ymin, ymax = self.model.view or self.model.info.view
        return (float(xmin), float(xmax)), (float(ymin), float(ymax))

    def _optimizer(self) -> str:
        return self.model.experiment.runs[self.model.selected].optimizer

    def _checked(self, kind: str, settings):
        for field in dataclasses.fields(settings):
            name, value = field.name, getattr(settings, field.name)
            if name in LIMITS:
                low, high = LIMITS[name]
                if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                    raise ValueError(f"{name} must be a whole number from {low:,} to {high:,}, got {value!r}")
            elif name == "tol" and not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"the tolerance must be a positive number, got {value!r}")
            elif name == "sampling" and value not in SAMPLINGS:
                raise ValueError(f"sampling must be one of {', '.join(SAMPLINGS)}, got {value!r}")
            elif name == "colour" and value not in ("steps", "loss"):
                raise ValueError(f"colour must be 'steps' or 'loss', got {value!r}")
            elif name == "spread" and value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"the spread must be a positive number, got {value!r}")
        if kind == "swarm" and settings.n * (settings.steps + 1) > 4_000_000:
            raise ValueError(f"a swarm is at most 4,000,000 run-steps: {settings.n} starts × {settings.steps} steps "
                             "is more; use fewer starts or steps")
        return settings

    def _cancel(self, kind: str) -> None:
        asked = self._asked[kind]
        if asked is not None:
            self.model.send(p.CancelJob(self.model.generation, asked.job))
        self._asked[kind], self._done[kind] = None, True
        self._say(kind, "")

    def _new_problem(self) -> None:
        """A new problem (or the same one rebuilt): windows go back to the problem's own."""
        self.windows = {"basins": None, "swarm": None}
        unfinished = not self._done.get(self.view, True)
        self.refresh(force=unfinished)  # a session restarted mid-job has forgotten it

    # --- replies ------------------------------------------------------------------------------------------
    def receive(self, reply) -> None:
        if not isinstance(reply, p.ENSEMBLE_REPLIES):
            return
        kind = next((k for k, asked in self._asked.items() if asked is not None and asked.job == reply.job), None)
        if kind is None:
            return  # an answer to a request that has been replaced or cancelled
        if isinstance(reply, p.JobFailed):
            self._done[kind] = True
            self._say(kind, reply.text)
            return
        asked = self._asked[kind]
        if isinstance(reply, p.BasinResult):
            result = reply.map
            done = result.complete and result.resolution == tuple(asked.resolution)
            text = "" if done else f"refining… {result.rows_done} of {result.resolution[1]} rows" \
                if result.resolution == tuple(asked.resolution) else "coarse map; refining…"
        elif isinstance(reply, p.SweepResult):
            result = reply.sweep
            done = result.complete
            text = "" if done else f"computing… {result.rows_done} of {result.final_loss.shape[0]}"
        else:
            result, done, text = reply, True, ""
        self.results[kind], self._done[kind] = result, done
        self.result_changed.emit(kind)
        self._say(kind, text)

    def finished(self, kind: str) -> bool:
        """The newest request of `kind` has its whole answer (or failed)."""
        return self._done[kind] and self._asked[kind] is not None

    def _say(self, kind: str, text: str) -> None:
        if self.status[kind] != text:
            self.status[kind] = text
            self.status_changed.emit(kind, text)


def _resolution(larger: int, aspect: float) -> tuple[int, int]:
    """(nx, ny) with `larger` starts along the longer side and square pixels for a plot of this aspect."""
    if aspect >= 1:
        return max(1, round(larger / aspect)), larger
    return larger, max(1, round(larger * aspect))


def _close(a, b) -> bool:
    (ax0, ax1), (ay0, ay1) = a
    (bx0, bx1), (by0, by1) = b
    tx, ty = 1e-6 * (ax1 - ax0), 1e-6 * (ay1 - ay0)
    return abs(ax0 - bx0) <= tx and abs(ax1 - bx1) <= tx and abs(ay0 - by0) <= ty and abs(ay1 - by1) <= ty


def _same(a, b) -> bool:
    """The same request but for its job number and generation."""
    return dataclasses.replace(a, job=0, generation=0) == dataclasses.replace(b, job=0, generation=0)
