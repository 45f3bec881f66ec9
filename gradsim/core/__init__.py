"""The NumPy engine: optimizers, schedules, surfaces, the step loop and ensembles. Never imports Qt."""
from .basins import BasinMap, basins, iter_basins
from .ensembles import Ensemble, ensemble, run_ensemble
from .optimizers import OPTIMIZERS, Optimizer, Step, get_optimizer
from .schedules import SCHEDULES, get_schedule, make_lr_fn
from .simulate import Trace, simulate
from .specs import HParam
from .stepper import Stepper, clip_gradient
from .surfaces import SURFACES, Surface, get_surface
from .swarm import SwarmStats, sample_starts, swarm_stats
from .sweeps import Sweep, SweepTheory, sweep

__all__ = ["OPTIMIZERS", "SCHEDULES", "SURFACES", "BasinMap", "Ensemble", "HParam", "Optimizer", "Step", "Stepper",
           "Surface", "SwarmStats", "Sweep", "SweepTheory", "Trace", "basins", "clip_gradient", "ensemble",
           "get_optimizer", "get_schedule", "get_surface", "iter_basins", "make_lr_fn", "run_ensemble",
           "sample_starts", "simulate", "sweep", "swarm_stats"]
