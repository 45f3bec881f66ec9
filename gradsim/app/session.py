"""The stepping session behind the app: every run of an experiment, stepped in time slices (Qt-free).

The app runs it in a child process (`serve`), so that stepping never competes with the window for
Python's interpreter lock; tests may drive a `Session` directly. It answers the commands of
`gradsim.app.protocol` and does the engine work the window needs: stepping in lockstep, live
hyperparameter changes, rewinding to any step (from snapshots of every run's optimizer state),
the Hessian at a point, a network's loss slice and a surface's loss field for contours.
"""
from __future__ import annotations

import signal
import threading
import time

import numpy as np

from ..core.diagnosis import divergence_reason
from ..core.equations import parameter_names
from ..core.mlp import BINARY_LOSSES
from ..experiment import Experiment
from . import protocol as p
from .ensemble_jobs import Jobs
from .quadratic_theory import quadratic_info
from .runs import Until, apply_changes, build_steppers

TICK_SECONDS = 1 / 60       # at most this many chunks a second reach the window
SLICE_SECONDS = 0.012       # stepping per tick: every tick ends within about this time
JOB_SECONDS = 0.03          # ensemble work per tick (at least one piece of it)
HEARTBEAT_SECONDS = 0.5     # while playing, a sign of life at least this often
SNAPSHOTS_PER_RUN = 256     # rewinding replays at most max_steps / SNAPSHOTS_PER_RUN steps
REPLAY_CHUNK = 20_000       # rows per message when a resumed experiment sends its history


