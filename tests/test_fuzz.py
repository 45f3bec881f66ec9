"""Issue 14: fuzzing what a user types or opens. Any input either loads (or runs), or is refused with
a ValueError (our InputError and LessonError are ValueErrors) whose message is one line; never
another exception. Hypothesis runs derandomized (the same examples every time) with a fixed
budget of examples, and every input that once escaped is an explicit @example."""
from __future__ import annotations

import json
import math
import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

import gradsim
from gradsim.app.runs import play
from gradsim.core.datasets import make_dataset
from gradsim.core.expressions import FUNCTIONS, parse_expression
from gradsim.core.optimizers import OPTIMIZERS
from gradsim.core.surfaces import SURFACES, get_surface
from gradsim.experiment import Experiment, RunConfig
from gradsim.lessons import check_lesson, load_lesson

FUZZ = settings(derandomize=True, deadline=None, database=None, max_examples=300,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def refused_clearly(call):
    """Run `call`; a refusal must be a ValueError with a one-line message. Returns the result or None."""
    try:
        return call()
    except ValueError as error:
        message = str(error)
        assert message and "\n" not in message, f"refusal is not one line: {message!r}"
        return None


# --- values as a file may hold them -------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=-2**80, max_value=2**80),
                    st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=-1e-300, max_value=1e-300),
                    st.text(max_size=12), st.sampled_from(["sgd", "adam", "moons", "quadratic", "custom", "x**2",
                                                           "#1f77b4", "cosine", "norm", "csv", ""]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)

EXPERIMENT_FIELDS = tuple(Experiment.__dataclass_fields__)
RUN_FIELDS = tuple(RunConfig.__dataclass_fields__)


def base_document(network: bool) -> dict:
    experiment = Experiment.default()
    if network:
        experiment.dataset, experiment.dataset_params, experiment.model = "moons", {"n": 20}, {"hidden": [3]}
    return json.loads(experiment.to_json())


@FUZZ
@given(network=st.booleans(), field=st.sampled_from(EXPERIMENT_FIELDS), value=values,
       run_field=st.sampled_from(RUN_FIELDS), run_value=values)
@example(network=True, field="dataset", value=["moons"], run_field="name", run_value="")
@example(network=True, field="dataset_params", value=5, run_field="name", run_value="")
@example(network=True, field="model", value=5, run_field="name", run_value="")
@example(network=True, field="model", value="tanh", run_field="name", run_value="")
@example(network=False, field="grad_noise", value=math.nan, run_field="name", run_value="")
@example(network=False, field="grad_noise", value=-1.0, run_field="name", run_value="")
@example(network=False, field="grad_noise", value="abc", run_field="name", run_value="")
@example(network=True, field="start", value=[math.nan] * 13, run_field="name", run_value="")
@example(network=False, field="surface_params", value={"width": 5e-324}, run_field="name", run_value="")
@example(network=False, field="seed", value=1e30, run_field="name", run_value="")
@example(network=False, field="seed", value=2**40, run_field="color", run_value="notacolor")
@example(network=False, field="schedule", value="cosine", run_field="visible", run_value="no")
@example(network=False, field="seed", value="x", run_field="name", run_value=5)
def test_experiment_files(network, field, value, run_field, run_value):
    document = base_document(network)
    if field == "surface_params" and isinstance(value, dict) and "width" in value:
        document["surface"] = "plateau"
    document[field] = value
    if isinstance(document.get("runs"), list) and document["runs"] and isinstance(document["runs"][0], dict):
        document["runs"][0][run_field] = run_value
    experiment = refused_clearly(lambda: Experiment.from_json(json.dumps(document)))
    if experiment is not None:  # what loads also plays, as the session plays it
        refused_clearly(lambda: play(experiment, 3))


@FUZZ
@given(text=st.text(max_size=200) | st.sampled_from(["[" * 5000, "{" * 100_000, '{"a": 1' + "0" * 5000 + "}"]))
@example(text='{"format": "gradsim-experiment", "version": 1, "seed": 1' + "0" * 5000 + "}")
@example(text='{"format": "gradsim-experiment", "version": 1, "surface_params": ' + "[" * 3000 + "]" * 3000 + "}")
def test_experiment_text(text):
    refused_clearly(lambda: Experiment.from_json(text))


# --- lessons --------------------------------------------------------------------------------------

