"""Issue 14: every value that enters is checked when it enters, with one message wherever it came
from. Each case here escaped before (an uncaught TypeError, RecursionError, ZeroDivisionError, a
silently wrong number, a file that loaded and failed later inside the session)."""
from __future__ import annotations

import json

import numpy as np
import pytest

import gradsim
from gradsim.cli import main
from gradsim.core import checks
from gradsim.core.datasets import make_dataset
from gradsim.core.surfaces import get_surface
from gradsim.experiment import Experiment


def document(**fields) -> str:
    base = json.loads(Experiment.default().to_json())
    base.update(fields)
    return json.dumps(base)


def network(**fields) -> str:
    return document(dataset="moons", dataset_params={"n": 20}, model={"hidden": [3]}, **fields)


def refused(text: str, message: str) -> str:
    with pytest.raises(ValueError, match=message) as error:
        Experiment.from_json(text, source="e.json")
    assert type(error.value) in (ValueError, checks.InputError) and "\n" not in str(error.value)
    assert str(error.value).startswith("e.json")
    return str(error.value)


# --- experiment files ------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ({"dataset": ["moons"]}, r"dataset must be a name \(text\), got \['moons'\]"),
    ({"dataset": "moons", "dataset_params": 5}, "dataset_params must be a table of named values, got 5"),
    ({"dataset": "moons", "model": 5}, "model must be a table of named values, got 5"),
    ({"dataset": "moons", "model": "tanh"}, "model must be a table of named values, got 'tanh'"),
    ({"surface": ["rosenbrock"]}, r"surface must be a name \(text\)"),
    ({"surface_params": [1, 2]}, "surface_params must be a table"),
    ({"grad_noise": float("nan")}, "grad_noise must be a finite number ≥ 0, got nan"),
    ({"grad_noise": -1.0}, "grad_noise must be a finite number ≥ 0, got -1.0"),
    ({"grad_noise": "abc"}, "grad_noise must be a number, got 'abc'"),
    ({"seed": 1e30}, "seed must be a whole number from 0 to 2147483647, got 1e"),
    ({"seed": 2**40}, "seed must be a whole number from 0 to 2147483647, got 1099511627776"),
    ({"seed": "x"}, "seed must be a whole number from 0 to 2147483647, got 'x'"),
    ({"surface": "plateau", "surface_params": {"width": 5e-324}}, r"'width' = 5e-324 is outside its valid range"),
    ({"runs": [5]}, r"runs\[1\] must be a table"),
    ({"runs": [{"optimizer": "sgd", "color": "notacolor"}]}, "run 1: color must be a colour #rrggbb"),
    ({"runs": [{"optimizer": "sgd", "name": 5}]}, "run 1: name must be text, got 5"),
    ({"runs": [{"optimizer": "sgd", "visible": "no"}]}, "run 1: visible must be true or false"),
    ({"runs": [{"optimizer": "sgd", "schedule": 5}]}, "run 1: schedule must be a name or a table"),
    ({"runs": [{"optimizer": ["sgd"]}]}, r"run 1: optimizer must be a name \(text\)"),
    ({"runs": [{"optimizer": "sgd", "speed": 1}]}, r"run 1: unknown field\(s\) speed"),
    ({"start": [float("nan"), 1.0]}, "start must be finite numbers"),
])
def test_experiment_fields_of_the_wrong_kind_are_refused_when_the_file_is_opened(fields, message):
    refused(document(**fields), message)


def test_a_network_start_of_nans_is_refused_when_the_file_is_opened():
    dim = Experiment.from_json(network()).make_problem()[0].dim
    refused(network(start=[float("nan")] * dim), "start must be finite numbers")


def test_deep_nesting_and_huge_number_literals_get_our_own_message():
    deep = document().replace('"surface_params": {}', '"surface_params": ' + "[" * 5000 + "]" * 5000)
    refused(deep, "nests deeper than 20 levels")
    refused(document().replace('"seed": 0', '"seed": 1' + "0" * 5000), "a number has more than 40 digits")
    refused('{"a": ' + "{" * 100_000, "nests deeper")


