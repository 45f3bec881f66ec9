"""Defaults that work: the learning rate a run gets on a problem, and the run "Add run" proposes (Qt-free).

A rate that suits Rosenbrock's valley throws gradient descent off Goldstein–Price at the second step,
so a run's rate comes from its problem: each surface declares rates for plain gradient descent, for
momentum and for the adaptive methods (`SurfaceSpec.rates`; a typed formula derives them from its
curvature), and a network uses NETWORK_RATES. Methods with their own scale (Adadelta, Newton) keep
their defaults. tests/test_defaults.py runs every surface's proposals for 1,000 steps.
"""
from __future__ import annotations

import dataclasses

from ..core import SURFACES, get_optimizer, get_surface

ADD_RUN_ORDER = ("adam", "momentum", "rmsprop", "nesterov", "adagrad", "adadelta", "nadam", "sgd")
# which of a problem's three rates (gradient descent, momentum, adaptive step) an optimizer takes, and a factor
RATE_OF = {"sgd": (0, 1.0), "quickprop": (0, 1.0), "momentum": (1, 1.0), "nesterov": (1, 1.0),
           "adam": (2, 1.0), "adamw": (2, 1.0), "adamax": (2, 1.0), "nadam": (2, 1.0), "rmsprop": (2, 1.0),
           "rprop": (2, 1.0), "adagrad": (2, 10.0),  # Adagrad's steps shrink as 1/√t: it starts larger
           "adadelta": (2, 20.0)}  # its steps grow from √ε: 1 (its default) for a step of 0.05
NETWORK_RATES = (0.1, 0.03, 0.01)


def problem_rates(experiment) -> tuple[float, float, float]:
    """(gradient descent, momentum, adaptive step) learning rates for the experiment's problem."""
    if experiment.is_network:
        return NETWORK_RATES
    spec = SURFACES.get(experiment.surface)
    if spec is not None and spec.rates:  # declared: no need to build (and compile) the surface
        return spec.rates
    return get_surface(experiment.surface, experiment.surface_params).rates


def rate_for(rates: tuple[float, float, float], optimizer: str) -> float | None:
    """The learning rate `optimizer` takes from a problem's three rates (None: keep its own default)."""
    if optimizer not in RATE_OF:
        return None
    which, factor = RATE_OF[optimizer]
    return float(f"{rates[which] * factor:.3g}")


def proposed_hparams(experiment, optimizer: str, hparams: dict | None = None) -> dict:
    """`optimizer`'s hyperparameters (its defaults, or `hparams`) with the learning rate for this problem."""
    resolved = get_optimizer(optimizer).resolve(hparams)
    lr = rate_for(problem_rates(experiment), optimizer)
    if lr is not None:
        resolved["lr"] = lr
    return get_optimizer(optimizer).resolve(resolved)


def with_problem_rates(experiment) -> None:
    """Give every run of `experiment` (edited in place) the learning rate of its problem."""
    experiment.runs = [dataclasses.replace(run, hparams=proposed_hparams(experiment, run.optimizer, run.hparams))
                       for run in experiment.runs]


def next_optimizer(experiment) -> str:
    """The optimizer "Add run" proposes: the first of ADD_RUN_ORDER not yet in the experiment."""
    used = {run.optimizer for run in experiment.runs}
    return next((name for name in ADD_RUN_ORDER if name not in used), ADD_RUN_ORDER[0])
