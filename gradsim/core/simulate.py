"""`simulate`: a whole run in one call, as a loop over `Stepper`, on a surface or a network."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from . import checks
from .datasets import make_dataset
from .ensembles import run_ensemble
from .mlp import BINARY_LOSSES, make_mlp
from .network import NetworkProblem
from .optimizers import get_optimizer
from .stepper import Stepper, stack_rows
from .surfaces import get_surface
from .trace import Trace


def simulate(surface: str = "rosenbrock", surface_params: Mapping[str, Any] | None = None,
             optimizer: str = "sgd", hparams: Mapping[str, Any] | None = None, start=None,
             steps: int = 100, schedule=None, clip=None, grad_noise: float = 0.0,
             seed: int | None = None, max_param_norm: float = 1e6, *,
             dataset: str | None = None, dataset_params: Mapping[str, Any] | None = None,
             model: Mapping[str, Any] | None = None, batch_size: int | None = None) -> Trace:
    """Run `optimizer` for `steps` updates on a surface, or on a network when `dataset` is given.

    Surface: `start` is a point (x, y), an (N, 2) array of N starts run at once, or None for
    the surface's default start. Network: `model` is {"hidden": [16, 16], "activation": "tanh",
    "loss": "bce", "init": "xavier"}, `batch_size` None (all data), m or 1, and `seed` seeds the
    data, the initial weights and the batch order (`start` may give initial weights as a flat
    vector). `schedule` is None, a name or {"name": ..., ...}; `clip` is {"norm": c} or
    {"value": c}; `grad_noise` adds seeded Gaussian noise of that standard deviation to every
    gradient. Bad input raises ValueError; divergence does not raise (see `status`).
    """
    steps = checks.steps(steps)
    if dataset is not None:
        return _simulate_network(dataset, dataset_params, model, optimizer, hparams, start, steps, schedule,
                                 clip, grad_noise, seed, max_param_norm, batch_size)
    problem = get_surface(surface, surface_params)
    if start is None:
        start = problem.start
    if np.ndim(start) == 2:  # N starts: the ensemble engine, which keeps rows without building them one by one
        config = {"surface": problem.name, "surface_params": dict(problem.params),
                  "hparams": get_optimizer(optimizer).resolve(hparams),
                  "start": np.asarray(start, dtype=float).tolist()}
        return run_ensemble(problem, optimizer, hparams, start, steps, keep="trace", schedule=schedule, clip=clip,
                            grad_noise=grad_noise, seed=seed, max_param_norm=max_param_norm, config=config).trace
    stepper = Stepper(problem, optimizer, hparams, start, schedule=schedule, clip=clip,
                      grad_noise=grad_noise, seed=seed, max_param_norm=max_param_norm)
    config = {"surface": problem.name, "surface_params": dict(problem.params),
              "optimizer": stepper.optimizer.name, "hparams": dict(stepper.hparams),
              "start": np.asarray(start, dtype=float).tolist(), "steps": steps,
              "schedule": stepper.schedule, "clip": stepper.clip, "grad_noise": stepper.grad_noise,
              "seed": seed, "max_param_norm": stepper.max_param_norm}
    return run_trace(stepper, steps, config)


def make_network(dataset: str, dataset_params=None, model=None, batch_size=None, seed=None):
    """The NetworkProblem and initial weights of a network run; `seed` seeds everything."""
    seed = checks.seed(seed)
    seeds = np.random.SeedSequence(0 if seed is None else seed).spawn(3)
    data = make_dataset(dataset, dataset_params, seed=int(seeds[0].generate_state(1)[0]))

    def outputs(loss):
        if data.task == "regression":
            if loss != "mse":
                raise ValueError(f"dataset '{dataset}' is a regression task: use loss 'mse', not '{loss}'")
            return data.y.shape[1]
        if loss in BINARY_LOSSES and data.classes > 2:
            raise ValueError(f"loss '{loss}' has one output for two classes; dataset '{dataset}' has "
                             f"{data.classes}: use 'ce'")
        return 1 if loss in BINARY_LOSSES or (loss == "mse" and data.classes == 2) else data.classes

    mlp, model_config = make_mlp(model, data.X.shape[1], outputs)
    problem = NetworkProblem(mlp, data, batch_size, seed=int(seeds[1].generate_state(1)[0]))
    theta0 = mlp.init(model_config["init"], np.random.default_rng(seeds[2]), model_config["init_std"])
    return problem, theta0, model_config


def _simulate_network(dataset, dataset_params, model, optimizer, hparams, start, steps, schedule, clip,
                      grad_noise, seed, max_param_norm, batch_size) -> Trace:
    problem, theta0, model_config = make_network(dataset, dataset_params, model, batch_size, seed)
    if start is not None:
        theta0 = np.array(start, dtype=float)
        if theta0.shape != (problem.dim,):
            raise ValueError(f"start must be the {problem.dim} initial weights of this network as a flat "
                             f"vector, got shape {theta0.shape}")
    stepper = Stepper(problem, optimizer, hparams, theta0, schedule=schedule, clip=clip,
                      grad_noise=grad_noise, seed=seed, max_param_norm=max_param_norm)
    config = {"dataset": dataset, "dataset_params": dict(dataset_params or {}), "model": model_config,
              "sizes": list(problem.mlp.sizes), "batch_size": problem.batch_size,
              "optimizer": stepper.optimizer.name, "hparams": dict(stepper.hparams), "steps": steps,
              "schedule": stepper.schedule, "clip": stepper.clip, "grad_noise": stepper.grad_noise,
              "seed": seed, "max_param_norm": stepper.max_param_norm}
    trace = run_trace(stepper, steps, config)
    # `loss` is on all training data; the mini-batch loss the update used is kept beside it.
    trace.extra["batch_loss"] = trace.loss
    trace.loss = trace.extra.pop("train_loss")
    trace.extra["data"] = (problem.data.X, problem.data.y)
    if problem.data.X_test is not None:
        trace.extra["test_data"] = (problem.data.X_test, problem.data.y_test)
    trace.extra["params_init"] = [(W.copy(), b.copy()) for W, b in problem.mlp.layers(trace.params[0])]
    trace.extra["params_final"] = [(W.copy(), b.copy()) for W, b in problem.mlp.layers(trace.params[-1])]
    trace.extra["problem"] = problem
    return trace


def run_trace(stepper: Stepper, steps: int, config: dict) -> Trace:
    """Drive `stepper` for `steps` updates and collect its `Trace`."""
    rows_run = stepper.run(steps)
    ensemble = stepper.params.ndim == 2
    tail = []
    if ensemble:  # fixed length: every run has steps+1 rows, NaN after divergence
        tail = [stepper.record() for _ in range(steps + 1 - len(rows_run["step"]))]
        for offset, row in enumerate(tail):
            row["step"] = len(rows_run["step"]) + offset
    elif not stepper.finished:
        tail = [stepper.record()]
    rows = _concat(rows_run, stack_rows(tail, stepper.record()))
    if ensemble:
        status = np.where(stepper.alive, "ok", "diverged")
        diverged_at = stepper.diverged_at.copy()
    else:
        status = "ok" if stepper.alive else "diverged"
        diverged_at = None if stepper.alive else int(stepper.diverged_at)
    return Trace(config=config, status=status, diverged_at=diverged_at, **rows)


def _concat(a: dict, b: dict) -> dict:
    out = {key: np.concatenate([a[key], b[key]]) for key in a if key not in ("state", "extra")}
    for group in ("state", "extra"):
        out[group] = {name: np.concatenate([a[group][name], b[group][name]]) for name in a[group]}
    return out
