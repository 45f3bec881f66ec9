"""The app's link to its simulation session, which steps every run in a child process.

Stepping NumPy from Python holds the global interpreter lock; in a thread of the app's own
process it would slow every paint of the window (pyqtgraph draws in Python). So the session
(`gradsim.app.session.serve`) runs in a separate process: commands go to it down a pipe, and a small
receiver thread waits on the pipe (without the lock) and hands each message to the GUI thread
as a queued Qt signal. The GUI thread never reads the session's arrays, only received copies.
"""
from __future__ import annotations

import multiprocessing

from PySide6.QtCore import QObject, QThread, Signal

from ..app import protocol as p
from ..app.session import serve
from ..experiment import Experiment


class _Receiver(QThread):
    message = Signal(object)

    def __init__(self, connection):
        super().__init__()
        self.connection = connection

    def run(self) -> None:
        while True:
            try:
                message = self.connection.recv()  # blocks without holding the interpreter lock
            except (EOFError, OSError):
                return
            self.message.emit(message)


class SimulationWorker(QObject):
    chunk = Signal(object)                  # {"generation": g, "rows": {run index: rows}}
    diverged = Signal(int, int, int, str)   # generation, run index, step, reason
    stopped = Signal(int)                   # generation
    error = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
        self._connection, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), daemon=True, name="gradsim-session")
        self.process.start()
        child.close()
        self.receiver = _Receiver(self._connection)
        self.receiver.message.connect(self._dispatch)
        self.receiver.start()

    generation = 0

    def _send(self, command) -> None:
        try:
            self._connection.send(command)
        except (BrokenPipeError, OSError):
            self.error.emit("the simulation session has stopped")

    def configure(self, experiment: Experiment, generation: int, until=None) -> None:
        self.generation = generation
        self._send(p.Configure(generation, experiment.to_json(), until))

    def set_playing(self, playing: bool) -> None:
        self._send(p.Play(self.generation, bool(playing)))

    def set_speed(self, steps_per_second: float) -> None:
        self._send(p.Speed(self.generation, float(steps_per_second)))

    def step_once(self) -> None:
        self._send(p.StepOnce(self.generation))

    def set_hparams(self, index: int, changes: dict) -> None:
        self._send(p.SetHparams(self.generation, index, dict(changes)))

    def _dispatch(self, message) -> None:
        if isinstance(message, p.Chunk):
            self.chunk.emit({"generation": message.generation, "rows": message.rows})
        elif isinstance(message, p.Diverged):
            self.diverged.emit(message.generation, message.run, message.step, message.reason)
        elif isinstance(message, p.Stopped):
            self.stopped.emit(message.generation)
        elif isinstance(message, p.Failed):
            self.error.emit(message.text)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the session and the receiver; waits for both."""
        self._send(p.Shutdown())
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)
        self._connection.close()
        self.receiver.wait(int(timeout * 1000))
