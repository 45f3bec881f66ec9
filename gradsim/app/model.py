"""The app's model: the experiment, its runs, what the session computed, and what is on screen (Qt-free).

Every widget of the window is a view of one `AppModel`: it reads the model, listens to its signals
(psygnal, so that the model stays free of Qt) and asks the model for changes, which the model checks
before it takes them. A view never edits another view: a refused value is announced with
`rejected(field, reason)` and the views show the model's value again.

The model talks to the stepping session through `send` (a callable taking a protocol command) and
hears back through `receive`. A hyperparameter travels like this: the editor calls
`set_hparam(run, name, value)`; the model checks it against the optimizer's spec and sends
`SetHparams`; the session applies it from the next update and answers `Accepted(step, current)`;
the model records the change at that step in the experiment and emits `run_changed`, and the run
list, the legends and the editor show the new value.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from psygnal import Signal

from ..core import get_optimizer
from ..core.datasets import make_dataset
from ..experiment import MAX_RUNS, Experiment, RunConfig
from . import protocol as p
from .defaults import next_optimizer, proposed_hparams, with_problem_rates
from .history import RunHistory
from .runs import Until


@dataclass(frozen=True)
class LogEntry:
    """One event worth keeping: a divergence, a refused value, a lesson's progress."""
    kind: str          # "diverged", "rejected", "info", "lesson", "error"
    text: str
    step: int | None = None
    run: int | None = None
    field: str = ""