def toml_value(value) -> str | None:
    """`value` written as TOML (None where TOML has no such value)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) < 2**63 else None
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        items = [toml_value(item) for item in value]
        return None if None in items else "[" + ", ".join(items) + "]"
    items = [(json.dumps(key), toml_value(item)) for key, item in value.items()]
    return None if any(v is None for _, v in items) else "{" + ", ".join(f"{k} = {v}" for k, v in items) + "}"


LESSON = {"title": "t", "goal": "g", "references": ["r"], "steps": [{
    "text": "x", "scene": {"problem": "quadratic", "runs": [{"name": "a", "optimizer": "sgd"}]},
    "action": {"kind": "run", "steps": 5}, "claims": [{"kind": "coordinate_range", "run": "a", "coordinate": 0,
                                                        "step": 3, "at_most": 10}]}]}
LESSON_PLACES = (("title",), ("steps", 0, "action"), ("steps", 0, "action", "steps"), ("steps", 0, "claims"),
                 ("steps", 0, "claims", 0), ("steps", 0, "claims", 0, "coordinate"), ("steps", 0, "claims", 0, "step"),
                 ("steps", 0, "claims", 0, "kind"), ("steps", 0, "scene", "runs"), ("steps", 0, "scene", "runs", 0),
                 ("steps", 0, "scene", "runs", 0, "name"), ("steps", 0, "scene", "runs", 0, "hparams"),
                 ("steps", 0, "scene", "start"), ("steps", 0, "scene", "grad_noise"), ("steps", 0, "scene", "seed"),
                 ("steps", 0, "scene", "schedule"), ("steps", 0, "scene", "clip"), ("steps", 0, "scene", "problem"),
                 ("steps", 0, "scene", "problem_params"), ("steps", 0, "scene", "panels"), ("steps", 0, "question"),
                 ("steps", 0, "scene", "view"), ("steps", 0), ("steps",), ("references",))


def lesson_with(place: tuple, value) -> str:
    document = json.loads(json.dumps(LESSON))
    target = document
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = value
    steps = document.pop("steps")
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in document.items()]
    if isinstance(steps, list) and all(isinstance(step, dict) for step in steps):
        for step in steps:
            lines.append("[[steps]]")
            lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in step.items()]
    else:
        lines.append(f'"steps" = {toml_value(steps)}')
    return "\n".join(lines) + "\n"


@FUZZ
@given(place=st.sampled_from(LESSON_PLACES), value=values.filter(lambda v: toml_value(v) is not None))
@example(place=("steps", 0, "action"), value=5)
@example(place=("steps", 0, "claims"), value=[1])
@example(place=("steps", 0, "scene", "runs"), value=[5])
@example(place=("steps", 0, "scene", "problem"), value=["quadratic"])
@example(place=("steps", 0, "claims", 0, "coordinate"), value=7)
@example(place=("steps", 0, "claims", 0, "step"), value=100000)
@example(place=("steps", 0, "scene", "start"), value=[math.nan, math.nan])
@example(place=("steps", 0, "scene", "grad_noise"), value=-1.0)
@example(place=("steps", 0, "scene", "schedule"), value="cosin")
@example(place=("steps", 0, "scene", "runs"), value=[{"name": f"r{i}", "optimizer": "sgd"} for i in range(9)])
def test_lesson_files(place, value):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "fuzzed.toml")
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(lesson_with(place, value))
        lesson = refused_clearly(lambda: load_lesson(path))
    if lesson is not None:
        for _, _, holds, seen in check_lesson(lesson):  # a claim holds or says why not; it never raises
            assert isinstance(holds, bool) and isinstance(seen, str)


# --- CSV datasets ------------------------------------------------------------------------------

cells = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-3, 12).map(str),
                  st.text(max_size=6), st.sampled_from(["1e300", "-1", "0.5", "", " ", "nan", "1" * 50]))


@FUZZ
@given(header=st.sampled_from(["x1,x2,label", "\ufeffx1,x2,label", "x,y", "X1, X2, Label", ""]),
       rows=st.lists(st.lists(cells, min_size=0, max_size=4), max_size=8),
       task=st.sampled_from(["classification", "regression"]), raw=st.binary(max_size=64) | st.none())
@example(header="x1,x2,label", rows=[["0", "0", "0"], ["1" * 200_000, "1", "1"]], task="classification", raw=None)
@example(header="\ufeffx1,x2,label", rows=[["0", "0", "0"], ["1", "1", "1"]], task="classification", raw=None)
@example(header="x1,x2,label", rows=[["0", "0", "1"], ["1", "1", "2"]], task="classification", raw=None)
@example(header="x1,x2,label", rows=[["0", "0", "0"], ["1", "1", "1e300"]], task="classification", raw=None)
def test_csv_files(header, rows, task, raw):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "data.csv")
        content = raw if raw is not None else ("\n".join([header, *(",".join(row) for row in rows)]) + "\n").encode()
        with open(path, "wb") as stream:
            stream.write(content)
        data = refused_clearly(lambda: make_dataset("csv", {"path": path, "task": task}))
    if data is not None:
        assert np.all(np.isfinite(data.X))
        if data.task == "classification":
            assert data.y.min() == 0 and set(np.unique(data.y)) == set(range(data.classes))


# --- formulas ------------------------------------------------------------------------------------

atoms = st.sampled_from(["x", "y", "pi", "e", "0", "1", "2", "-1", "0.5", "1e300", "10**400", "64", "65", "zoo",
                         "(x-x)", "__import__", "x.real"])
formulas = st.recursive(atoms, lambda inner: st.one_of(
    st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "^", "%"]), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
    st.tuples(st.sampled_from(sorted(FUNCTIONS) + ["eval", "log"]), inner).map(lambda t: f"{t[0]}({t[1]})")),
    max_leaves=10)


@settings(FUZZ, max_examples=400)
@given(text=formulas | st.text(max_size=40))
@example(text="x**2+y**2+log(-1)")
@example(text="sin(exp(exp(20)))*1")
@example(text="sin(exp(exp(100)))*1")
@example(text="tanh(" * 40 + "x" + ")" * 40)
@example(text="1/(x-x)")
def test_formulas_parse_or_are_refused(text):
    refused_clearly(lambda: parse_expression(text))


@settings(FUZZ, max_examples=40)
@given(text=formulas)
@example(text="x**2 + log(x - x - 1)")
def test_formulas_compile_and_evaluate_or_are_refused(text):
    surface = refused_clearly(lambda: get_surface("custom", {"expr": text}))
    if surface is not None:
        with np.errstate(all="ignore"):
            loss, grad = surface.loss_grad(np.array([0.3, -0.7]))
        assert np.isrealobj(loss) and np.isrealobj(grad)


# --- simulate ----------------------------------------------------------------------------------------

@settings(FUZZ, max_examples=200)
@given(surface=st.sampled_from(sorted(SURFACES)) | scalars, optimizer=st.sampled_from(sorted(OPTIMIZERS)) | scalars,
       lr=scalars, start=values, steps=st.integers(-2, 30) | scalars, grad_noise=scalars, seed=scalars,
       max_param_norm=scalars, schedule=values, clip=values, surface_params=values)
@example(surface="plateau", optimizer="sgd", lr=0.1, start=None, steps=5, grad_noise=0.0, seed=0, max_param_norm=1e6,
         schedule=None, clip=None, surface_params={"width": 5e-324})
@example(surface="quadratic", optimizer="sgd", lr=0.1, start=[1e300, 1e300], steps=5, grad_noise=0.0, seed=2**40,
         max_param_norm=1e200, schedule=None, clip=None, surface_params={"a": 0, "b": 0})
def test_simulate(surface, optimizer, lr, start, steps, grad_noise, seed, max_param_norm, schedule, clip,
                  surface_params):
    if surface == "custom":
        surface_params = {"expr": "x**2 + y**2"}
    hparams = {"lr": lr} if lr is not None else {}
    trace = refused_clearly(lambda: gradsim.simulate(
        surface, surface_params, optimizer, hparams, start, steps, schedule, clip, grad_noise, seed, max_param_norm))
    if trace is not None:
        assert trace.status in ("ok", "diverged")
        finite = trace.loss[: (trace.diverged_at if trace.diverged_at is not None else len(trace.loss))]
        assert np.all(np.isfinite(finite))


small_steps = st.integers(-2, 20) | st.sampled_from([10**7, 2.5, "x", None, math.nan])


@settings(FUZZ, max_examples=60)
@given(window=values, resolution=st.tuples(st.integers(-2, 6), st.integers(-2, 6)) | scalars, tol=scalars,
       radius=scalars, vary=values, start=values, steps=small_steps)
@example(window=None, resolution=(2, 2), tol=math.nan, radius=None, vary={"lr": [0.1]}, start=None, steps=3)
@example(window=None, resolution=(2, 2), tol=1e-6, radius=None, vary={"lr": [0.1]}, start=None, steps=10**7)
def test_basins_and_sweep(window, resolution, tol, radius, vary, start, steps):
    refused_clearly(lambda: gradsim.basins("quadratic", window=window, resolution=resolution, tol=tol, radius=radius,
                                           steps=steps))
    refused_clearly(lambda: gradsim.sweep("quadratic", vary=vary, start=start, tol=tol, steps=steps))
