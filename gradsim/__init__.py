"""GradSim: see, step by step, how gradient-based optimizers move.

    >>> import gradsim
    >>> trace = gradsim.simulate(surface="rosenbrock", optimizer="adam", hparams={"lr": 0.05}, steps=500)
    >>> trace.params[-1]
"""
from .core import (OPTIMIZERS, SCHEDULES, SURFACES, BasinMap, Ensemble, HParam, Stepper, Sweep, Trace, basins,
                   ensemble, get_optimizer, get_schedule, get_surface, iter_basins, sample_starts, simulate, sweep,
                   swarm_stats)

__version__ = "0.1.0"
__all__ = ["OPTIMIZERS", "SCHEDULES", "SURFACES", "BasinMap", "Ensemble", "HParam", "Stepper", "Sweep", "Trace",
           "__version__", "basins", "ensemble", "get_optimizer", "get_schedule", "get_surface", "iter_basins",
           "sample_starts", "simulate", "sweep", "swarm_stats"]