class Session:
    def __init__(self, clock=time.perf_counter):
        """`clock`: seconds, for the speed limit and the time slices (tests pass their own)."""
        self.clock = clock
        self.generation = 0
        self.experiment: Experiment | None = None
        self.steppers = []
        self.until: Until | None = None
        self.max_steps = 0
        self.playing = False
        self.speed = 0.0
        self.steps_per_second = 0.0
        self._debt = 0.0
        self._last_tick = clock()
        self._last_advance = 0
        self._window_steps, self._window_time = 0, 0.0
        self._snapshots: list[list] = []   # per run: Snapshot at increasing steps
        self._pinned: set[int] = set()     # steps whose snapshots are never thinned (live changes)
        self._interval = 64
        self.jobs = Jobs()                 # basin maps, swarms, sweeps: advanced a piece per tick

    @property
    def busy(self) -> bool:
        """Playing, or ensemble work in progress: `tick` has something to do."""
        return self.playing or bool(self.jobs)

    # --- commands ----------------------------------------------------------------------------------
    def handle(self, command) -> list:
        """Carry out one command; the replies to send back, in order. A command that fails is
        answered with `Failed` saying why, and the session goes on."""
        generation = getattr(command, "generation", self.generation)
        handler = getattr(self, "_" + type(command).__name__.lower(), None)
        if handler is None:
            return [p.Failed(generation, f"unknown command {command!r}")]
        try:
            return handler(command)
        except Exception as error:  # noqa: BLE001  (the session must outlive any one bad command)
            self.playing = False
            return [p.Failed(generation, f"{type(error).__name__}: {error}")]

    def _configure(self, command: p.Configure) -> list:
        experiment = Experiment.from_json(command.experiment)
        self.experiment, self.until = experiment, command.until
        self.generation, self.max_steps, self.playing = command.generation, experiment.max_steps, False
        self.steppers = build_steppers(experiment)
        self._snapshots = [[s.snapshot()] for s in self.steppers]
        self._pinned, self._interval = {0}, max(64, experiment.max_steps // SNAPSHOTS_PER_RUN)
        if self.until is not None and self._until_holds_now():
            self.max_steps = 0
        replies = [p.Configured(self.generation, describe(experiment, self.steppers))]
        if command.resume and experiment.steps_played:
            replies += self._replay(experiment.steps_played)
        return replies + [p.Chunk(self.generation, {i: s.run(0) | {"current": s.record()}
                                                    for i, s in enumerate(self.steppers)})]

    def _play(self, command: p.Play) -> list:
        self.generation = command.generation
        was_playing = self.playing
        self.playing = bool(command.playing) and not self._done()
        self._last_tick, self._debt = self.clock(), 0.0
        if command.playing and not self.playing:
            return [p.Stopped(self.generation, self._newest())]
        return [p.Paused(self.generation, self._newest())] if was_playing and not self.playing else []

    def _extend(self, command: p.Extend) -> list:
        self.experiment.max_steps = self.max_steps = max(self.max_steps, int(command.max_steps))
        return []

    def _speed(self, command: p.Speed) -> list:
        self.speed = max(0.0, float(command.steps_per_second))
        self._debt = 0.0
        return []

    def _steponce(self, command: p.StepOnce) -> list:
        self.generation = command.generation
        return self._advance(1)

    def _sethparams(self, command: p.SetHparams) -> list:
        index = command.run
        if not 0 <= index < len(self.steppers):
            return [p.Rejected(command.generation, index, command.changes, f"there is no run {index + 1}")]
        stepper = self.steppers[index]
        try:
            stepper.set_hparams(**command.changes)  # from the next update on; the optimizer state is kept
        except ValueError as error:
            return [p.Rejected(command.generation, index, command.changes, str(error))]
        applied = {name: stepper.hparams[name] for name in command.changes}
        self.experiment.changes.append({"step": stepper.k, "run": index, "hparams": applied})
        self._snapshots[index] = [s for s in self._snapshots[index] if s.k < stepper.k] + [stepper.snapshot()]
        self._pinned.add(stepper.k)
        return [p.Accepted(command.generation, index, applied, stepper.k, stepper.record())]

    def _rewind(self, command: p.Rewind) -> list:
        step = max(0, int(command.step))
        self.generation, self.playing = command.generation, False
        for index, stepper in enumerate(self.steppers):
            if stepper.k > step:
                self._restore(index, step)
        self.experiment.changes = [c for c in self.experiment.changes if c["step"] <= step]
        self._pinned = {k for k in self._pinned if k <= step}
        self.max_steps = self.experiment.max_steps
        return [p.Rewound(self.generation, step, {i: s.record() for i, s in enumerate(self.steppers)})]

    def _inspect(self, command: p.Inspect) -> list:
        problem = self.steppers[command.run].problem
        params = np.asarray(command.params, dtype=float)
        try:
            with np.errstate(all="ignore"):
                hessian = np.asarray(problem.hessian(params, command.step), dtype=float)
        except ValueError as error:  # a network too large for a Hessian
            return [p.Inspection(command.generation, command.run, command.step, error=str(error))]
        if not np.all(np.isfinite(hessian)):
            return [p.Inspection(command.generation, command.run, command.step, error="the Hessian is not finite here")]
        eigenvalues = np.linalg.eigvalsh(0.5 * (hessian + hessian.T))
        kind = problem.classify(params) if hasattr(problem, "classify") else ""
        return [p.Inspection(command.generation, command.run, command.step, eigenvalues, kind,
                             hessian if command.full else None)]

    def _slicerequest(self, command: p.SliceRequest) -> list:
        problem = self.steppers[command.run].problem
        path = np.asarray(command.path, dtype=float)
        center = path[-1]
        d1, d2 = problem.directions(center, "random", seed=0)
        offsets = np.linalg.lstsq(np.column_stack([d1, d2]), (path - center).T, rcond=None)[0]
        span = 1.2 * max(1.0, float(np.abs(offsets).max()))
        values = problem.loss_slice(center, d1, d2, span=span, n=25, path=path)
        return [p.Slice(command.generation, command.run, command.step, values)]

    def _fieldrequest(self, command: p.FieldRequest) -> list:
        problem = self.steppers[0].problem if self.steppers else None
        if problem is None or not hasattr(problem, "grid"):
            return [p.Failed(command.generation, "there is no surface to draw")]
        xs, ys, values = problem.grid(int(command.nx), int(command.ny), tuple(command.view))
        return [p.Field(command.generation, tuple(command.view), xs, ys, values)]

    def _boundaryrequest(self, command: p.BoundaryRequest) -> list:
        problem = self.steppers[command.run].problem
        xmin, xmax, ymin, ymax = command.view
        xs, ys = np.linspace(xmin, xmax, int(command.nx)), np.linspace(ymin, ymax, int(command.ny))
        params = np.asarray(command.params, dtype=float)
        if problem.data.task == "classification":
            values, curve = problem.output_grid(params, xs, ys), None
        else:  # regression: the fitted curve over the data
            values = np.zeros((2, 2))
            curve = problem.mlp.predict(params, np.column_stack([xs, np.zeros_like(xs)]))[:, 0]
        return [p.Boundary(command.generation, command.run, command.step, tuple(command.view), values, curve)]

    def _basinrequest(self, command: p.BasinRequest) -> list:
        return self.jobs.start(command)

    def _swarmrequest(self, command: p.SwarmRequest) -> list:
        return self.jobs.start(command)

    def _sweeprequest(self, command: p.SweepRequest) -> list:
        return self.jobs.start(command)

    def _canceljob(self, command: p.CancelJob) -> list:
        return self.jobs.cancel(command.job)

    # --- stepping ----------------------------------------------------------------------------------
    def tick(self) -> list:
        """One slice of stepping, if playing (never much longer than SLICE_SECONDS), then a piece
        of ensemble work, if any. An error stops the playing (or the ensemble work) and is answered
        with `Failed` saying where and why: the session itself goes on."""
        replies = []
        if self.playing:
            try:
                replies += self._step_slice()
            except Exception as error:  # noqa: BLE001  (the session must outlive any one bad step)
                self.playing = False
                replies.append(p.Failed(self.generation, f"the simulation stopped at step {self._newest()}: "
                                                         f"{type(error).__name__}: {error}"))
        if self.jobs:
            try:
                replies += self.jobs.work(JOB_SECONDS)
            except Exception as error:  # noqa: BLE001
                self.jobs.clear()
                replies.append(p.Failed(self.generation, f"the ensemble work stopped: {type(error).__name__}: {error}"))
        return replies

    def _step_slice(self) -> list:
        now = self.clock()
        elapsed, self._last_tick = now - self._last_tick, now
        if self.speed > 0:
            self._debt = min(self._debt + elapsed * self.speed, self.speed)  # at most a second behind
            wanted = int(self._debt)
            if not wanted:
                return []
        else:
            wanted = 10**9  # as many as fit in the slice
        replies = self._advance(wanted, SLICE_SECONDS)
        done = self._last_advance
        if self.speed > 0:
            self._debt = self._debt - done if done == wanted else 0.0  # the machine is slower: drop the rest
        self._measure(done, elapsed)
        return replies

    def _measure(self, done: int, elapsed: float) -> None:
        """Steps per second actually achieved, over about the last half second."""
        self._window_steps += done
        self._window_time += elapsed
        if self._window_time >= 0.5:
            self.steps_per_second = self._window_steps / self._window_time
            self._window_steps, self._window_time = 0, 0.0

    def _advance(self, steps: int, budget: float | None = None) -> list:
        """Up to `steps` more updates for every live run, in lockstep: the first run that does not
        diverge sets how many fit in `budget` seconds, and the others take as many; never past the
        step budget or where a run-until condition holds."""
        self._last_advance = 0
        live = [(i, s) for i, s in enumerate(self.steppers) if not s.finished and s.k < self.max_steps]
        if not live:
            return self._finish([])
        target = min(steps, self.max_steps - live[0][1].k)
        if self.until is not None:
            target = self._until_target(target, budget)
        rows, replies, count = {}, [], None
        for i, stepper in live:
            pacing = count is None and budget is not None
            chunk = stepper.run(target if count is None else count, budget / len(live) if pacing else None,
                                self.clock)
            if stepper.finished:  # a diverged run's last finite row is its end: no current point
                rows[i] = chunk
                replies.append(p.Diverged(self.generation, i, int(stepper.diverged_at), divergence_reason(stepper)))
            else:
                count = len(chunk["step"]) if count is None else count
                rows[i] = chunk | {"current": stepper.record()}
            self._maybe_snapshot(i)
        self._last_advance = count or 0
        return self._finish([p.Chunk(self.generation, rows, self.steps_per_second)] + replies)

    def _finish(self, replies: list) -> list:
        if self._done():
            if self.playing or replies:
                replies.append(p.Stopped(self.generation, self._newest()))
            self.playing = False
        return replies

    def _done(self) -> bool:
        return not self.steppers or all(s.finished or s.k >= self.max_steps for s in self.steppers)

    def _newest(self) -> int:
        return max((s.k for s in self.steppers), default=0)

    # --- run until -----------------------------------------------------------------------------------
    def _until_target(self, target: int, budget: float | None) -> int:
        """How far to go this time: if the condition's run meets it within `target` steps, exactly
        there (found by stepping that run ahead, then taking it back), and that is the end."""
        stepper = self.steppers[self.until.run]
        if stepper.finished:
            return target
        start = stepper.snapshot()
        rows = stepper.run(target, budget, self.clock)
        reached = len(rows["step"])
        rows["step"] = np.append(rows["step"], stepper.k)
        for name, value in (("loss", stepper.loss),):
            rows[name] = np.append(rows[name], value)
        current = stepper.record()
        rows["extra"] = {k: np.append(v, current["extra"][k]) for k, v in rows["extra"].items()}
        hit = self.until.first(rows, after=start.k)
        stepper.restore(start)
        if hit is not None:
            self.max_steps = hit
            return hit - start.k
        return reached if budget is not None else target

    def _until_holds_now(self) -> bool:
        stepper = self.steppers[self.until.run]
        row = stepper.record()
        rows = {"step": np.array([row["step"]]), "loss": np.array([row["loss"]]),
                "extra": {k: np.array([v]) for k, v in row["extra"].items()}}
        return self.until.first(rows) is not None

    # --- rewinding -------------------------------------------------------------------------------------
    def _maybe_snapshot(self, index: int) -> None:
        snapshots, stepper = self._snapshots[index], self.steppers[index]
        if stepper.finished or stepper.k < snapshots[-1].k + self._interval:
            return
        snapshots.append(stepper.snapshot())
        if len(snapshots) > SNAPSHOTS_PER_RUN:  # keep every other one (never a live change's)
            self._interval *= 2
            kept = [s for s in snapshots if s.k in self._pinned or s.k % self._interval < self._interval // 2]
            self._snapshots[index] = kept if len(kept) < len(snapshots) else snapshots[::2] + [snapshots[-1]]

    def _restore(self, index: int, step: int) -> None:
        stepper = self.steppers[index]
        snapshot = max((s for s in self._snapshots[index] if s.k <= step), key=lambda s: s.k)
        stepper.restore(snapshot)
        stepper.run(step - snapshot.k)  # deterministic: the same steps again (no live change in between)
        self._snapshots[index] = [s for s in self._snapshots[index] if s.k <= step]

    def _replay(self, steps: int) -> list:
        """Play every run to `steps` with the experiment's recorded changes; send the rows in pieces."""
        replies, changes = [], list(self.experiment.changes)
        marks = sorted({c["step"] for c in changes if c["step"] < steps} | {steps})
        for index, stepper in enumerate(self.steppers):
            for mark in marks:
                while stepper.k < mark and not stepper.finished:
                    rows = stepper.run(min(REPLAY_CHUNK, mark - stepper.k))
                    replies.append(p.Chunk(self.generation, {index: rows}))
                    self._maybe_snapshot(index)
                    if stepper.finished:
                        replies.append(p.Diverged(self.generation, index, int(stepper.diverged_at),
                                                  divergence_reason(stepper)))
                if stepper.k == mark and mark < steps:
                    apply_changes(stepper, changes, index, mark)
                    self._snapshots[index].append(stepper.snapshot())
                    self._pinned.add(mark)
        return replies


MAX_POINTS_DRAWN = 5000  # a network's data drawn on the panel: all of it, or an even sample this size


def describe(experiment: Experiment, steppers) -> p.ProblemInfo:
    """What the window shows of the problem (built here, in the session, never in the window)."""
    problem = steppers[0].problem
    if not experiment.is_network:
        stationary = tuple((pt.x, pt.y, pt.kind) for pt in problem.stationary_points)
        minima = [float(problem.loss(np.array([x, y]))) for x, y, kind in stationary if kind == "minimum"]
        return p.ProblemInfo("surface", problem.spec.title, tuple(problem.view),
                             start=tuple(float(v) for v in experiment.resolved_start()), stationary=stationary,
                             minimum=min(minima) if minima else None,
                             parameter_names=tuple(tuple(parameter_names()) for _ in steppers),
                             quadratic=quadratic_info(problem))
    data = problem.data
    X, y = data.X, data.y
    shown = np.linspace(0, len(X) - 1, MAX_POINTS_DRAWN).astype(int) if len(X) > MAX_POINTS_DRAWN else slice(None)
    pad = 0.15 * (X.max(axis=0) - X.min(axis=0) + 1e-9)
    low, high = X.min(axis=0) - pad, X.max(axis=0) + pad
    if data.task == "regression":
        low[1], high[1] = float(min(y.min(), -1.5)), float(max(y.max(), 1.5))
    return p.ProblemInfo("network", data.name, (float(low[0]), float(high[0]), float(low[1]), float(high[1])),
                         parameter_names=tuple(tuple(parameter_names(s.problem.mlp)) for s in steppers),
                         points=X[shown], targets=y[shown], n_points=len(X), task=data.task, classes=data.classes,
                         layers=problem.mlp.n_layers,
                         binary=tuple(s.problem.mlp.loss in BINARY_LOSSES for s in steppers),
                         has_test=data.X_test is not None)


def main(connection) -> None:
    """The child process: `serve` with one BLAS thread. The session's matrices are small (a batch
    by a layer): several BLAS threads gain nothing there, and on a busy machine they wait on each
    other (a full-batch step of moons with n = 10,000 took 0.35 s with them, 0.015 s without)."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        serve(connection)


def serve(connection, session: Session | None = None) -> None:
    """The child process's loop: answer commands, step while playing, send what happened.

    Nothing that goes wrong in here ends it silently: a failed command, tick or message is answered
    with `Failed` and the loop goes on. Only `Shutdown`, or the window going away (its end of the
    pipe closed), ends it, quietly."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in the terminal is the window's to handle
    session = session or Session()
    next_tick = last_sent = time.perf_counter()
    while True:
        wait = max(0.0, next_tick - time.perf_counter()) if session.busy else None
        replies = []
        try:
            commands = waiting_commands(connection, wait)
        except (EOFError, OSError):  # the window has gone
            break
        except Exception as error:  # noqa: BLE001  (a message that cannot be read)
            commands, replies = [], [p.Failed(session.generation, f"a command could not be read: {error}")]
        if any(isinstance(command, p.Shutdown) for command in commands):
            break
        for command in commands:
            replies += session.handle(command)
        if session.busy and time.perf_counter() >= next_tick:
            next_tick = time.perf_counter() + TICK_SECONDS
            replies += session.tick()
        if session.playing and not replies and time.perf_counter() - last_sent > HEARTBEAT_SECONDS:
            replies = [p.Heartbeat(session.generation)]
        try:
            for reply in replies:
                _send(connection, reply)
                last_sent = time.perf_counter()
        except (EOFError, OSError):  # the window has gone (BrokenPipeError is an OSError)
            break
    connection.close()


MAX_READ = 1000  # commands read at once before the session steps again


def waiting_commands(connection, wait: float | None) -> list:
    """Every command already waiting (after up to `wait` seconds for the first; None: until one
    comes), less those a newer one makes moot (`protocol.newest_wins`)."""
    if not connection.poll(wait):
        return []
    commands = [connection.recv()]
    while len(commands) < MAX_READ and connection.poll(0):
        commands.append(connection.recv())
    return p.newest_wins(commands)


def _send(connection, reply) -> None:
    try:
        connection.send(reply)
    except (EOFError, OSError):
        raise
    except Exception as error:  # noqa: BLE001  (a reply that cannot be pickled: say so instead)
        connection.send(p.Failed(reply.generation, f"a {type(reply).__name__} could not be sent: {error}"))
