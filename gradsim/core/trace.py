"""`Trace`: the recorded history of a run, or of N runs at once."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Trace:
    """The history of a run (or of N runs at once).

    Arrays have a leading step axis: `params` (steps+1, 2) for one run or
    (steps+1, N, 2) for N. Row k holds the point after k updates, its loss,
    the raw gradient there (noise included, before clipping), the scheduled
    rate `lr`, and the update taken from it: `lr_eff`, `update` and the
    optimizer `state` it produced, by name. A single run that diverges keeps
    only its finite rows; in an ensemble a diverged run's rows are NaN from
    its divergence on.

    A network's trace adds, by name in `extra` (and as attributes): `epoch`,
    `batch_loss` (the mini-batch loss the update used; `loss` is on all
    training data), `train_accuracy`, `test_loss` and `test_accuracy` (with a
    test split), and per layer: `grad_norm_layers` (steps+1, L), the L2 norm
    of the layer's W and b gradient; `weight_norm_layers`; `lr_eff_layers`
    (steps+1, L, 3), the min, median and max effective rate; and
    `update_ratio_layers`, ‖Δθ‖/‖θ‖ of the layer (NaN while ‖θ‖ = 0). Also
    `data` (X, y), `params_init` and `params_final` as lists of (W, b).
    """

    config: dict
    step: np.ndarray
    params: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    lr: np.ndarray
    lr_eff: np.ndarray
    update: np.ndarray
    state: dict[str, np.ndarray] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    status: Any = "ok"  # "ok"/"diverged", or an array of them for N runs
    diverged_at: Any = None  # step that diverged (None if ok), or an array with -1 for N runs

    def __len__(self) -> int:
        return len(self.step)

    def __getattr__(self, name: str):
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        raise AttributeError(f"Trace has no field '{name}'")
