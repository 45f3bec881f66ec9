"""The thin Qt layer over the app model: the session client, and the model's changes as Qt signals.

Views connect to these signals (Qt disconnects them when a view is destroyed, and queues them
across threads) and call the model's methods (`controller.model`) to ask for changes.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from ..app.ensemble_model import EnsembleModel
from ..app.model import AppModel, LogEntry
from ..app.protocol import Configure
from .session_client import LocalSession, ProcessSession

MODEL_SIGNALS = ("configured", "experiment_changed", "run_changed", "selection_changed", "rows_changed",
                 "shown_changed", "playing_changed", "status_changed", "logged", "rejected", "inspected", "sliced",
                 "field_ready", "boundary_ready", "lines_ready", "stopped", "revealed")
MAX_RESTARTS = 3      # sessions lost within RESTART_WINDOW seconds that are restarted; one more is not
RESTART_WINDOW = 60.0
ENSEMBLE_SIGNALS = {"view_changed": "ensemble_view_changed", "result_changed": "ensemble_result",
                    "status_changed": "ensemble_status", "rejected": "ensemble_rejected"}


class Controller(QObject):
    configured = Signal()
    experiment_changed = Signal()
    run_changed = Signal(int)
    selection_changed = Signal(int)
    rows_changed = Signal()
    shown_changed = Signal()
    playing_changed = Signal(bool)
    status_changed = Signal(str)
    logged = Signal(object)
    rejected = Signal(str, str)
    inspected = Signal()
    sliced = Signal()
    field_ready = Signal()
    boundary_ready = Signal()
    lines_ready = Signal()
    stopped = Signal()
    revealed = Signal()
    # the ensemble views' model (controller.ensembles): basin maps, swarms, sweeps, phase diagrams
    ensemble_view_changed = Signal(str)
    ensemble_result = Signal(str)
    ensemble_status = Signal(str, str)
    ensemble_rejected = Signal(str, str)

    def __init__(self, model: AppModel, session: str = "process", parent=None):
        """`session` is "process" (a child process, as the app runs) or "local" (in this process)."""
        super().__init__(parent)
        self.model = model
        self.ensembles = EnsembleModel(model)
        self._kind = session
        self._losses: list[float] = []  # when sessions were lost (time.monotonic), since the user last started one
        self._bridges = []
        for source, names in ((model, {name: name for name in MODEL_SIGNALS}), (self.ensembles, ENSEMBLE_SIGNALS)):
            for name, qt_name in names.items():
                qt_signal = getattr(self, qt_name)
                bridge = (lambda *args, s=qt_signal: s.emit(*args))
                getattr(source, name).connect(bridge)
                self._bridges.append((source, name, bridge))
        self.client = self._start_session()

    def _start_session(self):
        client = (LocalSession if self._kind == "local" else ProcessSession)(self)
        client.reply.connect(self.model.receive)
        client.reply.connect(self.ensembles.receive)
        client.died.connect(self._restart)
        self.model.send = client.send
        return client

    def _restart(self, reason: str) -> None:
        """A new session, with the runs replayed to where they were (playing on if they were
        playing); but a session lost MAX_RESTARTS times within RESTART_WINDOW seconds (something in
        the experiment kills or wedges it every time) is not restarted again until the user asks."""
        old = self.client
        for slot in (self.model.receive, self.ensembles.receive):
            old.reply.disconnect(slot)
        old.shutdown(timeout=1.0)
        old.deleteLater()
        now = time.monotonic()
        self._losses = [t for t in self._losses if now - t < RESTART_WINDOW] + [now]
        if len(self._losses) > MAX_RESTARTS:
            self.client = None
            self.model.send = self._send_while_lost
            self.model.lost(f"{reason}; it was lost {len(self._losses)} times within {RESTART_WINDOW:g} s, so it is "
                            "not restarted again (reset or open an experiment to try again)")
            return
        self.client = self._start_session()
        self.model.recover(reason)

    def _send_while_lost(self, command) -> None:
        """No session since the last one was given up: a new experiment (reset, open) starts one."""
        if isinstance(command, Configure):
            self._losses = []
            self.client = self._start_session()
            self.client.send(command)

    def shutdown(self) -> None:
        for source, name, bridge in self._bridges:
            getattr(source, name).disconnect(bridge)
        self._bridges.clear()
        self.model.send = lambda command: None
        if self.client is not None:
            self.client.shutdown()


__all__ = ["Controller", "LogEntry"]
