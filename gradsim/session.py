"""The stepping session behind the app: every run of an experiment, stepped in time slices.

The app runs this in a child process (see `serve`), so that stepping never competes with the
window for Python's global interpreter lock: the GUI thread only receives finished chunks.
Commands arrive as tuples, results leave as tuples; arrays in them are fresh copies. Qt-free.

Commands: ("configure", experiment_json, generation), ("play", bool), ("speed", steps_per_second
or 0 for unlimited), ("step",), ("hparams", run_index, {name: value}), ("shutdown",).
Messages: ("chunk", generation, {run_index: rows}), ("diverged", generation, run_index, step,
reason), ("stopped", generation), ("error", text).
"""
from __future__ import annotations

import time

from .core import Stepper
from .core.diagnosis import divergence_reason
from .experiment import Experiment

TICK_SECONDS = 1 / 60     # at most this many chunks a second reach the window
SLICE_SECONDS = 0.012     # stepping per tick when running as fast as possible


class Session:
    def __init__(self):
        self.steppers: list[Stepper] = []
        self.playing = False
        self.speed = 0.0
        self.generation = 0
        self.max_steps = 0
        self._debt = 0.0
        self._batch = 16  # steps per run per tick at full speed, adapted to the slice
        self._last_tick = time.perf_counter()

    def handle(self, command: tuple) -> list[tuple]:
        kind, *args = command
        if kind == "configure":
            return self.configure(*args)
        if kind == "play":
            self.playing = bool(args[0])
            self._last_tick, self._debt = time.perf_counter(), 0.0
            return []
        if kind == "speed":
            self.speed = float(args[0])
            return []
        if kind == "step":
            return self._advance(1)
        if kind == "hparams":
            index, changes = args
            if 0 <= index < len(self.steppers):
                self.steppers[index].set_hparams(**changes)  # the optimizer state is kept
            return []
        return [("error", f"unknown command {kind!r}")]

    def configure(self, experiment_json: str, generation: int) -> list[tuple]:
        experiment = Experiment.from_json(experiment_json)
        self.generation, self.max_steps, self.playing = generation, experiment.max_steps, False
        self.steppers = [Stepper(problem, run.optimizer, run.hparams, start, schedule=experiment.schedule,
                                 clip=experiment.clip, grad_noise=experiment.grad_noise, seed=experiment.seed + i)
                         for i, (run, (problem, start)) in enumerate(zip(experiment.runs, experiment.run_problems()))]
        return [("chunk", generation, {i: s.run(0) | {"current": s.record()} for i, s in enumerate(self.steppers)})]

    def tick(self) -> list[tuple]:
        """One slice of stepping, if playing."""
        if not self.playing:
            return []
        now = time.perf_counter()
        elapsed, self._last_tick = now - self._last_tick, now
        if self.speed > 0:
            self._debt = min(self._debt + elapsed * self.speed, 10_000.0)
            whole = int(self._debt)
            self._debt -= whole
            return self._advance(whole) if whole else []
        # As fast as possible, but in lockstep: every run takes the same number of steps, sized so that
        # a tick's work fills about SLICE_SECONDS, so that runs stay comparable step for step.
        started = time.perf_counter()
        batch = self._batch
        messages = self._advance(batch)
        elapsed = max(time.perf_counter() - started, 1e-6)
        self._batch = int(min(max(1, batch * SLICE_SECONDS / elapsed), 2 * batch + 1, 100_000))
        return messages

    def _advance(self, steps: int) -> list[tuple]:
        """`steps` more updates for every live run (never past the experiment's step budget)."""
        messages, rows = [], {}
        for i, stepper in enumerate(self.steppers):
            if stepper.finished or stepper.k >= self.max_steps:
                continue
            chunk = stepper.run(min(steps, self.max_steps - stepper.k))
            # a diverged run's last finite row is its end; past it there is no current point
            rows[i] = chunk if stepper.finished else chunk | {"current": stepper.record()}
            if stepper.finished:
                messages.append(("diverged", self.generation, i, int(stepper.diverged_at),
                                 divergence_reason(stepper)))
        if rows:
            messages.insert(0, ("chunk", self.generation, rows))
        if self.steppers and all(s.finished or s.k >= self.max_steps for s in self.steppers):
            if self.playing or rows:
                messages.append(("stopped", self.generation))
            self.playing = False
        return messages


def serve(connection) -> None:
    """The child process's loop: answer commands, step while playing, send what happened."""
    session = Session()
    next_tick = time.perf_counter()
    while True:
        wait = max(0.0, next_tick - time.perf_counter()) if session.playing else None
        messages = []
        if connection.poll(wait):
            command = connection.recv()
            if command[0] == "shutdown":
                break
            try:
                messages = session.handle(command)
            except Exception as error:  # a bad command must not kill the session; say what happened
                messages = [("error", f"{type(error).__name__}: {error}")]
        if session.playing and time.perf_counter() >= next_tick:
            next_tick = time.perf_counter() + TICK_SECONDS
            messages += session.tick()
        for message in messages:
            connection.send(message)
    connection.close()
