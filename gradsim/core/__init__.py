"""The NumPy engine: optimizers, schedules, surfaces and the step loop. Never imports Qt."""
from .optimizers import OPTIMIZERS, Optimizer, Step, get_optimizer
from .schedules import SCHEDULES, get_schedule, make_lr_fn
from .simulate import Trace, simulate
from .specs import HParam
from .stepper import Stepper, clip_gradient
from .surfaces import SURFACES, Surface, get_surface

__all__ = ["OPTIMIZERS", "SCHEDULES", "SURFACES", "HParam", "Optimizer", "Step", "Stepper", "Surface",
           "Trace", "clip_gradient", "get_optimizer", "get_schedule", "get_surface", "make_lr_fn", "simulate"]
