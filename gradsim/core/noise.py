"""Gradient noise seeded per run, so that a run inside an ensemble draws what it draws alone.

A single run with `seed=s` draws its noise from `numpy.random.default_rng(s)`: at update k the
k-th draw of `standard_normal(D)`. In an ensemble, run i draws from its own stream, seeded
`seed + i` (the rule the app uses for its runs too), so run i of an ensemble equals
`simulate(..., seed=seed + i)` bit for bit. With `seed=None` every run gets fresh entropy.
"""
from __future__ import annotations

import numpy as np

from . import checks


def check_seed(seed) -> int | None:
    return checks.seed(seed)


def run_seeds(seed: int | None, n: int) -> list[int | None]:
    """The seed of each of n runs: seed + i (None: unseeded)."""
    return [None] * n if seed is None else [seed + i for i in range(n)]


def generators(seeds) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in seeds]


class NoiseBlocks:
    """Per-run streams read a block of steps at a time: one call per run per block, not per step.

    A block of b draws of standard_normal(D) equals b single draws in turn, so the noise of
    update k is the same whatever the block length.
    """

    def __init__(self, seeds, dim: int, block: int = 64):
        self._generators = generators(seeds)
        self._values = np.empty((len(self._generators), block, dim))
        self._first = None  # update whose noise is in self._values[:, 0]

    def at(self, k: int) -> np.ndarray:
        """The (N, D) noise of update k; k must not decrease between calls."""
        block = self._values.shape[1]
        if self._first is None or k >= self._first + block:
            for generator, values in zip(self._generators, self._values):
                generator.standard_normal(values.shape, out=values)
            self._first = k if self._first is None else self._first + block
            if k >= self._first + block:
                raise ValueError("noise must be read one update after another")
        return self._values[:, k - self._first]
