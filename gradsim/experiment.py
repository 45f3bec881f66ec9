"""An experiment: the problem, the start, and up to eight runs to compare, as plain data.

This is what the app edits and what File ▸ Save writes: a versioned JSON document, written
atomically. Loading checks everything and raises ValueError with a message that names the
problem, so a corrupt or foreign file never replaces the current work. Qt-free.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

import numpy as np

from .core import checks
from .core.optimizers import get_optimizer
from .files import write_atomically
from .core.schedules import make_lr_fn
from .core.stepper import resolve_clip
from .core.simulate import make_network
from .core.surfaces import get_surface

FORMAT = "gradsim-experiment"
VERSION = 1
MAX_RUNS = 8
MAX_STEPS = 10**9  # a run's step limit (the timeline is a C int)
RUN_MODEL_KEYS = ("activation", "loss", "init", "init_std")  # what one run may change of the network


def check_run_model(model: dict) -> None:
    """A run's own network settings may only be those of RUN_MODEL_KEYS; raises ValueError."""
    extra = set(model) - set(RUN_MODEL_KEYS)
    if extra:
        raise ValueError(f"a run may set {', '.join(RUN_MODEL_KEYS)}; not {', '.join(sorted(extra))}")


def _batch_size(field: str, value) -> int | None:
    return None if value is None else checks.whole(f"{field} (None: all data)", value, 1, checks.MAX_BATCH)


def _schedule_shape(schedule) -> None:
    if schedule is not None and not isinstance(schedule, (str, dict)):
        raise ValueError(f"schedule must be a name or a table with a 'name', got {checks._shown(schedule)}")


PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


@dataclass
class RunConfig:
    optimizer: str
    hparams: dict = field(default_factory=dict)
    color: str = PALETTE[0]
    visible: bool = True
    name: str = ""  # a lesson's name for the run, shown in the legend
    batch_size: int | None = None  # a network run's own batch size (else the experiment's)
    model: dict = field(default_factory=dict)  # a network run's own loss, activation or initialization
    schedule: dict | None = None  # the run's own learning-rate schedule (else the experiment's)

    @property
    def label(self) -> str:
        """The name and the current rate, "Adam (η=0.01)"; a name that already says this rate
        ("η = 0.05: creeps", as lessons name runs) is not followed by it again."""
        lr = self.hparams.get("lr")
        title = self.name or get_optimizer(self.optimizer).title
        if lr is None or re.search(rf"(η|lr)\s*=?\s*{re.escape(f'{lr:g}')}(?![\d.])", title):
            return title
        return f"{title} (η={lr:g})"


