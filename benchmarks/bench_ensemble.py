"""Ensemble speed against PyTorch batched float64 on the same work, side by side in one run.

    python benchmarks/bench_ensemble.py          # the comparison needs torch: pip install torch==2.13.0
    python benchmarks/bench_ensemble.py --optimizers adam --keeps trace --no-basins   # one line, quickly

10,000 starts on Rosenbrock, 300 steps, float64, in three ways:
1. full trace: gradsim keeps everything `simulate` records (point, loss, gradient, rate, effective
   rate, update and optimizer state of every run at every step, NaN after divergence); torch steps
   one (10000, 2) tensor (zero_grad / forward / backward / step) and keeps point, loss and gradient
   each step, stacked at the end. Goal: at least 1.5 times torch.
2. final state only: gradsim keeps the last point, its loss, the divergence step and the steps
   to tolerance of every run; torch keeps nothing but its tensor. Goal: at least 3 times torch.
3. a 256 × 256 basin map of Adam (lr 0.05) on Rosenbrock, 500 steps, `gradsim.basins`: goal under 2 s.
Figures are run-steps per second (runs × steps / seconds), the best of several repeats with the
garbage collector paused; gradsim and torch take turns, repeat by repeat, so that a machine
shared with other work slows both alike. Beside the wall-clock ratio, the ratio of CPU seconds
(process time): on a machine busy with other work it says what a quiet one would show. The basin
map's line gives both times too.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from bench_engine import torch_seconds
from timing import best_of

import gradsim
from gradsim.core import get_surface, run_ensemble

try:
    import torch
except ImportError:
    torch = None

HPARAMS = {"adam": {"lr": 0.01}, "sgd": {"lr": 1e-3}, "momentum": {"lr": 1e-3}, "rmsprop": {"lr": 1e-3},
           "adagrad": {"lr": 0.1}, "nadam": {"lr": 0.01}, "rprop": {"lr": 0.01}}


def gradsim_seconds(optimizer, starts, steps, keep):
    surface = get_surface("rosenbrock")
    tol = None if keep == "trace" else 1e-6

    def once():
        t0 = time.perf_counter()
        run_ensemble(surface, optimizer, HPARAMS[optimizer], starts, steps, keep=keep, tol=tol, target=0.0)
        return time.perf_counter() - t0
    return once


def with_cpu(once):
    """once() -> wall seconds, made to return (wall seconds, CPU seconds of this process)."""
    def timed():
        cpu = time.process_time()
        wall = once()
        return wall, time.process_time() - cpu
    return timed


def best_of_turns(repeats: int, timers) -> list[tuple[float, float]]:
    """The best (wall, CPU) seconds of each timer, the timers taking turns within every repeat."""
    times = [[] for _ in timers]
    for _ in range(repeats):
        for timer, kept in zip(timers, times):
            kept.append(best_of(1, with_cpu(timer)))
    return [(min(w for w, _ in kept), min(c for _, c in kept)) for kept in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--optimizers", default=",".join(HPARAMS), help="comma-separated")
    parser.add_argument("--torch-threads", type=int, default=0, help="torch's intra-op threads (0: its default)")
    parser.add_argument("--keeps", default="trace,final", help="comma-separated: trace (full trace), final (final state only)")
    parser.add_argument("--no-basins", action="store_true", help="skip the basin map")
    args = parser.parse_args()
    if torch and args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    print(f"load average: {', '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}, NumPy {np.__version__}"
          + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else ", torch not installed"))
    starts = np.random.default_rng(0).uniform([-2, -1], [2, 3], size=(args.runs, 2))
    work = args.runs * args.steps
    for keep, record, goal in (("trace", True, 1.5), ("final", False, 3.0)):
        if keep not in args.keeps.split(","):
            continue
        title = "full trace" if keep == "trace" else "final state only"
        print(f"\n{args.runs:,} starts on Rosenbrock, {args.steps} steps, {title} (run-steps per second):")
        print(f"  {'optimizer':<10} {'gradsim':>12} {'torch':>12} {'ratio':>7} {'CPU ratio':>10}")
        for name in args.optimizers.split(","):
            timers = [gradsim_seconds(name, starts, args.steps, keep)]
            if torch:
                timers.append(torch_seconds(name, HPARAMS[name], starts.tolist(), args.steps, record))
            seconds = best_of_turns(args.repeats, timers)
            ours = work / seconds[0][0]
            line = f"  {name:<10} {ours:>12,.0f}"
            if torch:
                theirs = work / seconds[1][0]
                line += f" {theirs:>12,.0f} {ours / theirs:>6.1f}x {seconds[1][1] / seconds[0][1]:>9.1f}x"
                if name == "adam":
                    line += f"   (goal: {goal}x)"
            print(line)

    if args.no_basins:
        return

    def basin_map():
        t0 = time.perf_counter()
        gradsim.basins(surface="rosenbrock", optimizer="adam", hparams={"lr": 0.05}, resolution=(256, 256), steps=500)
        return time.perf_counter() - t0
    seconds, cpu = best_of_turns(max(1, args.repeats // 2), [basin_map])[0]
    print(f"\n256 x 256 basin map, Adam on Rosenbrock, 500 steps: {seconds:.2f} s, {cpu:.2f} CPU s "
          f"({256 * 256 * 500 / seconds:,.0f} run-steps per second; goal: under 2 s)")


if __name__ == "__main__":
    main()
