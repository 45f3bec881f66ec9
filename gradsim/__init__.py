"""GradSim: see, step by step, how gradient-based optimizers move.

    >>> import gradsim
    >>> trace = gradsim.simulate(surface="rosenbrock", optimizer="adam", hparams={"lr": 0.05}, steps=500)
    >>> trace.params[-1]
"""
from .core import (OPTIMIZERS, SCHEDULES, SURFACES, HParam, Stepper, Trace, get_optimizer, get_schedule,
                   get_surface, simulate)

__version__ = "0.1.0"
__all__ = ["OPTIMIZERS", "SCHEDULES", "SURFACES", "HParam", "Stepper", "Trace", "__version__",
           "get_optimizer", "get_schedule", "get_surface", "simulate"]
