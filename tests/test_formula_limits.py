"""Issue 14: a typed formula is answered quickly: refused by a size, depth or constant check before
sympy sees it, or compiled under a time limit. A constant is valued in floats, never by sympy to
arbitrary precision (sin(exp(exp(20))) ran for minutes), and nested functions have a depth limit
(tanh 40 deep took 9 s to compile)."""
from __future__ import annotations

import itertools
import math

import pytest

from gradsim.core import expressions
from gradsim.core.expressions import parse_expression, time_limit
from gradsim.core.surfaces import get_surface
from gradsim.experiment import Experiment


def nested(function: str, depth: int) -> str:
    return f"{function}(" * depth + "x" + ")" * depth


@pytest.mark.parametrize("formula, message", [
    ("sin(exp(exp(20)))*1", r"constant exp\(exp\(20\)\) is too large"),
    ("sin(exp(exp(100)))*1", r"constant exp\(exp\(100\)\) is too large"),
    ("x + exp(exp(100))", r"constant exp\(exp\(100\)\) is too large"),
    ("x * 10**10**10", "exponent 1e\\+10 is too large"),
    (nested("tanh", 40), "nests 40 functions inside each other; the limit is 12"),
    (nested("tanh", 70), "nests 70 functions inside each other; the limit is 12"),
    ("x * (1/0)", r"1 / 0 divides by zero"),
    ("x + log(0)", r"constant log\(0\) has no real value"),
    ("x + (-8)**(1/3)", r"constant \(-8\) \*\* \(1 / 3\) has no real value"),
    ("x + asin(2)", r"constant asin\(2\) has no real value"),
])
def test_a_pathological_formula_is_refused_before_sympy_evaluates_it(formula, message):
    with pytest.raises(ValueError, match=message):
        parse_expression(formula)
    with pytest.raises(ValueError, match=message):
        Experiment.from_json(Experiment(surface="custom", surface_params={"expr": formula},
                                        runs=Experiment.default().runs).to_json())


def test_a_formula_within_the_limits_still_compiles():
    surface = get_surface("custom", {"expr": nested("tanh", 6) + " + y**2 + sin(exp(2))"})
    assert surface.loss([0.0, 0.0]) == pytest.approx(math.sin(math.exp(2)))


def test_the_time_limit_stops_python_code_wherever_it_is():
    clock = itertools.count(step=0.25).__next__  # each look at the clock is a quarter second later
    with pytest.raises(ValueError, match="took over 1 s"):
        with time_limit(1.0, clock=clock):
            while True:
                sum(i for i in range(10))


def test_the_time_limit_leaves_the_profile_hook_as_it_was():
    import sys
    before = sys.getprofile()
    with time_limit(10.0):
        parse_expression("x + y")
    assert sys.getprofile() is before


def test_a_formula_that_takes_too_long_to_compile_is_refused_and_the_refusal_remembered(monkeypatch):
    monkeypatch.setattr(expressions, "TIME_LIMIT", -1.0)  # the time is up at the first look at the clock
    formula = "x**2 + 3*y**2 + sin(x*y)/7"
    with pytest.raises(ValueError, match="expression is too complex: .* took over -1 s"):
        get_surface("custom", {"expr": formula})
    monkeypatch.setattr(expressions, "TIME_LIMIT", 60.0)
    with pytest.raises(ValueError, match="too complex"):  # remembered: not compiled again
        get_surface("custom", {"expr": formula})