class AppModel:
    configured = Signal()              # a new generation's runs are built: `info` describes the problem
    experiment_changed = Signal()      # the experiment was replaced or edited: editors show it again
    run_changed = Signal(int)          # one run's optimizer, hyperparameters, name or visibility
    selection_changed = Signal(int)
    rows_changed = Signal()            # new rows arrived (or were dropped by a rewind)
    shown_changed = Signal()           # the step on screen moved
    playing_changed = Signal(bool)
    status_changed = Signal(str)
    logged = Signal(object)            # a LogEntry
    rejected = Signal(str, str)        # field, reason: the editor of `field` shows the model's value again
    inspected = Signal()               # a Hessian arrived for the inspector
    sliced = Signal()                  # a loss slice arrived
    field_ready = Signal()             # a surface field (contours) arrived
    boundary_ready = Signal()          # a network's output over the plane arrived
    lines_ready = Signal()             # another run's output arrived, to draw its boundary as a line
    stopped = Signal()                 # every run finished what it was asked to do
    revealed = Signal()                # a lesson step's answer is out: its numbers may be shown

    def __init__(self, experiment: Experiment | None = None, send: Callable[[Any], None] | None = None):
        self.send = send or (lambda command: None)
        # the default experiment is known good: checking it would compile its surface (sympy) in the window's
        # process before the window shows; the session builds it, and `warm_up` compiles it here meanwhile
        self.experiment = experiment.validate() if experiment is not None else _resolved(Experiment.default())
        self.generation = 0
        self.histories: list[RunHistory] = []
        self.info: p.ProblemInfo | None = None
        self.selected = 0
        self.display_step: int | None = None  # None: follow the newest step
        self.playing = False
        self.in_flight = False  # asked to pause, the session may still send what it stepped before
        self.speed = 0.0
        self.steps_per_second = 0.0
        self.view: tuple | None = None        # a lesson scene's window onto the trajectory panel
        self.until: Until | None = None       # a lesson action's stopping condition
        self.display: dict = {}               # a lesson scene's choices of what to draw (see load)
        self.status = "ready"
        self.log: list[LogEntry] = []
        self.inspection: p.Inspection | None = None
        self.slice: p.Slice | None = None
        self.field: p.Field | None = None
        self.boundary: p.Boundary | None = None
        self.lines: dict[int, p.Boundary] = {}  # run → its output, for a lesson's boundary lines
        self._lines_asked: set[tuple[int, int]] = set()
        self._play_when_ready = False
        self._last_good: Experiment | None = None  # to fall back to if the session refuses a new one
        self._pending_inspection: tuple | None = None
        self._inspection_key: tuple | None = None

    # --- what is on screen --------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """Every run of this generation has reported its start."""
        return bool(self.histories) and all(h.count > 0 for h in self.histories)

    def newest_step(self) -> int:
        return max((h.last_step for h in self.histories), default=0)

    def shown_step(self) -> int:
        return self.newest_step() if self.display_step is None else self.display_step

    def hparams(self, run: int, step: int | None = None) -> dict:
        """Run `run`'s hyperparameters for the update from `step` (default: the newest step)."""
        return self.experiment.hparams_at(run, self.newest_step() if step is None else step)

    def label(self, run: int) -> str:
        """The run's name and its current learning rate, as legends and the run list show it."""
        config = self.experiment.runs[run]
        return dataclasses.replace(config, hparams=self.hparams(run)).label

    def row(self, run: int, step: int) -> dict | None:
        """The kept row of `run` at or before `step` (the newest row when `step` is past it)."""
        history = self.histories[run] if run < len(self.histories) else None
        if history is None or history.count == 0:
            return None
        if history.current is not None and history.last_step <= step:
            return history.current
        return history.row(history.index_at(step))

    # --- editing the experiment ------------------------------------------------------------------------
    def load(self, experiment: Experiment, *, view=None, until: Until | None = None, play: bool = False,
             resume: bool = False, display: dict | None = None, selected: int = 0) -> None:
        """Show `experiment` (checked already) from its start, or from where it was saved (`resume`).
        `display` is a lesson scene's choice of what to draw: {"loss_scale": "log"|"linear"|"symlog",
        "theory": [names of gradsim.lessons.schema.THEORIES], "boundary_lines": [run indices],
        "hold_numbers": True while the step's question waits (see `numbers_held`)}."""
        self.experiment = experiment
        self.view, self.until, self.display = view, until, dict(display or {})
        self.selected = selected
        self.experiment_changed.emit()
        self.selection_changed.emit(selected)
        self._configure(resume=resume)
        self._play_when_ready = play

    def set_problem(self, name: str) -> None:
        """A surface by name, or a network on a built-in dataset."""
        e = self._edited()
        if name in _dataset_names():
            classes = make_dataset(name, seed=e.seed).classes
            e.dataset, e.dataset_params, e.start = name, {}, None
            e.model = {**e.model, "loss": "mse" if classes == 0 else "ce" if classes > 2 else "bce"}
        else:
            e.dataset, e.surface, e.surface_params, e.start = None, name, {}, None
        self._take_with_rates(e)

    def _take_with_rates(self, e: Experiment) -> None:
        """A new problem: every run gets the learning rate that works there (a rate that suits one surface
        throws gradient descent off another at the second step)."""
        before = [run.hparams.get("lr") for run in e.runs]
        with_problem_rates(e)
        if self._take(e, "problem"):
            changed = [f"{self.label(i)}" for i, run in enumerate(e.runs) if run.hparams.get("lr") != before[i]]
            if changed:
                self._log(LogEntry("info", "learning rates set for this problem: " + ", ".join(changed), 0))

    def use_csv(self, path: str, task: str = "classification") -> None:
        """Train on a user's CSV file; raises ValueError naming the file, line and problem."""
        e = self._edited()
        params = {"path": path, "task": task}
        data = make_dataset("csv", params, seed=e.seed)
        e.dataset, e.dataset_params, e.start = "csv", params, None
        e.model = {**e.model, "loss": "mse" if data.classes == 0 else "ce" if data.classes > 2 else "bce"}
        self._take_with_rates(e)

    def set_problem_param(self, name: str, value) -> bool:
        e = self._edited()
        if e.is_network:
            e.dataset_params = {**e.dataset_params, name: value}
        else:
            e.surface_params = {**e.surface_params, name: value}
        return self._take(e, f"sp_{name}")

    def set_start(self, x: float, y: float) -> bool:
        """Start every run from (x, y), exactly as given."""
        if self.experiment.is_network:
            return False
        e = self._edited()
        e.start = (float(x), float(y))
        return self._take(e, "start")

    def set_network(self, hidden=None, activation=None, loss=None, init=None, batch_size=...) -> bool:
        e = self._edited()
        changes = {k: v for k, v in (("hidden", hidden), ("activation", activation), ("loss", loss),
                                     ("init", init)) if v is not None}
        e.model = {**e.model, **changes}
        if batch_size is not ...:
            e.batch_size = batch_size or None
        e.start = None  # initial weights belong to the old shape
        return self._take(e, "network")

    def set_training(self, field: str, *, schedule=..., clip=..., grad_noise=..., seed=...) -> bool:
        """Schedule, clipping, gradient noise and seed apply to every run: they restart the runs."""
        e = self._edited()
        for name, value in (("schedule", schedule), ("clip", clip), ("grad_noise", grad_noise), ("seed", seed)):
            if value is not ...:
                setattr(e, name, value)
        return self._take(e, field)

    def add_run(self) -> None:
        if len(self.experiment.runs) >= MAX_RUNS:
            return
        e = self._edited()
        name = next_optimizer(e)  # with a rate that works on this problem
        e.runs.append(RunConfig(name, proposed_hparams(e, name), e.next_color()))
        self._take(e, "runs", select=len(e.runs) - 1)

    def remove_run(self, index: int | None = None) -> None:
        index = self.selected if index is None else index
        if len(self.experiment.runs) <= 1:
            return
        e = self._edited()
        del e.runs[index]
        self._take(e, "runs", select=max(0, index - 1))

    def set_optimizer(self, index: int, name: str) -> None:
        e = self._edited()
        e.runs[index] = dataclasses.replace(e.runs[index], optimizer=name, hparams=proposed_hparams(e, name),
                                            name="")
        self._take(e, "optimizer")

    def set_hparam(self, index: int, name: str, value) -> bool:
        """Change one hyperparameter of run `index` from its next update on (the run keeps its state).
        Scrubbed back to an earlier step, the runs first go back there: the rest is replayed."""
        run = self.experiment.runs[index]
        shown = self.shown_step()
        try:
            resolved = get_optimizer(run.optimizer).resolve({**self.hparams(index, shown), name: value})
        except ValueError as error:
            self._reject(f"hp_{name}", str(error), run=index)
            return False
        if resolved[name] == self.hparams(index, shown)[name]:
            return True
        if self.display_step is not None and self.display_step < self.newest_step():
            self.rewind(self.display_step)
        self.send(p.SetHparams(self.generation, index, {name: resolved[name]}))
        return True

    @property
    def numbers_held(self) -> bool:
        """A lesson step's question waits for the class: the equation panel and the inspector show the
        rules without this step's numbers, which would give the answer away."""
        return bool(self.display.get("hold_numbers"))

    def reveal(self, names: list[str]) -> None:
        """A lesson step's answer (or, without a question, its explanation) is shown: the runs take
        their real names and the step's numbers appear."""
        held = self.display.pop("hold_numbers", False)
        self.rename_runs(names)
        if held:
            self.revealed.emit()

    def rename_runs(self, names: list[str]) -> None:
        """New names for the runs (a lesson reveals what its neutral aliases stood for)."""
        for index, (run, name) in enumerate(zip(self.experiment.runs, names)):
            if run.name != name:
                run.name = name
                self.run_changed.emit(index)

    def go_on_to(self, max_steps: int) -> None:
        """Raise the step budget and play on (a lesson's action that paused part way)."""
        self.experiment.max_steps = max(self.experiment.max_steps, int(max_steps))
        self.send(p.Extend(self.generation, self.experiment.max_steps))
        self.play(True)

    def set_visible(self, index: int, visible: bool) -> None:
        self.experiment.runs[index].visible = bool(visible)
        self.run_changed.emit(index)

    def select(self, index: int) -> None:
        if 0 <= index < len(self.experiment.runs) and index != self.selected:
            self.selected = index
            self.inspection = None
            self.selection_changed.emit(index)

    def _edited(self) -> Experiment:
        """A copy of the experiment to change (the current one stays until the copy is checked)."""
        e = self.experiment
        copy = dataclasses.replace(e, runs=[dataclasses.replace(r, hparams=dict(r.hparams), model=dict(r.model))
                                            for r in e.runs],
                                   surface_params=dict(e.surface_params), dataset_params=dict(e.dataset_params),
                                   model=dict(e.model), changes=[])
        for i, run in enumerate(copy.runs):  # a restart keeps the values the runs use now
            run.hparams = self.hparams(i)
        copy.steps_played = 0
        return copy

    def _take(self, experiment: Experiment, field: str, select: int | None = None) -> bool:
        """Check `experiment` and make it the current one (restarting the runs), or refuse it."""
        try:
            experiment.validate()
        except ValueError as error:
            self._reject(field, str(error))
            return False
        if field in ("problem", "network", "runs"):
            self.view = self.until = None  # a lesson's framing and stopping belong to its own scene
            self.display = {}
        self.experiment = experiment
        selected = min(self.selected if select is None else select, len(experiment.runs) - 1)
        moved, self.selected = selected != self.selected, selected
        self.experiment_changed.emit()
        if moved:
            self.selection_changed.emit(selected)
        self._configure()
        return True

    def _reject(self, field: str, reason: str, run: int | None = None) -> None:
        self._log(LogEntry("rejected", reason, self.shown_step(), run, field))
        self.rejected.emit(field, reason)

    # --- transport -------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Every run back to the start, with the hyperparameters it uses now."""
        e = self._edited()
        e.validate()
        self.experiment = e
        self.experiment_changed.emit()
        self._configure()

    def play(self, playing: bool = True) -> None:
        """Play from the step on screen (scrubbed back, the newer steps are dropped and replayed)."""
        if playing and not self.ready:
            self._play_when_ready = True
            return
        if playing and self.display_step is not None and self.display_step < self.newest_step():
            self.rewind(self.display_step)
        if playing:
            self.display_step = None
        self.in_flight = self.in_flight or playing
        self._set_playing(playing)
        self.send(p.Play(self.generation, playing))

    def set_speed(self, steps_per_second: float) -> None:
        self.speed = float(steps_per_second)
        self.send(p.Speed(self.generation, self.speed))

    def step_forward(self) -> None:
        """One step on: through what was computed already, else one more update of every run."""
        if self.display_step is not None and self.display_step < self.newest_step():
            self.scrub(self.display_step + 1)
            return
        self.play(False)
        self.send(p.StepOnce(self.generation))

    def step_back(self) -> None:
        self.play(False)
        self.scrub(max(0, self.shown_step() - 1))

    def scrub(self, step: int) -> None:
        step = max(0, int(step))
        self.display_step = None if step >= self.newest_step() else step
        self.shown_changed.emit()

    def rewind(self, step: int) -> None:
        """Every run back to `step`, its optimizer state as it was there: the newer rows are dropped."""
        self.generation += 1
        self.send(p.Rewind(self.generation, int(step)))
        self._log(LogEntry("info", f"went back to step {step}: the steps after it will be computed again", step))

    def _set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self.playing_changed.emit(playing)
        if playing:
            self.say("running")
        elif self.status == "running":
            self.say("paused")

    def say(self, text: str) -> None:
        self.status = text
        self.status_changed.emit(text)

    def _configure(self, resume: bool = False) -> None:
        self.generation += 1
        self.histories = [RunHistory() for _ in self.experiment.runs]
        self.display_step = None
        self.info = self.inspection = self.slice = self.field = self.boundary = None
        self.lines, self._lines_asked = {}, set()
        self._pending_inspection = None
        self.in_flight = False
        self._set_playing(False)
        self.say("ready")
        self.send(p.Configure(self.generation, self.experiment.to_json(), self.until, resume))
        if self.speed:
            self.send(p.Speed(self.generation, self.speed))
        self.rows_changed.emit()

    # --- engine work asked of the session ---------------------------------------------------------------
    def request_inspection(self, run: int, step: int, full: bool = False) -> None:
        """Ask for the Hessian at run `run`'s point at `step` (answered by `inspected`)."""
        row = self.row(run, step)
        if row is None or not np.all(np.isfinite(row["params"])):
            return
        key = (self.generation, run, int(row["step"]), full)
        if key == self._pending_inspection or (self.inspection is not None and self._inspection_key == key):
            return
        self._pending_inspection = key
        self.send(p.Inspect(self.generation, run, int(row["step"]), np.array(row["params"]), full))

    def request_slice(self, run: int, step: int) -> None:
        history = self.histories[run]
        path = history.get("params")[:history.index_at(step) + 1]
        self.send(p.SliceRequest(self.generation, run, step, np.array(path)))

    def request_field(self, view, nx: int, ny: int) -> None:
        self.send(p.FieldRequest(self.generation, tuple(float(v) for v in view), int(nx), int(ny)))

    def request_boundary(self, run: int, step: int, view, nx: int, ny: int) -> None:
        row = self.row(run, step)
        if row is not None:
            self.send(p.BoundaryRequest(self.generation, run, int(row["step"]), np.array(row["params"]),
                                        tuple(float(v) for v in view), nx, ny))

    # --- what the session says ----------------------------------------------------------------------------
    def receive(self, reply) -> None:
        """Take one reply of the session (replies of an older generation are dropped)."""
        if reply.generation != self.generation:
            return
        handler = getattr(self, "_on_" + type(reply).__name__.lower(), None)
        if handler is not None:
            handler(reply)

    def _on_configured(self, reply: p.Configured) -> None:
        self.info = reply.info
        self._last_good = self.experiment
        self.configured.emit()

    def _on_chunk(self, reply: p.Chunk) -> None:
        for index, rows in reply.rows.items():
            if index < len(self.histories):
                self.histories[index].extend(rows)
        self.steps_per_second = reply.steps_per_second
        self.rows_changed.emit()
        if self._play_when_ready and self.ready:
            self._play_when_ready = False
            self.play(True)

    def _on_diverged(self, reply: p.Diverged) -> None:
        history = self.histories[reply.run]
        history.status, history.diverged_at, history.reason = "diverged", reply.step, reply.reason
        title = self.label(reply.run)
        text = f"{title} diverged at step {reply.step}" + (f": {reply.reason}" if reply.reason else "")
        self._log(LogEntry("diverged", text, reply.step, reply.run))
        self.say(text)
        self.run_changed.emit(reply.run)

    def _on_accepted(self, reply: p.Accepted) -> None:
        e = self.experiment
        if reply.step == 0:  # nothing played yet: these are the values the run starts with
            e.runs[reply.run].hparams.update(reply.changes)
        else:
            e.changes.append({"step": reply.step, "run": reply.run, "hparams": dict(reply.changes)})
            e.steps_played = max(e.steps_played, reply.step)
        self.histories[reply.run].replace_current(reply.current)
        self.run_changed.emit(reply.run)
        self.rows_changed.emit()

    def _on_rejected(self, reply: p.Rejected) -> None:
        self._reject(f"hp_{next(iter(reply.changes), '')}", reply.reason, run=reply.run)
        self.run_changed.emit(reply.run)

    def _on_paused(self, reply: p.Paused) -> None:
        self.in_flight = False

    def _on_stopped(self, reply: p.Stopped) -> None:
        self.in_flight = False
        self._set_playing(False)
        if self.status in ("running", "paused", "ready"):
            self.say("finished")
        self.stopped.emit()

    def _on_rewound(self, reply: p.Rewound) -> None:
        for index, history in enumerate(self.histories):
            history.truncate(reply.step)
            if index in reply.current and history.last_step >= reply.step:
                history.replace_current(reply.current[index])
        e = self.experiment
        e.changes = [c for c in e.changes if c["step"] <= reply.step]
        self.display_step = None
        self.rows_changed.emit()
        self.shown_changed.emit()
        for index in range(len(self.histories)):
            self.run_changed.emit(index)

    def _on_inspection(self, reply: p.Inspection) -> None:
        self.inspection = reply
        self._inspection_key = self._pending_inspection
        self._pending_inspection = None
        self.inspected.emit()

    def _on_slice(self, reply: p.Slice) -> None:
        self.slice = reply
        self.sliced.emit()

    def _on_field(self, reply: p.Field) -> None:
        self.field = reply
        self.field_ready.emit()

    def request_line(self, run: int, step: int, view, nx: int, ny: int) -> None:
        """Ask for run `run`'s output over the plane at `step`, to draw its decision boundary as a
        line beside the selected run's (answered by `lines_ready`; one request per run and step)."""
        row = self.row(run, step)
        if row is None or (run, int(row["step"])) in self._lines_asked:
            return
        self._lines_asked.add((run, int(row["step"])))
        self.send(p.BoundaryRequest(self.generation, run, int(row["step"]), np.array(row["params"]),
                                    tuple(float(v) for v in view), nx, ny))

    def _on_boundary(self, reply: p.Boundary) -> None:
        if (reply.run, reply.step) in self._lines_asked:  # a line asked for, not the selected run's map
            self._lines_asked.discard((reply.run, reply.step))
            self.lines[reply.run] = reply
            self.lines_ready.emit()
            if reply.run != self.selected:
                return
        self.boundary = reply
        self.boundary_ready.emit()

    def _on_failed(self, reply: p.Failed) -> None:
        if self.info is None and self._last_good is not None and self._last_good is not self.experiment:
            # the session could not build the new experiment: keep working on the last good one
            self._reject("problem", reply.text)
            self.load(self._last_good)
            return
        self._log(LogEntry("error", reply.text, self.shown_step()))
        self._set_playing(False)
        self.say(reply.text)

    def note(self, text: str, kind: str = "info") -> None:
        """Keep an event in the log (a lesson's progress, an export) at the step on screen."""
        self._log(LogEntry(kind, text, self.shown_step()))

    def _log(self, entry: LogEntry) -> None:
        self.log.append(entry)
        self.logged.emit(entry)

    def recover(self, reason: str) -> None:
        """The session was lost and a new one started: the runs resume where they were (the new
        session replays them to the newest step, with every live change: the same numbers), and
        play on if they were playing."""
        at, was_playing = self.newest_step(), self.playing
        text = f"{reason}; restarted it and replayed the runs to step {at}"
        self._log(LogEntry("error", text + (", playing on" if was_playing else ""), at))
        self.experiment = self.saved_experiment()
        self._configure(resume=True)
        self.say(text)
        self._play_when_ready = was_playing

    def lost(self, reason: str) -> None:
        """The session was lost and is not restarted: say so; the runs shown stay as they were."""
        self._log(LogEntry("error", reason, self.newest_step()))
        self.in_flight = self._play_when_ready = False
        self._set_playing(False)
        self.say("the simulation stopped: " + reason.split(";")[0])

    # --- files --------------------------------------------------------------------------------------------
    def saved_experiment(self) -> Experiment:
        """The experiment as File ▸ Save writes it: where the runs are and how they got there."""
        e = dataclasses.replace(self.experiment, changes=[dict(c) for c in self.experiment.changes])
        e.steps_played = min(self.newest_step(), e.max_steps)
        e.changes = [c for c in e.changes if c["step"] <= e.steps_played]
        return e


def _resolved(experiment: Experiment) -> Experiment:
    """`experiment` with every run's hyperparameters complete (what `validate` does to them)."""
    for run in experiment.runs:
        run.hparams = get_optimizer(run.optimizer).resolve(run.hparams)
    return experiment


def warm_up(experiment: Experiment) -> None:
    """Compile the experiment's surface ahead of the first edit (which checks it): run in a background thread."""
    if not experiment.is_network:
        from ..core import get_surface
        get_surface(experiment.surface, experiment.surface_params)


def _dataset_names() -> set[str]:
    from ..core.datasets import DATASETS
    return set(DATASETS) - {"csv"}