def test_a_seed_has_one_range_in_files_the_api_and_the_command_line(capsys):
    for seed in (2**40, 2**31):
        with pytest.raises(ValueError, match="seed must be a whole number from 0 to 2147483647"):
            gradsim.simulate("quadratic", steps=2, seed=seed)
    gradsim.simulate("quadratic", steps=2, seed=checks.MAX_SEED)
    assert main(["run", "--surface", "quadratic", "--steps", "2", "--seed", str(2**40)]) == 2
    assert "seed must be a whole number from 0 to 2147483647" in capsys.readouterr().err
    assert main(["run", "--surface", "quadratic", "--steps", "2", "--seed", "1e30"]) == 2
    assert "--seed expects a whole number, got '1e30'" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--steps", "1000000000"], "steps must be a whole number from 0 to 1000000, got 1000000000"),
    (["--max-param-norm", "1e160"], "max_param_norm must be positive and at most 1e+150, got 1e+160"),
    (["--surface", "plateau", "--surface-param", "width=5e-324"], "'width' = 5e-324 is outside its valid range"),
])
def test_command_line_flags_meet_the_same_checks(capsys, args, message):
    assert main(["run", *(args if "--steps" in args else ["--steps", "2", *args])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_the_plateau_refuses_a_subnormal_width_through_the_api():
    with pytest.raises(ValueError, match=r"surface 'plateau' hyperparameter 'width' = 5e-324 is outside"):
        gradsim.simulate("plateau", {"width": 5e-324}, steps=2)


@pytest.mark.parametrize("kwargs, message", [
    ({"grad_noise": float("nan")}, "grad_noise must be a finite number ≥ 0"),
    ({"grad_noise": "abc"}, "grad_noise must be a number, got 'abc'"),
    ({"max_param_norm": 1e200}, "max_param_norm must be positive and at most 1e\\+150"),
    ({"steps": 10**9}, "steps must be a whole number from 0 to 1000000"),
    ({"steps": 2.5}, "steps must be a whole number, got 2.5"),
    ({"dataset": ["moons"]}, r"dataset must be a name \(text\)"),
    ({"dataset": "moons", "dataset_params": 5}, "must be a table of named values, got 5"),
    ({"dataset": "moons", "model": 5}, "model must be a table of named values, got 5"),
    ({"dataset": "moons", "model": {"hidden": [float("inf")]}}, "model hidden must be a list of layer sizes"),
])
def test_api_keywords_are_checked_with_the_same_messages(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gradsim.simulate(**{"surface": "quadratic", "steps": 2, **kwargs})


def test_sweep_checks_its_tolerance_and_start():
    with pytest.raises(ValueError, match="tol must be a finite number ≥ 0, got nan"):
        gradsim.sweep("quadratic", steps=3, vary={"lr": [0.1]}, tol=float("nan"))
    with pytest.raises(ValueError, match="start must be a list of numbers, got {'x': 1}"):
        gradsim.sweep("quadratic", steps=3, vary={"lr": [0.1]}, start={"x": 1})


def test_a_batch_size_past_any_dataset_is_refused_before_it_reaches_the_spin_box():
    refused(network(batch_size=2**40), r"batch_size \(None: all data\) must be a whole number from 1 to 1000000")


def test_sweep_and_basins_keep_the_steps_limit():
    with pytest.raises(ValueError, match="steps must be a whole number from 0 to 1000000"):
        gradsim.basins("quadratic", steps=10**7, resolution=(2, 2))
    with pytest.raises(ValueError, match="steps must be a whole number from 0 to 1000000"):
        gradsim.sweep("quadratic", steps=10**7, vary={"lr": [0.1, 0.2]})


# --- CSV datasets ----------------------------------------------------------------------------------

def csv_file(tmp_path, content: str | bytes) -> str:
    path = tmp_path / "d.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def test_a_csv_field_past_the_readers_limit_is_refused_with_the_line(tmp_path):
    path = csv_file(tmp_path, "x1,x2,label\n0,0,0\n" + "1" * 200_000 + ",1,1\n")
    with pytest.raises(ValueError, match=r"d.csv, line 3: not a CSV row \(field larger than field limit"):
        make_dataset("csv", {"path": path})


def test_a_csv_file_with_a_byte_order_mark_is_read(tmp_path):
    data = make_dataset("csv", {"path": csv_file(tmp_path, b"\xef\xbb\xbfx1,x2,label\n0,0,0\n1,1,1\n")})
    np.testing.assert_array_equal(data.y, [0, 1])


def test_labels_that_leave_out_a_class_are_named_as_such(tmp_path):
    with pytest.raises(ValueError, match=r"the labels must be the classes 0 to 2 with none left out; found 1, 2 \(no 0\)"):
        make_dataset("csv", {"path": csv_file(tmp_path, "x1,x2,label\n0,0,1\n1,1,2\n")})


def test_a_huge_label_is_refused_not_wrapped_to_a_negative_integer(tmp_path):
    with pytest.raises(ValueError, match="line 3: the label must be a whole number from 0 to 9, got '1e300'"):
        make_dataset("csv", {"path": csv_file(tmp_path, "x1,x2,label\n0,0,0\n1,1,1e300\n")})


# --- formulas --------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula, message", [
    ("x**2+y**2+log(-1)", r"constant log\(-1\) has no real value"),
    ("sqrt(-1)*x + y**2", r"constant sqrt\(-1\) has no real value"),
    ("x**2 + log(x - x - 1)", "complex value"),  # constant only once sympy simplifies it
    ("1/(x-x)", "infinite or undefined"),
    ("x**2 + 0*log(x - x)", "infinite or undefined"),
])
def test_a_complex_or_infinite_formula_is_refused_not_run(formula, message):
    with pytest.raises(ValueError, match=message):
        get_surface("custom", {"expr": formula})
    refused(document(surface="custom", surface_params={"expr": formula}), message)
