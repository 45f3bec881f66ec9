"""Defaults that work: every surface's runs, every "Add run" proposal and `gradsim run` with no options
step 1,000 times without diverging (Qt-free: the app model, the one builder of runs, the engine)."""
import numpy as np
import pytest

from gradsim.app.defaults import ADD_RUN_ORDER
from gradsim.app.model import AppModel
from gradsim.app.runs import build_steppers
from gradsim.cli import main
from gradsim.core import SURFACES
from gradsim.experiment import MAX_RUNS

STEPS = 1000


def diverged(experiment, steps=STEPS):
    """The runs of `experiment` that diverge within `steps` updates: [(optimizer, lr, step)]."""
    out = []
    for run, stepper in zip(experiment.runs, build_steppers(experiment)):
        stepper.run(steps)
        if stepper.finished:
            out.append((run.optimizer, run.hparams["lr"], int(stepper.diverged_at)))
    return out


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_surface_s_default_runs_and_every_add_run_proposal_do_not_diverge(surface):
    model = AppModel()  # the default experiment: gradient descent, momentum, Adam (tuned for Rosenbrock)
    model.set_problem(surface)
    assert model.experiment.surface == surface
    while len(model.experiment.runs) < MAX_RUNS:
        model.add_run()
    assert [run.optimizer for run in model.experiment.runs] == ["sgd", "momentum", "adam"] + [
        name for name in ADD_RUN_ORDER if name not in ("sgd", "momentum", "adam")][:MAX_RUNS - 3]
    assert diverged(model.experiment) == []


def test_a_rate_is_the_problem_s_and_the_switch_is_logged():
    model = AppModel()
    model.set_problem("goldstein_price")
    rates = {run.optimizer: run.hparams["lr"] for run in model.experiment.runs}
    assert rates == {"sgd": 1e-5, "momentum": 1e-6, "adam": 0.03}
    assert "learning rates set for this problem" in model.log[-1].text
    model.set_optimizer(0, "nesterov")  # a changed optimizer gets this problem's rate too
    assert model.experiment.runs[0].hparams["lr"] == 1e-6
    model.set_problem("rosenbrock")
    model.add_run()  # Adam is taken: momentum's turn is over too, so RMSProp at Rosenbrock's step
    assert model.experiment.runs[-1].optimizer == "rmsprop" and model.experiment.runs[-1].hparams["lr"] == 0.05


def test_a_typed_formula_gets_rates_from_its_curvature():
    model = AppModel()
    model.set_problem("custom")
    model.set_problem_param("expr", "50*x**2 + y**2")
    model.set_problem("custom")  # picking the problem again applies its rates
    model.set_problem_param("expr", "50*x**2 + y**2")
    e = model.experiment
    assert e.surface_params == {"expr": "50*x**2 + y**2"}
    from gradsim.app.defaults import with_problem_rates
    with_problem_rates(e)
    assert e.runs[0].hparams["lr"] == pytest.approx(0.4 / 100)  # 2/λmax = 0.02: a fifth of it
    assert diverged(e) == []


def test_network_proposals_do_not_diverge():
    model = AppModel()
    model.set_problem("moons")
    while len(model.experiment.runs) < MAX_RUNS:
        model.add_run()
    assert diverged(model.experiment, steps=200) == []


def test_gradsim_run_with_no_options_converges(capsys):
    assert main(["run"]) == 0
    out, err = capsys.readouterr()
    rows = [line.split(",") for line in out.splitlines()[1:]]
    assert "diverged" not in err and len(rows) == STEPS + 1
    x, y, loss = (float(v) for v in rows[-1][1:4])
    assert loss < 1e-3 and np.hypot(x - 1, y - 1) < 0.05  # Rosenbrock's minimum (1, 1)
