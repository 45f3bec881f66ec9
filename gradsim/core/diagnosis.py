"""Why a run diverged, in words a class can check, where the engine can tell."""
from __future__ import annotations

import numpy as np


def divergence_reason(stepper) -> str:
    """A one-line explanation of a diverged run (empty if there is nothing specific to say).

    Gradient descent on a quadratic is stable exactly when lr < 2/λmax, with λmax the largest
    curvature (the Hessian's largest eigenvalue): the classic learning-rate bound.
    """
    problem, optimizer = stepper.problem, stepper.optimizer
    hp = stepper.hparams
    if optimizer.name == "sgd" and getattr(problem, "name", "") in ("quadratic", "saddle"):
        curvature = np.linalg.eigvalsh(problem.hessian(np.zeros(2)))
        top = float(np.max(np.abs(curvature)))
        if float(np.min(curvature)) < 0:
            return "the surface curves downward along one axis: gradient descent runs away along it"
        if top > 0 and hp["lr"] > 2.0 / top:  # a flat surface (a = b = 0) has no such bound
            return f"lr {hp['lr']:g} is above 2/λmax = {2.0 / top:g}"
    norm = float(np.linalg.norm(np.asarray(stepper.params)))
    if norm > 0.5 * stepper.max_param_norm:
        return f"the parameters ran past the bound {stepper.max_param_norm:g}"
    return "the loss or its gradient stopped being finite"
