"""The app under load: start-up, event-loop latency, redraws per second, session speed and memory.

    python benchmarks/bench_gui.py                               # this checkout, three runs and eight
    python benchmarks/bench_gui.py --compare ../old-release      # and another checkout, in turns

Each measurement is a fresh process (offscreen by default; set QT_QPA_PLATFORM to use a screen)
that plays the default experiment (Rosenbrock; with --runs 8, five more runs added with "Add run")
at full speed and measures, in the GUI process: the time from the interpreter's start to a shown
window (goal: under 1.5 s), how late a 5 ms timer fires (event-loop latency; goal: 95th percentile
under 16 ms, worst under 50 ms), how many times a second all the panels are redrawn (goal: 30 with
three runs, 20 with eight), and how many steps a second each run takes in the session. With
--compare, the two checkouts take turns round by round, so that both see the same machine; the
table gives every round and the median. Only the GUI's public object names are used, so any
release of the app can be measured.

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" python benchmarks/bench_gui.py --3d --runs 3

does the same with the 3-D view in place of the contours and every arrow on (on Adam's run), and
also counts the 3-D view's frames (goal: p95 under 16 ms and at least 20 frames a second with
three runs, in software rendering); it needs OpenGL, so a real or virtual X display.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

T0 = time.perf_counter()
HERE = pathlib.Path(__file__).resolve()
CHECKOUT = HERE.parent.parent


def measure(runs: int, seconds: float, long_run: int, three_d: bool = False) -> dict:
    """One measurement in this process (a child of `main`)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _own_resources()
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QPushButton, QSlider

    from gradsim.gui import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow()
    window.resize(1500, 920)
    window.show()
    app.processEvents()
    first_window = time.perf_counter() - T0

    def run_for(limit: float, condition=lambda: False) -> None:
        loop, check = QEventLoop(), QTimer()
        check.timeout.connect(lambda: loop.quit() if condition() else None)
        check.start(10)
        QTimer.singleShot(int(limit * 1000), loop.quit)
        loop.exec()

    run_for(30, lambda: window.ready)
    ready = time.perf_counter() - T0
    add = window.findChild(QPushButton, "addRunButton")
    for _ in range(runs - 3):
        add.click()
        run_for(30, lambda: window.ready)
    run_for(0.5)
    area = getattr(window, "plot_area", window)  # where the redraw counter lives (releases differ)
    view3d = show_3d(window, run_for) if three_d else None
    frames0 = view3d.frames if view3d else 0

    lateness, last = [], [time.perf_counter()]

    def probe() -> None:
        now = time.perf_counter()
        lateness.append(now - last[0] - 0.005)
        last[0] = now
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(probe)
    speed = window.findChild(QSlider, "speedSlider")
    speed.setValue(speed.maximum())  # as fast as the machine goes
    window.findChild(QPushButton, "playButton").setChecked(True)
    run_for(1.0)  # warm up
    redraws0, steps0, t0 = area.redraws, window.newest_step(), time.perf_counter()
    last[0] = time.perf_counter()
    timer.start()
    run_for(seconds)
    timer.stop()
    elapsed = time.perf_counter() - t0
    result = {"runs": len(window.experiment.runs), "first_window": first_window, "ready": ready,
              "redraws": (area.redraws - redraws0) / elapsed, "steps": (window.newest_step() - steps0) / elapsed}
    if view3d:
        result["frames_3d"] = (view3d.frames - frames0) / elapsed
    lateness_ms = sorted(1000 * x for x in lateness)
    result["p95"] = lateness_ms[int(0.95 * (len(lateness_ms) - 1))]
    result["worst"] = lateness_ms[-1]
    if long_run:
        run_for(120.0, lambda: window.newest_step() >= long_run)
        result["history_mb"] = sum(h.nbytes() for h in window.histories) / 1e6
        result["long_steps"] = window.newest_step()
    window.findChild(QPushButton, "playButton").setChecked(False)
    import resource
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    window.close()
    return result


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


def _own_resources() -> None:
    """Make `gradsim.resources` (the lessons) the measured checkout's own, whichever GradSim is installed."""
    import importlib.util
    import gradsim
    folder = pathlib.Path(gradsim.__file__).resolve().parent.parent / "resources"
    if (folder / "__init__.py").exists():
        spec = importlib.util.spec_from_file_location("gradsim.resources", folder / "__init__.py",
                                                      submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(spec)
        sys.modules["gradsim.resources"] = module
        spec.loader.exec_module(module)
        gradsim.resources = module


def child(checkout: pathlib.Path, runs: int, seconds: float, long_run: int, three_d: bool = False) -> dict:
    env = dict(os.environ, PYTHONPATH=str(checkout), QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    done = subprocess.run([sys.executable, str(HERE), "--child", "--runs", str(runs), "--seconds", str(seconds),
                           "--long", str(long_run)] + (["--3d"] if three_d else []), env=env, capture_output=True,
                          text=True, cwd=str(checkout))
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"measurement in {checkout} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", metavar="CHECKOUT", help="another checkout of GradSim to measure in turns")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each (default 2)")
    parser.add_argument("--seconds", type=float, default=10.0, help="playing time measured (default 10)")
    parser.add_argument("--runs", default="3,8", help="run counts to measure (default 3,8)")
    parser.add_argument("--long", type=int, default=0, help="then play to this step and report memory")
    parser.add_argument("--3d", dest="three_d", action="store_true", help="with the 3-D view and every arrow on")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(int(args.runs), args.seconds, args.long, args.three_d)))
        return
    checkouts = [("this checkout", CHECKOUT)]
    if args.compare:
        checkouts.append((f"{pathlib.Path(args.compare).name}", pathlib.Path(args.compare).resolve()))
    print(f"platform: {os.environ.get('QT_QPA_PLATFORM', 'offscreen')}, window 1500x920, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    results: dict = {}
    for round_ in range(args.rounds):
        for runs in (int(n) for n in args.runs.split(",")):
            for name, checkout in (checkouts if round_ % 2 == 0 else checkouts[::-1]):
                result = child(checkout, runs, args.seconds, args.long if runs == 3 else 0, args.three_d)
                results.setdefault((name, runs), []).append(result)
                print(f"  round {round_ + 1}, {name}, {runs} runs: {result['redraws']:.1f} redraws/s, "
                      f"p95 {result['p95']:.1f} ms, worst {result['worst']:.1f} ms, "
                      f"first window {result['first_window']:.2f} s, {result['steps']:,.0f} steps/s"
                      + (f", 3-D view {result['frames_3d']:.1f} frames/s" if "frames_3d" in result else ""), flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end\n")
    print(f"{'':28s}{'first window':>14s}{'p95':>9s}{'worst':>9s}{'redraws/s':>11s}{'steps/s':>10s}")
    for (name, runs), rows in results.items():
        median = {key: statistics.median(row[key] for row in rows) for key in ("first_window", "p95", "worst",
                                                                               "redraws", "steps")}
        print(f"{name + f', {runs} runs':28s}{median['first_window']:>12.2f} s{median['p95']:>6.1f} ms"
              f"{median['worst']:>6.1f} ms{median['redraws']:>11.1f}{median['steps']:>10,.0f}")
    print("goals: first window < 1.5 s, p95 < 16 ms, worst < 50 ms, redraws >= 30 (3 runs), >= 20 (8 runs)")
    for (name, runs), rows in results.items():
        if "history_mb" in rows[0]:
            row = rows[0]
            print(f"{name}: after {row['long_steps']:,} steps per run the histories hold {row['history_mb']:.1f} MB; "
                  f"GUI process peak RSS {row['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
