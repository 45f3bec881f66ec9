"""Network training speed against the same PyTorch loop (float64, CPU).

    python benchmarks/bench_network.py       # the comparison needs torch: pip install torch==2.13.0

Full-batch training of a 2-16-16-1 tanh network with binary cross-entropy on 1,000 points of
two moons, SGD. gradsim's figure includes everything `simulate` records per step (parameters,
gradient, state, full-data loss, accuracy and per-layer diagnostics); the torch loop does
zero_grad / forward / backward / step and keeps the loss. Goal: at least 1.5 times torch.
Also: how many times a second the model's output over a 200×200 grid can be recomputed.
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from timing import best_of

from gradsim.core import Stepper
from gradsim.core.simulate import make_network

try:
    import torch
except ImportError:
    torch = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    problem, theta0, _ = make_network("moons", {"n": 1000}, {"hidden": [16, 16], "activation": "tanh", "loss": "bce"},
                                      seed=0)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}"
          + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else ""))

    def ours(record=True):
        def once():
            stepper = Stepper(problem, "sgd", {"lr": 0.1}, theta0)
            t0 = time.perf_counter()
            if record:
                stepper.run(args.steps)
            else:
                for _ in range(args.steps):
                    stepper.step()
            return time.perf_counter() - t0
        return once

    xs, ys = np.linspace(-2, 3, 200), np.linspace(-1.5, 2, 200)

    def grid():
        t0 = time.perf_counter()
        problem.output_grid(theta0, xs, ys)
        return time.perf_counter() - t0

    print(f"\ndecision boundary, 200×200 grid through the 2-16-16-1 network: {1 / best_of(20, grid):,.0f} redraws per second")
    recorded = args.steps / best_of(args.repeats, ours(True))
    bare = args.steps / best_of(args.repeats, ours(False))
    print(f"\n2-16-16-1 tanh, 1,000 points, full batch, SGD, {args.steps} steps (steps per second):")
    print(f"  gradsim, recording every diagnostic  {recorded:>9,.0f}")
    print(f"  gradsim, stepping only               {bare:>9,.0f}")
    if torch is None:
        return
    X = torch.tensor(problem.data.X)
    y = torch.tensor(problem.data.y, dtype=torch.float64)[:, None]
    layers = problem.mlp.layers(theta0)

    def theirs():
        weights = [torch.tensor(a.copy(), requires_grad=True) for W, b in layers for a in (W, b)]
        opt = torch.optim.SGD(weights, lr=0.1)
        criterion = torch.nn.BCEWithLogitsLoss()
        losses = []
        t0 = time.perf_counter()
        for _ in range(args.steps):
            opt.zero_grad()
            h = torch.tanh(X @ weights[0] + weights[1])
            h = torch.tanh(h @ weights[2] + weights[3])
            loss = criterion(h @ weights[4] + weights[5], y)
            loss.backward()
            losses.append(loss.item())
            opt.step()
        return time.perf_counter() - t0

    torch_rate = args.steps / best_of(args.repeats, theirs)
    print(f"  torch.optim loop                     {torch_rate:>9,.0f}")
    print(f"  ratio: {recorded / torch_rate:.1f}x recording, {bare / torch_rate:.1f}x stepping only (goal: 1.5x)")


if __name__ == "__main__":
    main()
