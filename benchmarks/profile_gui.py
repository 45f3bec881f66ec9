"""Where the window's time goes while the default experiment plays flat out (offscreen by default).

    python benchmarks/profile_gui.py [--seconds 5] [--top 15] [--after STEPS]

Prints how often the session's rows arrive and how often the panels are redrawn, then the GUI
thread's profile over those seconds (cProfile, by own time): painting, curve data, Qt's own work.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

from timing import run_until


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--after", type=int, default=100, help="start measuring after this many steps")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gradsim.gui import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow()
    window.resize(1500, 920)
    window.show()
    run_until(lambda: window.ready, 60)
    arrivals = [0]
    window.controller.rows_changed.connect(lambda *_: arrivals.__setitem__(0, arrivals[0] + 1))
    window.model.set_speed(0)
    window.model.play(True)
    run_until(lambda: window.newest_step() > args.after, 600)
    area = window.plot_area
    redraws, arrivals[0], start, cpu = area.redraws, 0, time.perf_counter(), time.thread_time()
    profile = cProfile.Profile()
    profile.enable()
    run_until(lambda: False, args.seconds)
    profile.disable()
    elapsed, busy = time.perf_counter() - start, time.thread_time() - cpu
    sizes = ", ".join(f"{p.widget.objectName()} {p.widget.width()}x{p.widget.height()}"
                      for p in area.panels if p.widget.isVisible())
    print(f"window {window.width()}x{window.height()} ({sizes})")
    print(f"rows arrive {arrivals[0] / elapsed:.1f} times a second; full redraws {(area.redraws - redraws) / elapsed:.1f} a second; "
          f"the GUI thread busy {busy / elapsed:.0%} of the time (with the profiler's own cost)")
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    window.model.play(False)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
