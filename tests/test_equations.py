"""The equation panel's numbers: each substituted rule, evaluated, gives what the optimizer computed."""
import math
import re

import numpy as np
import pytest

from gradsim.core import Stepper, get_surface
from gradsim.core.equations import explain

CASES = [
    ("sgd", {"lr": 0.001}), ("sgd", {"lr": 0.001, "weight_decay": 0.1}),
    ("momentum", {"lr": 0.002, "momentum": 0.9, "dampening": 0.2}), ("momentum", {"lr": 0.001, "momentum": 0.0}),
    ("nesterov", {"lr": 0.002, "momentum": 0.9, "weight_decay": 0.05}),
    ("adagrad", {"lr": 0.5}), ("adagrad", {"lr": 0.5, "lr_decay": 0.1, "initial_accumulator_value": 0.3}),
    ("rmsprop", {"lr": 0.01}), ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("adadelta", {}), ("adadelta", {"lr": 0.5, "rho": 0.5}),
    ("adam", {"lr": 0.1}), ("adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    ("adam", {"lr": 0.1, "bias_correction": False}), ("adamw", {"lr": 0.1, "weight_decay": 0.1}),
    ("adamax", {"lr": 0.1}), ("nadam", {"lr": 0.1}),
    ("rprop", {"lr": 0.1}), ("quickprop", {"lr": 0.002}), ("newton", {"lr": 0.5}),
]


def evaluate(numbers: str) -> float:
    text = numbers.replace("−", "-").replace("·", "*").replace("^", "**")
    text = re.sub(r"\|([^|]*)\|", r"abs(\1)", text).replace("√", "sqrt").replace("²", "**2")
    assert re.fullmatch(r"[\d.e+\-*/() ,a-z]*", text), text  # digits, operators and the functions below only
    return float(eval(text, {"__builtins__": {}},
                      {"sqrt": math.sqrt, "abs": abs, "max": max, "min": min, "sign": lambda x: float(np.sign(x))}))


def rows_of(optimizer, hparams, steps=12, clip=None):
    surface = get_surface("rosenbrock")
    stepper = Stepper(surface, optimizer, hparams, (-1.2, 1.0), clip=clip)
    rows = stepper.run(steps)
    return surface, stepper, [{"step": rows["step"][k], "params": rows["params"][k], "grad": rows["grad"][k],
                               "lr": rows["lr"][k], "lr_eff": rows["lr_eff"][k], "update": rows["update"][k],
                               "state": {name: value[k] for name, value in rows["state"].items()}}
                              for k in range(len(rows["step"]))]


@pytest.mark.parametrize("optimizer, hparams", CASES, ids=[f"{o}-{'-'.join(h)}" for o, h in CASES])
def test_every_substituted_rule_evaluates_to_the_engines_number(optimizer, hparams):
    surface, stepper, rows = rows_of(optimizer, hparams)
    for k, row in enumerate(rows):
        previous = rows[k - 1]["state"] if k else None
        hessian = surface.hessian(row["params"]) if optimizer == "newton" else None
        for i in range(2):
            lines = explain(optimizer, stepper.hparams, row, previous, i, hessian=hessian, digits=17)
            step = next(line for line in lines if line.name == "Δθ")
            assert step.value == row["update"][i]
            for line in lines:
                assert line.numbers is not None, line
                assert evaluate(line.numbers) == pytest.approx(line.value, rel=1e-9, abs=1e-300), \
                    (k, i, line.rule, line.numbers)
            for name, value in row["state"].items():  # a state line names the state the engine holds
                shown = [line.value for line in lines if line.rule.startswith(_SYMBOL.get(name, "?") + " ←")]
                assert all(v == value[i] for v in shown)


_SYMBOL = {"m": "m", "v": "v", "sum_sq": "r", "sq_avg": "r", "velocity": "v", "u": "u", "step_size": "Δ"}


def test_the_screen_shows_four_significant_digits_and_the_sign_in_parentheses():
    _, stepper, rows = rows_of("adam", {"lr": 0.1}, steps=3)
    lines = explain("adam", stepper.hparams, rows[2], rows[1]["state"], 0)
    m_line = next(line for line in lines if line.name == "m")
    assert m_line.rule == "m ← β₁·m + (1 − β₁)·g"
    # the previous m is negative, this g positive: m = 0.9·(−24.66) + (1 − 0.9)·56.29
    assert re.fullmatch(r"0\.9·\(−[\d.]+\) \+ \(1 − 0\.9\)·[\d.]+", m_line.numbers), m_line.numbers
    assert all(len(number.replace(".", "").lstrip("0")) <= 4 for number in re.findall(r"[\d.]+", m_line.numbers))
    assert [line.name for line in lines] == ["m", "v", "m′", "v′", "Δθ", "θ"]


def test_clipping_is_shown_and_the_rule_uses_the_clipped_gradient():
    clip = {"norm": 1.0}
    _, stepper, rows = rows_of("sgd", {"lr": 0.01}, steps=1, clip=clip)
    lines = explain("sgd", stepper.hparams, rows[0], None, 0, clip=clip, digits=17)
    assert lines[0].rule == "g clipped by norm to 1"
    assert evaluate(lines[1].numbers) == pytest.approx(rows[0]["update"][0], rel=1e-12)


def test_newton_without_a_hessian_gives_the_value_but_no_expression():
    _, stepper, rows = rows_of("newton", {"lr": 1.0}, steps=1)
    step = explain("newton", stepper.hparams, rows[0], None, 1)[0]
    assert step.numbers is None and step.value == rows[0]["update"][1]
