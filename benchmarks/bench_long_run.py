"""A long run through the app: ten million steps of one run, and what it costs in memory.

    python benchmarks/bench_long_run.py [--steps 10000000]

Plays gradient descent on the quadratic bowl flat out in the app (offscreen, the session in its
child process) and prints, as it goes and at the end: the steps reached, the steps per second, the
rows and bytes the window's history holds (bounded: at most 20,000 rows per run), and the peak
resident memory of the window's process and of the session's (goal: the window under 300 MB).
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):  # peak resident set size
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10_000_000)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from gradsim.experiment import Experiment, RunConfig
    from gradsim.gui import MainWindow
    from timing import run_until

    app = QApplication.instance() or QApplication(sys.argv)
    experiment = Experiment(surface="quadratic", runs=[RunConfig("sgd", {"lr": 0.05})],
                            max_steps=args.steps).validate()
    window = MainWindow(experiment)
    window.show()

    run_until(lambda: window.ready, 30)
    window.transport.set_speed(0)
    window.transport.playButton.setChecked(True)
    started, child = time.perf_counter(), window.controller.client.process.pid
    print(f"{'steps':>12} {'steps/s':>10} {'history rows':>13} {'history MB':>11} {'window MB':>10} {'session MB':>11}")
    next_report = 0.0
    while window.newest_step() < args.steps and time.perf_counter() - started < 3600:
        run_until(lambda: window.newest_step() >= args.steps, 10)
        elapsed = time.perf_counter() - started
        if elapsed >= next_report or window.newest_step() >= args.steps:
            history = window.histories[0]
            print(f"{window.newest_step():>12,} {window.newest_step() / elapsed:>10,.0f} {history.count:>13,} "
                  f"{history.nbytes() / 1e6:>11.1f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:>10.0f} "
                  f"{rss_mb(child):>11.0f}", flush=True)
            next_report = elapsed + 30
    window.transport.playButton.setChecked(False)
    window.close()


if __name__ == "__main__":
    main()
