"""The app under load: event-loop latency, redraws per second, session speed, start-up and memory.

    python benchmarks/bench_gui.py      # offscreen by default; set QT_QPA_PLATFORM to use a screen

Plays the default experiment (Rosenbrock, three runs) at full speed and measures, in the GUI
process: how late a 5 ms timer fires (event-loop latency; goal: 95th percentile under 16 ms,
worst under 50 ms), how many times a second the panels are redrawn (goal: at least 30), how
many steps a second each run takes, the time from start to a shown window (goal: under 1.5 s),
and the memory the histories hold after a long run (bounded whatever the number of steps).

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" python benchmarks/bench_gui.py --3d

does the same with the 3-D view in place of the contours and every arrow on (on Adam's run), and
also counts the 3-D view's frames (goal: p95 under 16 ms and at least 20 frames a second with
three runs, in software rendering); it needs OpenGL, so a real or virtual X display.
"""
from __future__ import annotations

import os
import resource
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
T0 = time.perf_counter()


def main() -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from gradsim.gui import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow()
    window.show()
    app.processEvents()
    first_window = time.perf_counter() - T0

    def run_for(seconds: float, condition=lambda: False):
        loop = QEventLoop()
        check = QTimer()
        check.timeout.connect(lambda: loop.quit() if condition() else None)
        check.start(10)
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    run_for(30, lambda: window.ready)
    ready = time.perf_counter() - T0
    three_d = "--3d" in sys.argv and show_3d(window, run_for)
    frames0 = three_d.frames if three_d else 0

    lateness, last = [], [time.perf_counter()]

    def probe():
        now = time.perf_counter()
        lateness.append(now - last[0] - 0.005)
        last[0] = now
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(probe)

    window.transport.set_speed(0)  # as fast as the machine goes
    window.transport.playButton.setChecked(True)
    run_for(1.0)  # warm up
    redraws0, steps0, t0 = window.plot_area.redraws, window.newest_step(), time.perf_counter()
    last[0] = time.perf_counter()
    timer.start()
    run_for(10.0)
    timer.stop()
    elapsed = time.perf_counter() - t0
    redraw_rate = (window.plot_area.redraws - redraws0) / elapsed
    frame_rate = (three_d.frames - frames0) / elapsed if three_d else 0.0
    step_rate = (window.newest_step() - steps0) / elapsed
    lateness_ms = sorted(1000 * x for x in lateness)
    p95 = lateness_ms[int(0.95 * (len(lateness_ms) - 1))]
    worst = lateness_ms[-1]

    run_for(60.0, lambda: window.newest_step() >= 300_000)
    window.transport.playButton.setChecked(False)
    history_mb = sum(h.nbytes() for h in window.histories) / 1e6
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    steps_done = window.newest_step()
    window.close()

    print(f"platform: {app.platformName()}, window {window.width()}x{window.height()}")
    print(f"time to first window:        {first_window:.2f} s (goal < 1.5 s); runs ready after {ready:.2f} s")
    print(f"event-loop latency:          p95 {p95:.1f} ms, worst {worst:.1f} ms (goal: p95 < 16 ms, worst < 50 ms)")
    print(f"redraws per second:          {redraw_rate:.1f} (goal >= 30)")
    if three_d:
        print(f"3-D view frames per second:  {frame_rate:.1f} (goal >= 20), with every arrow on; "
              f"load average {os.getloadavg()[0]:.2f}")
    print(f"steps per second, each run:  {step_rate:,.0f} (three runs in lockstep, in the session process)")
    print(f"after {steps_done:,} steps per run: histories hold {history_mb:.1f} MB "
          f"(bounded: at most 20,000 rows per run); GUI process peak RSS {rss_mb:.0f} MB")


def show_3d(window, run_for):
    """The 3-D view and every arrow on, on Adam's run; the view (it counts its frames)."""
    bar = window.surface_views.bar
    if bar.gl_problem:
        sys.exit(f"--3d: {bar.gl_problem}")
    window.model.select(2)
    bar.set_shown(gradient=True, velocity=True, parts=True, lookahead=True, box=True)
    bar.view3DButton.setChecked(True)
    run_for(1.0)
    return window.surface_views.view3d


if __name__ == "__main__":
    main()
