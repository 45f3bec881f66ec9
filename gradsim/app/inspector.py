"""What the step inspector says about the selected run at the step on screen (Qt-free HTML lines)."""
from __future__ import annotations

import numpy as np

from ..core import get_optimizer


def _vector(v) -> str:
    return "(" + ", ".join(f"{x:.5g}" for x in np.atleast_1d(v)) + ")"


HELD = "<span style='color:#777'>{what}: shown with the answer</span>"


def surface_lines(title: str, optimizer: str, row: dict, inspection, history, held: bool = False) -> list[str]:
    """The point, loss, gradient, rates, update and state of one step, and the Hessian there; while a
    lesson's question waits (`held`), the step's update, rates and state are left for the answer."""
    rule = get_optimizer(optimizer).rule.split("\n\n")[0].replace("\n", "<br>")
    lines = [f"<b>{title}</b> — step {int(row['step'])}",
             f"<i>update rule:</i> <span style='font-family: monospace'>{rule}</span>",
             f"θ = {_vector(row['params'])}   f = {float(row['loss']):.6g}",
             f"g = {_vector(row['grad'])}"]
    if held:
        lines.append(HELD.format(what="the update, the effective rates and the optimizer's state"))
    else:
        lines += [f"η(k) = {float(row['lr']):.4g}   effective rate = {_vector(row['lr_eff'])}",
                  f"Δθ = {_vector(row['update'])}"]
        lines += [f"{name} = {_vector(value)}" for name, value in row["state"].items()]
    lines.append(hessian_line(inspection, int(row["step"])))
    if history.status == "diverged":
        lines.append(f"<span style='color:#c00'>diverged at step {history.diverged_at}: {history.reason}</span>")
    return lines


def hessian_line(inspection, step: int) -> str:
    if inspection is None or inspection.step != step:
        return "<span style='color:#777'>Hessian: being computed…</span>"
    if inspection.error:
        return f"<span style='color:#777'>Hessian: {inspection.error}</span>"
    eigenvalues = inspection.eigenvalues
    smallest = abs(eigenvalues).min()
    condition = abs(eigenvalues).max() / smallest if smallest > 0 else float("inf")
    return (f"Hessian eigenvalues {_vector(eigenvalues)}, condition number {condition:.4g}: "
            f"{inspection.kind}-like curvature")


def network_lines(title: str, row: dict, held: bool = False) -> list[str]:
    """The iteration's loss and accuracy, and each layer's gradient, weights and rates (left for the
    answer while a lesson's question waits: lessons ask how the layers' gradients compare)."""
    extra = row.get("extra", {})
    lines = [f"<b>{title}</b> — iteration {int(row['step'])}, epoch {int(extra.get('epoch', 0))}",
             f"training loss (all data) {float(extra.get('train_loss', np.nan)):.6g}, "
             f"batch loss {float(row['loss']):.6g}",
             f"training accuracy {float(extra.get('train_accuracy', np.nan)):.3f}"]
    if "test_loss" in extra:
        lines.append(f"held-out loss {float(extra['test_loss']):.6g}, "
                     f"held-out accuracy {float(extra.get('test_accuracy', np.nan)):.3f}")
    lines.append(f"η(k) = {float(row['lr']):.4g}")
    if held:
        return lines + [HELD.format(what="each layer's gradient, weights and rates")]
    for i, (g, w, r, rates) in enumerate(zip(extra.get("grad_norm_layers", []), extra.get("weight_norm_layers", []),
                                             extra.get("update_ratio_layers", []), extra.get("lr_eff_layers", [])),
                                         start=1):
        lines.append(f"layer {i}: ‖g‖ {g:.3g}, ‖W,b‖ {w:.3g}, ‖Δ‖/‖θ‖ {r:.3g}, "
                     f"rate min/median/max {rates[0]:.3g} / {rates[1]:.3g} / {rates[2]:.3g}")
    return lines
