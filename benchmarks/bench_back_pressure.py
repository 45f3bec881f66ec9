"""Back-pressure in the app: a problem slower than the speed asked for, and commands the session is too busy to read.

    python benchmarks/bench_back_pressure.py [--n 10000] [--seconds 10]

Plays moons (n points, full batch) at 1,000 steps a second in the app (offscreen, the session in its
child process), then prints: the steps reached and the speed the window shows (what the machine does,
below the 1,000 asked for), the worst pause of the window's event loop, how long a Reset then takes
to show the runs again, and how long 500 resets take to send while the session is stopped (SIGSTOP)
and how many commands are left waiting (the newest reset makes the others moot).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gradsim.experiment import Experiment, RunConfig
    from gradsim.gui import MainWindow
    from timing import run_until

    app = QApplication.instance() or QApplication(sys.argv)
    experiment = Experiment(dataset="moons", dataset_params={"n": args.n}, runs=[RunConfig("sgd", {"lr": 0.1})],
                            max_steps=1_000_000).validate()
    window = MainWindow(experiment)
    window.show()
    gaps, last = [0.0], [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
    heartbeat = QTimer()
    heartbeat.timeout.connect(beat)

    run_until(lambda: window.ready, 60)
    window.model.set_speed(1000.0)
    last[0] = time.perf_counter()
    heartbeat.start(20)
    started = time.perf_counter()
    window.model.play(True)
    run_until(lambda: False, args.seconds)
    elapsed = time.perf_counter() - started
    print(f"moons n = {args.n:,} at 1,000 steps/s asked: {window.newest_step():,} steps in {elapsed:.1f} s "
          f"({window.newest_step() / elapsed:,.0f} steps/s); the window shows {window.model.steps_per_second:,.0f} steps/s")
    print(f"worst event-loop pause while playing: {max(gaps) * 1000:.0f} ms")
    reset = time.perf_counter()
    window.model.reset()
    run_until(lambda: window.ready, 60)
    print(f"Reset while playing: the runs are shown again after {time.perf_counter() - reset:.2f} s")
    client = window.controller.client
    os.kill(client.process.pid, signal.SIGSTOP)
    try:
        sending = time.perf_counter()
        for _ in range(500):
            window.model.reset()
        sent = time.perf_counter() - sending
        waiting = len(client._queue)
    finally:
        os.kill(client.process.pid, signal.SIGCONT)
    print(f"500 resets while the session is stopped: {sent * 1000 / 500:.0f} ms each on the GUI thread (checking and "
          f"showing the experiment; none waits for the session), {waiting} command(s) left waiting")
    caught_up = time.perf_counter()
    run_until(lambda: window.ready, 60)
    print(f"after it goes on, the runs are shown again in {time.perf_counter() - caught_up:.2f} s")
    heartbeat.stop()
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
