"""The simulation worker: steps every run off the GUI thread, in short time-budgeted slices.

A `SimulationWorker` lives in its own QThread. Commands arrive as queued signals; results leave
as `chunk` signals carrying fresh arrays (the GUI never touches the worker's steppers). A timer
in the worker's thread ticks about 60 times a second; each tick steps for at most a slice of
time and sends one chunk, so the GUI is never flooded.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..core import Stepper, get_surface
from ..core.diagnosis import divergence_reason
from ..experiment import Experiment

TICK_MS = 16
SLICE_SECONDS = 0.010  # stepping per tick, leaving the rest of the frame for the GUI


class SimulationWorker(QObject):
    chunk = Signal(object)     # {"generation": g, "rows": {run index: rows from Stepper.run}}
    diverged = Signal(int, int, int, str)  # generation, run index, step, reason
    stopped = Signal()         # the step budget is spent or every run has diverged

    def __init__(self):
        super().__init__()
        self._steppers: list[Stepper | None] = []
        self._timer: QTimer | None = None
        self._playing = False
        self._speed = 0.0  # steps per second; 0 means as fast as possible
        self._debt = 0.0
        self._last_tick = 0.0
        self._max_steps = 0
        self._generation = 0
        self._experiment: Experiment | None = None

    # --- commands (queued from the GUI thread) ----------------------------------------------
    @Slot(object, int)
    def configure(self, experiment: Experiment, generation: int) -> None:
        """Start every run afresh from the experiment's start point."""
        self._generation = generation
        self._experiment = experiment
        surface = get_surface(experiment.surface, experiment.surface_params)
        start = experiment.resolved_start()
        self._steppers = [Stepper(surface, run.optimizer, run.hparams, start, schedule=experiment.schedule,
                                  clip=experiment.clip, grad_noise=experiment.grad_noise,
                                  seed=experiment.seed + i)
                          for i, run in enumerate(experiment.runs)]
        self._max_steps = experiment.max_steps
        self._emit({i: s.run(0) | {"current": s.record()} for i, s in enumerate(self._steppers)})

    @Slot(bool)
    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        self._last_tick = time.perf_counter()
        self._debt = 0.0
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setInterval(TICK_MS)
            self._timer.timeout.connect(self._tick)
        if playing:
            self._timer.start()
        else:
            self._timer.stop()

    @Slot(float)
    def set_speed(self, steps_per_second: float) -> None:
        self._speed = steps_per_second

    @Slot()
    def step_once(self) -> None:
        self._advance(lambda stepper: stepper.run(1))

    @Slot(int, object)
    def set_hparams(self, index: int, changes: dict) -> None:
        """From the next update on; the run keeps its optimizer state."""
        if 0 <= index < len(self._steppers):
            self._steppers[index].set_hparams(**changes)

    @Slot()
    def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        QThread.currentThread().quit()

    # --- stepping -------------------------------------------------------------------------------
    def _tick(self) -> None:
        now = time.perf_counter()
        if self._speed > 0:
            self._debt = min(self._debt + (now - self._last_tick) * self._speed, 1000.0)
            whole = int(self._debt)
            self._debt -= whole
            self._last_tick = now
            if whole:
                self._advance(lambda stepper: stepper.run(whole))
            return
        self._last_tick = now
        live = max(1, sum(1 for s in self._steppers if not s.finished))
        self._advance(lambda stepper: stepper.run(10**9, time_budget=SLICE_SECONDS / live))

    def _advance(self, step) -> None:
        rows = {}
        for i, stepper in enumerate(self._steppers):
            if stepper.finished or stepper.k >= self._max_steps:
                continue
            was_alive = not stepper.finished
            rows[i] = step(stepper) | {"current": stepper.record()}
            if was_alive and stepper.finished:
                reason = divergence_reason(stepper)
                self.diverged.emit(self._generation, i, int(stepper.diverged_at), reason)
        if rows:
            self._emit(rows)
        if all(s.finished or s.k >= self._max_steps for s in self._steppers):
            if self._timer is not None:
                self._timer.stop()
            self._playing = False
            self.stopped.emit()

    def _emit(self, rows: dict) -> None:
        self.chunk.emit({"generation": self._generation, "rows": rows})
