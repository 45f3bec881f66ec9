"""Every torch.optim optimizer, schedule and clipping mode, step by step against PyTorch.

The golden traces come from tests/make_goldens.py (PyTorch 2.13, float64);
torch is not needed here.
"""
import dataclasses
import json
import pathlib

import numpy as np
import pytest

import gradsim
from gradsim.core import Stepper

GOLDENS = json.loads((pathlib.Path(__file__).parent / "goldens" / "torch_optim.json").read_text())["cases"]


def _label(case):
    extra = "+".join(k for k in ("schedule", "clip") if case.get(k))
    options = ",".join(f"{k}={v}" for k, v in case["hparams"].items())
    return f"{case['surface']}-{case['optimizer']}[{options}]{'-' + extra if extra else ''}"


@pytest.mark.parametrize("case", [c for c in GOLDENS if not c["chaotic"]], ids=_label)
def test_whole_trajectory_matches_pytorch(case):
    trace = gradsim.simulate(surface=case["surface"], surface_params=case.get("surface_params"),
                             optimizer=case["optimizer"], hparams=case["hparams"], start=case["start"],
                             steps=case["steps"], schedule=case.get("schedule"), clip=case.get("clip"))
    assert trace.status == "ok"
    np.testing.assert_allclose(trace.params, case["params"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(trace.loss, case["loss"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(trace.grad, case["grad"], rtol=1e-9, atol=1e-12)  # raw, before clipping
    np.testing.assert_allclose(trace.lr, case["lr"], rtol=1e-12, atol=0)


def test_goldens_cover_every_torch_optimizer_and_option():
    torch_named = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw",
                   "adamax", "nadam", "rprop"}
    assert {c["optimizer"] for c in GOLDENS} == torch_named
    used = {(c["optimizer"], k) for c in GOLDENS for k, v in c["hparams"].items() if v not in (0, False)}
    for option in [("momentum", "dampening"), ("rmsprop", "centered"), ("rmsprop", "momentum"),
                   ("adam", "amsgrad"), ("adamw", "amsgrad"), ("adam", "weight_decay"),
                   ("adamw", "weight_decay"), ("sgd", "weight_decay"), ("momentum", "weight_decay"),
                   ("nesterov", "weight_decay"), ("adagrad", "lr_decay"),
                   ("adagrad", "initial_accumulator_value"), ("nadam", "momentum_decay")]:
        assert option in used, option
    schedules = {c["schedule"]["name"] for c in GOLDENS if c.get("schedule")}
    assert schedules == set(gradsim.SCHEDULES)
    assert any(c.get("schedule", {}).get("warmup") for c in GOLDENS if c.get("schedule"))
    assert {k for c in GOLDENS if c.get("clip") for k in c["clip"]} == {"norm", "value"}


def _at_torch_point(stepper, k, case):
    """Put PyTorch's parameters and optimizer state after k updates into `stepper`."""
    params = np.array(case["params"][k])
    torch_state = case["state"][k - 1]
    state = {name: np.array(torch_state.get(name, np.zeros(2))) for name in stepper.state}
    loss, grad = stepper.problem.loss_grad(params)
    stepper.restore(dataclasses.replace(stepper.snapshot(), k=k, params=params, state=state, loss=loss, grad=grad))


@pytest.mark.parametrize("case", GOLDENS, ids=_label)
def test_every_single_step_from_pytorchs_state(case):
    """One update from PyTorch's own point and state lands where PyTorch's does, at every step.

    Unlike the whole-trajectory test this holds on chaotic trajectories too, where a one-bit
    difference in the gradient grows from step to step.
    """
    problem = gradsim.get_surface(case["surface"], case.get("surface_params"))
    stepper = Stepper(problem, case["optimizer"], case["hparams"], case["start"],
                      schedule=case.get("schedule"), clip=case.get("clip"))
    for k in range(1, case["steps"]):
        _at_torch_point(stepper, k, case)
        stepper.step()
        np.testing.assert_allclose(stepper.params, case["params"][k + 1], rtol=1e-9, atol=1e-12,
                                   err_msg=f"step {k} -> {k + 1}")
        for name, value in case["state"][k].items():
            np.testing.assert_allclose(stepper.state[name], value, rtol=1e-9, atol=1e-12,
                                       err_msg=f"state '{name}' after step {k + 1}")


def test_a_chaotic_case_is_kept_to_show_why_per_step_matters():
    chaotic = [c for c in GOLDENS if c["chaotic"]]
    assert chaotic
    c = chaotic[0]
    trace = gradsim.simulate(surface=c["surface"], optimizer=c["optimizer"], hparams=c["hparams"],
                             start=c["start"], steps=c["steps"])
    np.testing.assert_allclose(trace.params[:60], c["params"][:60], rtol=1e-9, atol=1e-12)
