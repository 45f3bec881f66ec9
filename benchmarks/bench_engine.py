"""Engine speed against the equivalent torch.optim loop (float64, CPU).

    python benchmarks/bench_engine.py            # needs torch for the comparison: pip install torch==2.13.0

1. One 2-D trajectory: steps per second of gradsim's step loop (recording the
   point, loss, gradient, effective rate and state of every step) against a
   torch loop doing zero_grad / forward / backward / step and recording the
   point, loss and gradient. Goal: at least 20 times torch.
2. 10,000 starts at once: the same, batched; torch steps one (10000, 2)
   tensor whose loss is the sum of the runs' losses. Goal: at least 10 times.
Each figure is the best of several repeats, with the garbage collector paused (as timeit does).
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from timing import best_of

from gradsim.core import Stepper, get_surface

try:
    import torch
except ImportError:  # the comparison needs torch; gradsim's own figures do not
    torch = None

OPTIMIZERS = {"sgd": {"lr": 1e-3}, "momentum": {"lr": 1e-3}, "adam": {"lr": 0.01}, "rmsprop": {"lr": 1e-3},
              "adagrad": {"lr": 0.1}, "adadelta": {"lr": 1.0}, "adamax": {"lr": 0.01}, "nadam": {"lr": 0.01},
              "rprop": {"lr": 0.01}, "nesterov": {"lr": 1e-3}, "adamw": {"lr": 0.01}}


def gradsim_seconds(optimizer, hparams, start, steps):
    surface = get_surface("rosenbrock")

    def once():
        stepper = Stepper(surface, optimizer, hparams, start)
        t0 = time.perf_counter()
        stepper.run(steps)
        return time.perf_counter() - t0
    return once


def torch_optimizer(name, params, hp):
    hp = dict(hp)
    if name == "momentum":
        return torch.optim.SGD(params, momentum=0.9, **hp)
    if name == "nesterov":
        return torch.optim.SGD(params, momentum=0.9, nesterov=True, **hp)
    classes = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop,
               "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta, "adamax": torch.optim.Adamax,
               "nadam": torch.optim.NAdam, "rprop": torch.optim.Rprop, "adamw": torch.optim.AdamW}
    return classes[name](params, **hp)


def torch_seconds(optimizer, hparams, start, steps, record=True):
    """A torch.optim loop on Rosenbrock from `start` (one point or a batch), keeping point, loss and
    gradient of every step when `record`."""
    def once():
        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = torch_optimizer(optimizer, [p], hparams)
        params, losses, grads = [], [], []
        t0 = time.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            x, y = p[..., 0], p[..., 1]
            loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
            loss.sum().backward()
            if record:
                params.append(p.detach().clone())
                losses.append(loss.detach())
                grads.append(p.grad.clone())
            opt.step()
        if record:
            torch.stack(params), torch.stack(losses), torch.stack(grads)
        return time.perf_counter() - t0
    return once


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--batch-steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}, NumPy {np.__version__}"
          + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else ", torch not installed"))

    print(f"\nOne trajectory on Rosenbrock, {args.steps} steps (steps per second):")
    print(f"  {'optimizer':<10} {'gradsim':>10} {'torch':>10} {'ratio':>7}")
    ratios = []
    for name, hp in OPTIMIZERS.items():
        ours = args.steps / best_of(args.repeats, gradsim_seconds(name, hp, (-1.2, 1.0), args.steps))
        line = f"  {name:<10} {ours:>10,.0f}"
        if torch:
            theirs = args.steps / best_of(args.repeats, torch_seconds(name, hp, [-1.2, 1.0], args.steps))
            ratios.append(ours / theirs)
            line += f" {theirs:>10,.0f} {ours / theirs:>6.1f}x"
        print(line)
    if ratios:
        print(f"  smallest ratio {min(ratios):.1f}x (goal: 20x)")

    starts = np.random.default_rng(0).uniform([-2, -1], [2, 3], size=(10_000, 2))
    print(f"\n10,000 starts at once, {args.batch_steps} steps (run-steps per second):")
    print(f"  {'optimizer':<10} {'gradsim':>12} {'torch':>12} {'ratio':>7}")
    ratios = []
    for name in ("sgd", "adam", "rmsprop", "rprop"):
        hp = OPTIMIZERS[name]
        ours = 10_000 * args.batch_steps / best_of(args.repeats, gradsim_seconds(name, hp, starts, args.batch_steps))
        line = f"  {name:<10} {ours:>12,.0f}"
        if torch:
            theirs = 10_000 * args.batch_steps / best_of(
                args.repeats, torch_seconds(name, hp, starts.tolist(), args.batch_steps))
            ratios.append(ours / theirs)
            line += f" {theirs:>12,.0f} {ours / theirs:>6.1f}x"
        print(line)
    if ratios:
        print(f"  smallest ratio {min(ratios):.1f}x (goal: 10x)")


if __name__ == "__main__":
    main()
