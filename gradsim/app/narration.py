"""One step told in four beats: the gradient at θ, the state update, the effective rate, the move (Qt-free).

Each beat names the arrows it is about (keys of the surface bar's drawing: "gradient", "velocity",
"box", "move", "part:<name>", "look-ahead") and the lines of the equation panel
(`gradsim.core.equations.explain`, by the quantity each gives) that compute it; its text quotes
the engine's numbers for the step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.optimizers import get_optimizer
from .step_geometry import StepGeometry

# The equation lines that give the effective rate, where the rule writes it out on a line of its own
RATE_LINES = {"adagrad": {"η_t"}, "adam": {"v′"}, "adamw": {"v′"}, "adadelta": {"u"}, "rprop": {"Δ"}}
TITLES = ("The gradient at θ", "The state update", "The effective rate", "The move")


@dataclass(frozen=True)
class Beat:
    title: str
    text: str
    arrows: frozenset[str]
    lines: frozenset[str]  # equation lines, by the name of the quantity each gives ("g", "m", "Δθ", …)


def _v(vector) -> str:
    return "(" + ", ".join(f"{x:.4g}".replace("-", "−") for x in np.atleast_1d(vector)) + ")"


def beats(optimizer: str, row: dict, geometry: StepGeometry, line_names: list[str]) -> list[Beat]:
    """The four beats of the step in `row` (its geometry, and the names of its equation lines in order)."""
    spec = get_optimizer(optimizer)
    state_names = [name for name in line_names if name not in ("g", "Δθ", "θ")]
    rate_names = RATE_LINES.get(optimizer, set()) & set(line_names)
    state_lines = set(state_names) - rate_names
    lr = float(row["lr"])

    gradient = f"At θ = {_v(row['params'])} the gradient is g = {_v(row['grad'])}."
    gradient += f" The magenta arrow −ηg = {_v(geometry.gradient)} is the step plain gradient descent would take (η = {lr:.4g})."
    if geometry.clipped is not None:
        gradient += f" Clipping shortens it to the pale magenta arrow {_v(geometry.clipped)}."
    gradient_arrows = {"gradient", "clipped"}

    if row["state"]:
        shown = [name for name in row["state"] if np.any(np.asarray(row["state"][name]) != 0)] or list(row["state"])
        state = "The optimizer's state after this update: " + "; ".join(
            f"{name} = {_v(row['state'][name])} ({spec.state_docs.get(name, name)})" for name in shown) + "."
    else:
        state = f"{spec.title} keeps no state: this step uses g alone."
    state_arrows = {"velocity"} | {f"part:{p.name}" for p in geometry.parts or () if p.name == "momentum"}
    if geometry.velocity is not None:
        state += f" The purple arrow {geometry.velocity_formula} = {_v(geometry.velocity)} is the momentum as a step."

    rates = np.asarray(row["lr_eff"], dtype=float)
    rate = f"The effective rate, {spec.lr_eff_doc}, is {_v(rates)} for x and y"
    rate += "." if geometry.rates is None else ": the sides of the blue box."
    rate_lines = rate_names or {"Δθ"}  # else the rate is written inside the update's line

    move = f"The move Δθ = {_v(row['update'])} takes θ to {_v(np.asarray(row['params']) + row['update'])}."
    if geometry.parts and len(geometry.parts) > 1:
        move += " It is the sum of " + ", ".join(f"{p.name} {_v(p.vector)}" for p in geometry.parts) + "."
    if geometry.lookahead is not None:
        move += " That point is Nesterov's look-ahead: the next gradient is taken there (the circle)."
    move_arrows = {"move", "look-ahead"} | {f"part:{p.name}" for p in geometry.parts or ()}

    # where g enters: its own line (clipped, weight decay) or the first line that uses it
    gradient_lines = {"g"} if "g" in line_names else set(line_names[:1])
    return [Beat(TITLES[0], gradient, frozenset(gradient_arrows), frozenset(gradient_lines)),
            Beat(TITLES[1], state, frozenset(state_arrows), frozenset(state_lines)),
            Beat(TITLES[2], rate, frozenset({"box"}), frozenset(rate_lines)),
            Beat(TITLES[3], move, frozenset(move_arrows), frozenset({"Δθ", "θ"}))]