@dataclass
class Experiment:
    surface: str = "rosenbrock"
    surface_params: dict = field(default_factory=dict)
    start: tuple[float, ...] | None = None  # a point (x, y), or a network's initial weights
    runs: list[RunConfig] = field(default_factory=list)
    schedule: dict | None = None
    clip: dict | None = None
    grad_noise: float = 0.0
    seed: int = 0
    max_steps: int = 100_000
    # A network on a dataset instead of a surface when `dataset` is set:
    dataset: str | None = None
    dataset_params: dict = field(default_factory=dict)
    model: dict = field(default_factory=lambda: {"hidden": [16, 16], "activation": "tanh", "loss": "bce"})
    batch_size: int | None = None
    # Where the runs were when saved, so that opening resumes there: the number of updates played,
    # and the hyperparameter changes made while playing, each {"step": k, "run": i, "hparams": {...}}
    # (applied before the update from step k; the runs' own hparams are those they started with).
    steps_played: int = 0
    changes: list[dict] = field(default_factory=list)

    @property
    def is_network(self) -> bool:
        return self.dataset is not None

    def make_problem(self, run: RunConfig | None = None):
        """The engine's problem and the start (a point, or initial weights) of `run`, which may
        bring its own batch size and model settings on a network; None: the experiment's own."""
        if not self.is_network:
            return get_surface(self.surface, self.surface_params), self.resolved_start()
        own = run.model if run is not None else {}
        check_run_model(own)
        batch_size = run.batch_size if run is not None and run.batch_size else self.batch_size
        problem, theta0, _ = make_network(self.dataset, self.dataset_params, {**self.model, **own},
                                          batch_size, self.seed)
        if self.start is not None:
            theta0 = np.array(self.start, dtype=float)
            if theta0.shape != (problem.dim,):
                raise ValueError(f"start must be the {problem.dim} initial weights of this network, "
                                 f"got {len(self.start)} numbers")
        return problem, theta0

    def run_problems(self) -> list[tuple]:
        """(problem, start) of every run: one shared problem unless a run brings its own settings."""
        shared = self.make_problem()
        return [self.make_problem(run) if self.is_network and (run.batch_size or run.model) else shared
                for run in self.runs]

    @classmethod
    def default(cls) -> "Experiment":
        """Rosenbrock's valley with plain gradient descent, momentum and Adam."""
        return cls(runs=[RunConfig("sgd", {"lr": 1e-3}, PALETTE[0]),
                         RunConfig("momentum", {"lr": 1e-3, "momentum": 0.9}, PALETTE[1]),
                         RunConfig("adam", {"lr": 0.05}, PALETTE[2])])

    def resolved_start(self) -> tuple[float, float]:
        return tuple(self.start) if self.start is not None else get_surface(self.surface, self.surface_params).start

    def next_color(self) -> str:
        used = {run.color for run in self.runs}
        return next((c for c in PALETTE if c not in used), PALETTE[len(self.runs) % len(PALETTE)])

    def validate(self) -> "Experiment":
        """Check every part against the engine; returns self, or raises ValueError."""
        self._check_fields()
        self.make_problem()
        for i, run in enumerate(self.runs, start=1):
            try:
                run.hparams = get_optimizer(run.optimizer).resolve(run.hparams)
            except ValueError as error:
                raise ValueError(f"run {i}: {error}") from None
            if run.schedule is not None:
                try:
                    make_lr_fn(run.schedule)
                except ValueError as error:
                    raise ValueError(f"run {i}: {error}") from None
            if run.model or run.batch_size:
                if not self.is_network:
                    raise ValueError(f"run {i}: batch size and model settings are for a network, not a surface")
                try:
                    self.make_problem(run)
                except ValueError as error:
                    raise ValueError(f"run {i}: {error}") from None
        make_lr_fn(self.schedule)
        resolve_clip(self.clip)
        self.changes = [self._checked_change(change, i) for i, change in enumerate(self.changes or [], start=1)]
        self.changes.sort(key=lambda change: (change["step"], change["run"]))
        return self

    def _check_fields(self) -> None:
        """Each field's type, finiteness and range, before any of them is used (core.checks)."""
        self.surface = checks.name("surface", self.surface)
        self.surface_params = checks.table("surface_params", self.surface_params, optional=True)
        self.dataset = checks.optional_name("dataset", self.dataset)
        self.dataset_params = checks.table("dataset_params", self.dataset_params, optional=True)
        self.model = checks.table("model", self.model, optional=True)
        self.batch_size = _batch_size("batch_size", self.batch_size)
        if self.start is not None:
            self.start = checks.numbers("start", self.start, None if self.is_network else 2)
        if not isinstance(self.runs, list) or not all(isinstance(run, RunConfig) for run in self.runs):
            raise ValueError("runs must be a list of runs")
        if not 1 <= len(self.runs) <= MAX_RUNS:
            raise ValueError(f"an experiment has 1 to {MAX_RUNS} runs, got {len(self.runs)}")
        for i, run in enumerate(self.runs, start=1):
            try:
                run.optimizer = checks.name("optimizer", run.optimizer)
                run.hparams = checks.table("hparams", run.hparams, optional=True)
                run.color = checks.colour("color", run.color)
                run.visible = checks.flag("visible", run.visible)
                run.name = checks.text("name", run.name)
                run.batch_size = _batch_size("batch_size", run.batch_size)
                run.model = checks.table("model", run.model, optional=True)
                _schedule_shape(run.schedule)
            except ValueError as error:
                raise ValueError(f"run {i}: {error}") from None
        _schedule_shape(self.schedule)
        if self.clip is not None:
            checks.table("clip", self.clip)
        self.grad_noise = checks.grad_noise(self.grad_noise)
        if self.seed is None:
            raise ValueError(f"seed must be a whole number from 0 to {checks.MAX_SEED}, got None")
        self.seed = checks.seed(self.seed)
        self.max_steps = checks.whole("max_steps", self.max_steps, 1, MAX_STEPS)
        self.steps_played = checks.whole("steps_played", self.steps_played, 0, self.max_steps)
        if not isinstance(self.changes, list):
            raise ValueError(f"changes must be a list, got {checks._shown(self.changes)}")

    def _checked_change(self, change, number: int) -> dict:
        where = f"change {number}"
        if not isinstance(change, dict) or set(change) != {"step", "run", "hparams"}:
            raise ValueError(f"{where} must be {{\"step\": k, \"run\": i, \"hparams\": {{...}}}}, got {change!r}")
        step, run, hparams = change["step"], change["run"], change["hparams"]
        if not isinstance(step, int) or isinstance(step, bool) or not 1 <= step <= self.steps_played:
            raise ValueError(f"{where}: step must be a whole number from 1 to steps_played ({self.steps_played}), "
                             f"got {step!r}")
        if not isinstance(run, int) or isinstance(run, bool) or not 0 <= run < len(self.runs):
            raise ValueError(f"{where}: run must be an index below {len(self.runs)}, got {run!r}")
        if not isinstance(hparams, dict) or not hparams:
            raise ValueError(f"{where}: hparams must be a non-empty table of values, got {hparams!r}")
        optimizer = get_optimizer(self.runs[run].optimizer)
        try:
            resolved = optimizer.resolve({**self.runs[run].hparams, **hparams})
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        return {"step": step, "run": run, "hparams": {name: resolved[name] for name in hparams}}

    def hparams_at(self, run: int, step: int) -> dict:
        """Run `run`'s hyperparameters for the update from `step` (its own, then the live changes)."""
        hparams = dict(self.runs[run].hparams)
        for change in self.changes:
            if change["run"] == run and change["step"] <= step:
                hparams.update(change["hparams"])
        return hparams

    # --- files ----------------------------------------------------------------------------------
    def to_json(self) -> str:
        document = {"format": FORMAT, "version": VERSION, **asdict(self)}
        return json.dumps(document, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "the file") -> "Experiment":
        document = checks.json_document(text, source)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"{source} is not a GradSim experiment (no \"format\": \"{FORMAT}\")")
        if document.get("version") != VERSION:
            raise ValueError(f"{source} is a version {document.get('version')} experiment; "
                             f"this GradSim reads version {VERSION}")
        fields = {k: v for k, v in document.items() if k not in ("format", "version")}
        unknown = set(fields) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"{source}: unknown field(s) {', '.join(sorted(unknown))}")
        try:
            runs = []
            for i, run in enumerate(checks.tables("runs", fields.pop("runs", [])), start=1):
                unknown = set(run) - set(RunConfig.__dataclass_fields__)
                if unknown:
                    raise ValueError(f"run {i}: unknown field(s) {', '.join(sorted(unknown))}")
                if "optimizer" not in run:
                    raise ValueError(f"run {i} names no optimizer")
                runs.append(RunConfig(**run))
            experiment = cls(runs=runs, **fields)
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None
        try:
            return experiment.validate()
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None

    def save(self, path: str) -> None:
        write_atomically(path, self.to_json())

    @classmethod
    def load(cls, path: str) -> "Experiment":
        try:
            with open(path, encoding="utf-8") as stream:
                text = stream.read()
        except OSError as error:
            raise ValueError(f"cannot open {path}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise ValueError(f"{path} is not a GradSim experiment: it is not text") from None
        return cls.from_json(text, source=path)


