"""The app's link to its stepping session: in a child process (the app), or in this process (tests).

Stepping NumPy from Python holds the interpreter lock; in a thread of the app's own process it
would slow every paint of the window (pyqtgraph draws in Python). So the app's session
(`gradsim.app.session.serve`) runs in a separate process. Commands go into a queue that a sender
thread writes down the pipe, so the GUI thread never waits for the child to read (and a queued
`Configure` makes every command before it pointless: the newest one wins). A receiver thread waits
on the pipe and hands each reply to the GUI thread as a queued Qt signal. A watchdog notices a
session that died or stopped answering while playing, and says so (`died`); the controller then
starts a new one.
"""
from __future__ import annotations

import collections
import contextlib
import multiprocessing
import signal
import threading
import time

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from ..app import protocol as p
from ..app.session import TICK_SECONDS, Session, main

SILENCE_SECONDS = 2.0  # no word from a playing session for this long, and no CPU used meanwhile: it is wedged
BUSY_SECONDS = 30.0    # no word for this long even though it computes (no step takes that long): wedged too
COALESCE_AT = 64       # more commands than this waiting: drop the moot ones (protocol.newest_wins)
MAX_QUEUED = 5000      # more than this waiting even so: the session has stopped reading


class SessionClient(QObject):
    """What the controller needs of a session: `send(command)`, `reply`, `died`, `shutdown()`."""
    reply = Signal(object)
    died = Signal(str)

    def send(self, command) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        raise NotImplementedError


class _Receiver(QThread):
    message = Signal(object)

    def __init__(self, connection):
        super().__init__()
        self.connection = connection

    def run(self) -> None:
        while True:
            try:
                message = self.connection.recv()  # blocks without holding the interpreter lock
            except (EOFError, OSError, TypeError):
                return
            self.message.emit(message)


@contextlib.contextmanager
def _ctrl_c_ignored():
    """SIGINT ignored in this process for the moment a child starts (the child keeps it ignored:
    a Ctrl+C in the terminal is the window's to handle, and would otherwise end a child still
    importing with a KeyboardInterrupt traceback)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


class ProcessSession(SessionClient):
    def __init__(self, parent=None):
        super().__init__(parent)
        context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
        self._connection, child = context.Pipe()
        self.process = context.Process(target=main, args=(child,), daemon=True, name="gradsim-session")
        with _ctrl_c_ignored():  # inherited across exec: Ctrl+C never reaches the child, even while it imports
            self.process.start()
        child.close()
        self._queue: collections.deque = collections.deque()
        self._wake = threading.Condition()
        self._closing = False
        self._sender = threading.Thread(target=self._send_loop, name="gradsim-session-sender", daemon=True)
        self._sender.start()
        self.receiver = _Receiver(self._connection)
        self.receiver.message.connect(self._heard)
        self.receiver.start()
        self._playing = False
        self._last_heard = time.monotonic()
        self._dead = self._overflowed = False
        self._cpu = 0  # the session's processor time at the last check (clock ticks)
        self.watchdog = QTimer(self)
        self.watchdog.setInterval(500)
        self.watchdog.timeout.connect(self._check)
        self.watchdog.start()

    def send(self, command) -> None:
        """Queue `command` and return at once (the sender thread writes it down the pipe)."""
        if isinstance(command, (p.Play, p.Configure)):  # a new experiment starts paused
            self._playing = isinstance(command, p.Play) and command.playing
            self._last_heard = time.monotonic()
        with self._wake:
            self._queue.append(command)
            if isinstance(command, p.Configure) or len(self._queue) > COALESCE_AT:
                self._queue = collections.deque(p.newest_wins(list(self._queue)))
            self._overflowed = len(self._queue) > MAX_QUEUED  # the watchdog ends such a session
            self._wake.notify()

    def _send_loop(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._closing:
                    self._wake.wait()
                if not self._queue:
                    return
                command = self._queue.popleft()
            try:
                self._connection.send(command)
            except (BrokenPipeError, OSError, ValueError):  # the session has gone (the watchdog says so)
                return
            except Exception:  # noqa: BLE001  (a command that cannot be pickled is dropped, not the thread)
                continue
            if isinstance(command, p.Shutdown):
                return

    def _heard(self, message) -> None:
        self._last_heard = time.monotonic()
        if isinstance(message, (p.Stopped, p.Paused, p.Failed)):  # it is not playing: silence is fine
            self._playing = False
        self.reply.emit(message)

    def _check(self) -> None:
        if self._dead or self._closing:
            return
        if not self.process.is_alive():
            self._dead = True
            self.died.emit(f"the simulation stopped unexpectedly (its process ended, exit code {self.process.exitcode})")
        elif self._overflowed:
            self._give_up(f"the simulation stopped reading commands ({MAX_QUEUED:,} waiting)")
        elif self._playing:
            silent, computing = time.monotonic() - self._last_heard, self._computing()
            if silent > BUSY_SECONDS:
                self._give_up(f"the simulation computed for {BUSY_SECONDS:g} s without a word")
            elif silent > SILENCE_SECONDS and not computing:
                self._give_up(f"the simulation stopped answering for {SILENCE_SECONDS:g} s")

    def _computing(self) -> bool:
        """Whether the session used the processor since the last check (a long step, say a network's
        Hessian for Newton's method, is not a wedge). Where that cannot be read, assume not."""
        try:
            with open(f"/proc/{self.process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            used = int(fields[11]) + int(fields[12])  # user and system time, in clock ticks
        except (OSError, IndexError, ValueError):
            return False
        computing, self._cpu = used > self._cpu, used
        return computing

    def _give_up(self, reason: str) -> None:
        """A session that is alive but wedged: end it (SIGKILL: a stopped process ignores SIGTERM) and say so."""
        self._dead = True
        self.process.kill()
        self.died.emit(reason)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the session, the sender and the receiver; waits for all three."""
        self.watchdog.stop()
        with self._wake:
            self._queue.clear()
            self._queue.append(p.Shutdown())
            self._closing = True
            self._wake.notify()
        self._sender.join(timeout)
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()  # SIGKILL: a stopped (SIGSTOP) process would hold on to SIGTERM
            self.process.join(1.0)
        self._connection.close()
        self.receiver.wait(int(timeout * 1000))


class LocalSession(SessionClient):
    """The session in this process, driven by timers: for tests (no child process to start)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = Session()
        self._pending: list = []
        self.ticker = QTimer(self)
        self.ticker.setInterval(int(TICK_SECONDS * 1000))
        self.ticker.timeout.connect(self._tick)

    def send(self, command) -> None:
        self._pending.append(command)
        QTimer.singleShot(0, self._work)

    def _work(self) -> None:
        while self._pending:
            for reply in self.session.handle(self._pending.pop(0)):
                self.reply.emit(reply)
        if self.session.busy and not self.ticker.isActive():
            self.ticker.start()

    def _tick(self) -> None:
        if not self.session.busy:
            self.ticker.stop()
            return
        for reply in self.session.tick():
            self.reply.emit(reply)

    def shutdown(self, timeout: float = 0.0) -> None:
        self.ticker.stop()
        self._pending.clear()
        # A `_work` still queued must find nothing to do, or it would start the ticker again for a
        # closed window (ensemble jobs keep a session busy while not playing).
        self.session.playing = False
        self.session.jobs.clear()
