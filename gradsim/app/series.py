"""What each time panel plots of a run: its curves (parts) and their values, read from the run's history.

A panel shows one quantity against the step; a run may give it several curves, told apart by line
style and named in the panel's key: x and y for a surface's rates, one per layer for a network, the
held-out data beside the training data, the clipped gradient norm beside the raw one. The values
are the engine's, as recorded; the clipped norm applies the engine's own clipping to the recorded
raw gradient. Pure NumPy, no Qt.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.stepper import CLIP_NORM_EPS, clip_gradient
from .history import RunHistory

LINE_STYLES = ("solid", "dash", "dot", "dashdot", "dashdotdot", "longdash", "sparsedot")
PANELS = ("loss", "rate", "grad", "accuracy")


@dataclass(frozen=True)
class Part:
    name: str    # in the key and the read-out ("" when a panel has one curve per run)
    style: str   # one of LINE_STYLES


def parts(panel: str, experiment, info) -> list[Part]:
    """The curves each run draws on `panel` (one of PANELS) for this experiment and problem."""
    network = experiment.is_network
    tested = bool(info is not None and getattr(info, "has_test", False))
    layers = [f"layer {i + 1}" for i in range(len(experiment.model.get("hidden", [])) + 1)]
    if panel in ("loss", "accuracy"):
        return [Part("training", "solid"), Part("test", "dash")] if network and tested else [Part("", "solid")]
    if panel == "rate":
        names = layers if network else ["x", "y"]
        return [Part(name, LINE_STYLES[i % len(LINE_STYLES)]) for i, name in enumerate(names)]
    if panel == "grad":
        if network:
            out = [Part(name, LINE_STYLES[i % len(LINE_STYLES)]) for i, name in enumerate(layers)]
            if experiment.clip:  # the threshold applies to the norm over all layers
                out.append(Part("all layers", "longdash"))
                if "norm" in experiment.clip:  # (clipped by value, the new norm is not recorded)
                    out.append(Part("all layers, clipped", "sparsedot"))
            return out
        return [Part("raw", "solid"), Part("clipped", "dash")] if experiment.clip else [Part("", "solid")]
    raise ValueError(f"unknown panel {panel!r}; panels are {', '.join(PANELS)}")


def values(panel: str, history: RunHistory, end: int, experiment) -> list[np.ndarray]:
    """The values of each of `parts(panel, ...)` for the history's first `end` rows."""
    get = lambda key: history.get(key)[:end]  # noqa: E731
    network = experiment.is_network
    tested = network and "extra.test_loss" in history.columns
    if panel == "loss":
        if not network:
            return [get("loss")]
        return [get("extra.train_loss")] + ([get("extra.test_loss")] if tested else [])
    if panel == "accuracy":
        return [get("extra.train_accuracy")] + ([get("extra.test_accuracy")] if tested else [])
    if panel == "rate":
        return list((get("extra.lr_eff_layers")[:, :, 1] if network else get("lr_eff")).T)
    if panel == "grad":
        if network:
            layers = get("extra.grad_norm_layers")
            out = list(layers.T)
            if experiment.clip:
                total = np.sqrt(np.sum(layers * layers, axis=1))
                out.append(total)
                if "norm" in experiment.clip:
                    out.append(total * np.minimum(experiment.clip["norm"] / (total + CLIP_NORM_EPS), 1.0))
            return out
        grad = get("grad")
        raw = np.sqrt(np.einsum("ij,ij->i", grad, grad))
        if not experiment.clip:
            return [raw]
        clipped = clip_gradient(grad, experiment.clip)
        return [raw, np.sqrt(np.einsum("ij,ij->i", clipped, clipped))]
    raise ValueError(f"unknown panel {panel!r}; panels are {', '.join(PANELS)}")


def threshold(panel: str, experiment) -> float | None:
    """The clipping threshold drawn on the gradient-norm panel (clipping by global norm)."""
    if panel == "grad" and experiment.clip and "norm" in experiment.clip:
        return float(experiment.clip["norm"])
    return None
