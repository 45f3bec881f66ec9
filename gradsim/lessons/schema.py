"""The lesson file format (TOML), checked with errors that name the file and the field.

    title, goal, references = [...]
    [[steps]]
    text = "markdown subset"          # the setup, shown from the start; never the answer
    explanation = "markdown subset"   # optional: the reason, shown with the answer (or after the action)
    scene = {problem = "quadratic", problem_params = {...}, start = [x, y], panels = [...],
             view = [xmin, xmax, ymin, ymax], controls = ["transport", ...],
             runs = [{name = "gd", alias = "A", optimizer = "sgd", hparams = {lr = 0.05}}, ...]}
    # A run's `alias` is the neutral name legends and the run list show until the answer is revealed;
    # its `name` (used by the claims) from then on. If one run of a scene has an alias, all do.
    # or a network: dataset = "moons", dataset_params, model = {hidden, activation, loss, init},
    # batch_size, start = [the initial weights]; a run may set its own batch_size and model
    # (activation, loss, init, init_std).
    action = {kind = "run", steps = 50}          # or {kind = "wait"}, or
    action = {kind = "run_until", steps = 5000, until = {run = "gd", loss_below = 1e-6}}
    question = {prompt = "...", choices = [...], answer = 0,   # optional, asked before the action
                key_words = ["diverg"]}  # optional: word stems that would give the answer away
    claims = [{kind = "diverges_before", run = "gd", step = 200}, ...]
    # a scene on a surface may ask for the 3-D view and the arrows on the path:
    #   surface_view = {mode = "3d", arrows = ["gradient", "velocity", "parts", "lookahead", "box"]}
"""
from __future__ import annotations

import math
import pathlib
import tomllib
import warnings
from dataclasses import dataclass, field
from typing import Callable

from ..app.scales import MODES as SCALE_MODES
from ..core import checks
from ..core.optimizers import get_optimizer
from ..core.schedules import make_lr_fn
from ..core.simulate import make_network
from ..core.surfaces import get_surface
from ..core.stepper import resolve_clip
from ..experiment import MAX_RUNS, check_run_model
from ..paths import resource_path
from .claims import BOUNDED, CLAIMS

# The trajectory panel shows a network's decision boundary; "equation" is the update rule with this
# step's numbers.
PANELS = ("trajectory", "loss", "lr", "grad_norm", "accuracy", "equation")
# How the loss panel's axis is drawn (None: the panel chooses from the data): log, loss − f* on a log
# axis, symmetric log (for losses that go negative), linear.
LOSS_SCALES = tuple(mode for mode in SCALE_MODES if mode != "auto")
# The theory a quadratic scene may draw beside the measurement (gradsim.core.theory): the predicted
# per-step envelope of the distance to the minimum for gradient descent, the heavy ball (momentum)
# and Nesterov runs, and the Hessian's eigen-directions on the contours.
THEORIES = ("gd_envelope", "heavy_ball_envelope", "nesterov_envelope", "eigen_directions")
# What presenter mode shows of the controls: play/step/reset, the speed slider, the timeline, the
# run editors (to change a rate in front of the class).
CONTROLS = ("transport", "speed", "timeline", "editors")


class LessonError(ValueError):
    """A lesson file that does not follow the format; the message names the file and field."""


@dataclass(frozen=True)
class RunSpec:
    name: str
    optimizer: str
    hparams: dict
    alias: str | None = None  # the neutral name shown until the step's answer is revealed
    batch_size: int | None = None  # a network run's own batch size (else the scene's)
    model: dict = field(default_factory=dict)  # a network run's own loss, activation or initialization
    schedule: dict | None = None  # the run's own learning-rate schedule (else the scene's)


@dataclass(frozen=True)
class Scene:
    problem: str | None  # a surface, or None for a network on `dataset`
    problem_params: dict
    start: tuple[float, ...] | None  # a point, or a network's initial weights
    runs: tuple[RunSpec, ...]
    panels: tuple[str, ...] = ("trajectory", "loss", "lr", "grad_norm")
    schedule: dict | None = None
    clip: dict | None = None
    grad_noise: float = 0.0
    seed: int = 0
    dataset: str | None = None
    dataset_params: dict = field(default_factory=dict)
    model: dict = field(default_factory=dict)
    batch_size: int | None = None
    view: tuple[float, float, float, float] | None = None  # the trajectory panel's window
    controls: tuple[str, ...] = ("transport", "timeline")
    loss_scale: str | None = None  # "log", "linear" or "symlog"; None: the panel chooses
    theory: tuple[str, ...] = ()  # of THEORIES, drawn beside the runs on a quadratic
    boundary_lines: tuple[str, ...] = ()  # runs whose decision boundary is drawn as a line (a network)
    selected: str | None = None  # the run selected at the start (its boundary is the filled one)
    surface_view: dict | None = None  # {"mode": "2d"|"3d", "arrows": [of SURFACE_ARROWS]} (a surface)

    def shown_names(self, revealed: bool) -> list[str]:
        """What legends and the run list call the runs: aliases until the answer is revealed."""
        return [run.name if revealed or run.alias is None else run.alias for run in self.runs]


@dataclass(frozen=True)
class Step:
    text: str
    scene: Scene
    action: dict
    question: dict | None
    claims: tuple[dict, ...] = ()
    explanation: str = ""  # the reason, shown with the answer (or, without a question, after the action)


@dataclass(frozen=True)
class Lesson:
    path: pathlib.Path
    title: str
    goal: str
    references: tuple[str, ...]
    steps: tuple[Step, ...] = field(default_factory=tuple)


def load_lessons(folder: pathlib.Path | None = None, on_error: Callable[[str], None] | None = None) -> list[Lesson]:
    """Every lesson of `folder` (the shipped lessons by default). A file that does not load is left
    out and its LessonError (naming the file and the reason) goes to `on_error` (default: a warning),
    so one broken file never keeps the others, or the app, from opening."""
    folder = folder or resource_path("lessons")
    lessons = []
    for path in sorted(pathlib.Path(folder).glob("*.toml")):
        try:
            lessons.append(load_lesson(path))
        except LessonError as error:
            (on_error or _warn)(f"lesson skipped: {error}")
    return lessons


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


def load_lesson(path: str | pathlib.Path) -> Lesson:
    path = pathlib.Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise LessonError(f"{path.name}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise LessonError(f"{path.name}: not valid TOML: {error}") from None
    except RecursionError:
        raise LessonError(f"{path.name}: not valid TOML: nested too deeply") from None

    def fail(where: str, problem: str):
        raise LessonError(f"{path.name}: {where}: {problem}")

    def text(mapping, key, where):
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            fail(f"{where}.{key}" if where else key, "must be non-empty text")
        return value.strip()

    title, goal = text(document, "title", ""), text(document, "goal", "")
    references = document.get("references")
    if not isinstance(references, list) or not references or not all(isinstance(r, str) for r in references):
        fail("references", "must be a non-empty list of texts")
    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps or not all(isinstance(raw, dict) for raw in raw_steps):
        fail("steps", "must be a non-empty list of [[steps]]")
    steps = []
    for i, raw in enumerate(raw_steps, start=1):
        where = f"steps[{i}]"
        unknown = set(raw) - {"text", "explanation", "scene", "action", "question", "claims"}
        if unknown:
            fail(where, f"unknown field(s) {', '.join(sorted(unknown))}")
        scene, dim = _scene(raw.get("scene"), f"{where}.scene", fail)
        run_names = {run.name for run in scene.runs}
        action = raw.get("action", {"kind": "wait"})
        if not isinstance(action, dict):
            fail(f"{where}.action", "must be a table such as {kind = \"run\", steps = 50}")
        unknown = set(action) - {"kind", "steps", "until", "pause_at"}
        if unknown:
            fail(f"{where}.action", f"unknown field(s) {', '.join(sorted(unknown))}")
        if action.get("kind") in ("run", "run_until"):
            if (not isinstance(action.get("steps"), int) or isinstance(action["steps"], bool)
                    or not 1 <= action["steps"] <= 100_000):
                fail(f"{where}.action.steps", "must be a whole number from 1 to 100000 (the limit)")
            until = action.get("until")
            if action["kind"] == "run_until":
                if (not isinstance(until, dict) or until.get("run") not in run_names or len(until) != 2
                        or not set(until) - {"run"} <= {"loss_below", "accuracy_at_least"}
                        or not all(checks.is_number(v) and math.isfinite(v) for k, v in until.items() if k != "run")):
                    fail(f"{where}.action.until", "must be { run = <a run of the scene>, loss_below = v } "
                                                  "or { run = ..., accuracy_at_least = v }")
                if "accuracy_at_least" in until and scene.dataset is None:
                    fail(f"{where}.action.until", "accuracy_at_least is for a network scene")
            elif until is not None:
                fail(f"{where}.action.until", "belongs to kind = 'run_until'")
            pause_at = action.get("pause_at")
            if pause_at is not None and (action["kind"] != "run" or isinstance(pause_at, bool)
                                         or not isinstance(pause_at, int) or not 1 <= pause_at < action["steps"]):
                fail(f"{where}.action.pause_at", f"must be a step from 1 to {action['steps'] - 1}, "
                                                 "for kind = 'run'")
        elif action.get("kind") != "wait":
            fail(f"{where}.action.kind", "must be 'run', 'run_until' or 'wait'")
        question = raw.get("question")
        if question is not None:
            if not isinstance(question, dict):
                fail(f"{where}.question", "must be a table {prompt = ..., choices = [...], answer = 0}")
            choices = question.get("choices")
            if (not isinstance(question.get("prompt"), str) or not isinstance(choices, list) or len(choices) < 2
                    or not all(isinstance(choice, str) for choice in choices)):
                fail(f"{where}.question", "needs a prompt and at least two choices (texts)")
            if (not isinstance(question.get("answer"), int) or isinstance(question["answer"], bool)
                    or not 0 <= question["answer"] < len(choices)):
                fail(f"{where}.question.answer", f"must be the index of a choice, 0 to {len(choices) - 1}")
            key_words = question.get("key_words", [])
            if not isinstance(key_words, list) or not all(isinstance(w, str) and w.strip() for w in key_words):
                fail(f"{where}.question.key_words", "must be a list of words")
            unknown = set(question) - {"prompt", "choices", "answer", "key_words"}
            if unknown:
                fail(f"{where}.question", f"unknown field(s) {', '.join(sorted(unknown))}")
        claims = raw.get("claims", [])
        if not isinstance(claims, list) or not all(isinstance(claim, dict) for claim in claims):
            fail(f"{where}.claims", "must be a list of tables {kind = ..., run = ..., ...}")
        if action.get("kind") == "wait" and claims:
            fail(f"{where}.claims", "a step that does not run cannot make claims")
        for j, claim in enumerate(claims, start=1):
            kind = claim.get("kind")
            if not isinstance(kind, str) or kind not in CLAIMS:
                fail(f"{where}.claims[{j}].kind", f"unknown claim '{kind}'; known: {', '.join(CLAIMS)}")
            for key in ("run", "other"):
                if key in claim and not isinstance(claim[key], str):
                    fail(f"{where}.claims[{j}].{key}", "must be the name of a run of the scene")
                if key in claim and claim[key] not in run_names:
                    fail(f"{where}.claims[{j}].{key}", f"no run named '{claim[key]}' in the scene")
            missing = [key for key in CLAIMS[kind].fields if key not in claim]
            if missing:
                fail(f"{where}.claims[{j}]", f"claim '{kind}' needs {', '.join(missing)}")
            if kind in BOUNDED and not {"at_most", "at_least"} & set(claim):
                fail(f"{where}.claims[{j}]", f"claim '{kind}' needs at_most or at_least")
            problem = _claim_problem(claim, dim, action)
            if problem:
                fail(f"{where}.claims[{j}].{problem[0]}", problem[1])
        explanation = raw.get("explanation", "")
        if not isinstance(explanation, str):
            fail(f"{where}.explanation", "must be text")
        steps.append(Step(text(raw, "text", where), scene, action, question, tuple(claims), explanation.strip()))
    return Lesson(path, title, goal, tuple(references), tuple(steps))


def _scene(raw, where: str, fail) -> Scene:
    if not isinstance(raw, dict):
        fail(where, "missing")
    unknown = set(raw) - {"problem", "problem_params", "dataset", "dataset_params", "model", "batch_size", "start",
                          "runs", "panels", "controls", "view", "schedule", "clip", "grad_noise", "seed",
                          "loss_scale", "theory", "boundary_lines", "selected", "surface_view"}
    if unknown:
        fail(where, f"unknown field(s) {', '.join(sorted(unknown))}")
    def checked(field: str, check, *args, **options):
        try:
            return check(*args, **options)
        except ValueError as error:
            fail(f"{where}.{field}", str(error))

    problem = checked("problem", checks.optional_name, "problem", raw.get("problem"))
    params = checked("problem_params", checks.table, "problem_params", raw.get("problem_params"), optional=True)
    dataset = checked("dataset", checks.optional_name, "dataset", raw.get("dataset"))
    dataset_params = checked("dataset_params", checks.table, "dataset_params", raw.get("dataset_params"),
                             optional=True)
    scene_model = checked("model", checks.table, "model", raw.get("model"), optional=True)
    if (problem is None) == (dataset is None):
        fail(where, "needs either a problem (a surface) or a dataset (a network), not both")
    seed = checked("seed", checks.seed, raw.get("seed", 0))
    grad_noise = checked("grad_noise", checks.grad_noise, raw.get("grad_noise", 0.0))
    scene_schedule, clip = raw.get("schedule"), raw.get("clip")
    checked("schedule", make_lr_fn, scene_schedule)
    checked("clip", resolve_clip, clip)
    scene_batch = raw.get("batch_size")
    if scene_batch is not None:
        checked("batch_size", checks.whole, "batch_size", scene_batch, 1, checks.MAX_BATCH)
    raw_runs = checked("runs", checks.tables, "runs", raw.get("runs", []))
    if len(raw_runs) > MAX_RUNS:
        fail(f"{where}.runs", f"a scene has 1 to {MAX_RUNS} runs, got {len(raw_runs)}")
    dim = 2
    try:
        if dataset is None:
            get_surface(problem, params)
        else:
            dim = make_network(dataset, dataset_params, scene_model, scene_batch, seed)[0].dim
    except ValueError as error:
        fail(f"{where}.{'problem' if dataset is None else 'dataset'}", str(error))
    start = raw.get("start")
    if start is not None and (not isinstance(start, list) or len(start) != dim):
        fail(f"{where}.start", "must be [x, y]" if dataset is None else
             f"must list the network's {dim} initial weights (each layer's W row by row, then b)")
    if start is not None:
        start = checked("start", checks.numbers, "start", start, dim)
    runs = []
    for k, run in enumerate(raw_runs, start=1):
        name = run.get("name")
        if not isinstance(name, str) or not name:
            fail(f"{where}.runs[{k}].name", "must be text")
        unknown = set(run) - {"name", "alias", "optimizer", "hparams", "batch_size", "model", "schedule"}
        if unknown:
            fail(f"{where}.runs[{k}]", f"unknown field(s) {', '.join(sorted(unknown))}")
        try:
            hparams = get_optimizer(checks.name("optimizer", run.get("optimizer"))).resolve(
                checks.table("hparams", run.get("hparams"), optional=True))
        except ValueError as error:
            fail(f"{where}.runs[{k}]", str(error))
        batch_size = run.get("batch_size")
        if batch_size is not None and (not checks.is_whole(batch_size) or isinstance(batch_size, float)
                                       or batch_size < 1 or dataset is None):
            fail(f"{where}.runs[{k}].batch_size", "is a whole number ≥ 1, for a network scene")
        model = run.get("model", {})
        if model:
            if dataset is None or not isinstance(model, dict):
                fail(f"{where}.runs[{k}].model", "is a table of network settings, for a network scene")
            try:
                check_run_model(model)
                own = make_network(dataset, dataset_params, {**scene_model, **model},
                                   batch_size or scene_batch, seed)[0]
            except ValueError as error:
                fail(f"{where}.runs[{k}].model", str(error))
            if start is not None and own.dim != dim:
                fail(f"{where}.runs[{k}].model", f"gives {own.dim} weights; the scene's start has {dim}")
        alias = run.get("alias")
        if alias is not None and (not isinstance(alias, str) or not alias.strip()):
            fail(f"{where}.runs[{k}].alias", "must be text")
        schedule = run.get("schedule")
        if schedule is not None:
            try:
                make_lr_fn(schedule)
            except (ValueError, TypeError) as error:
                fail(f"{where}.runs[{k}].schedule", str(error))
        runs.append(RunSpec(name, run["optimizer"], hparams, alias, batch_size, dict(model), schedule))
    if not runs:
        fail(f"{where}.runs", "needs at least one run")
    if len({r.name for r in runs}) != len(runs):
        fail(f"{where}.runs", "run names must differ")
    aliases = [r.alias for r in runs if r.alias is not None]
    if aliases and (len(aliases) != len(runs) or len(set(aliases)) != len(aliases)):
        fail(f"{where}.runs", "if one run has an alias, every run needs one, and aliases must differ")
    names = {r.name for r in runs}
    loss_scale = raw.get("loss_scale")
    if loss_scale is not None and (not isinstance(loss_scale, str) or loss_scale not in LOSS_SCALES):
        fail(f"{where}.loss_scale", f"must be one of {', '.join(LOSS_SCALES)}")
    theory = raw.get("theory", [])
    if (not isinstance(theory, list) or not all(isinstance(t, str) for t in theory)
            or not set(theory) <= set(THEORIES)):
        fail(f"{where}.theory", f"must list some of {', '.join(THEORIES)}")
    if theory and problem != "quadratic":
        fail(f"{where}.theory", "is drawn on a quadratic (the Hessian is the same everywhere)")
    boundary_lines = raw.get("boundary_lines", [])
    if (not isinstance(boundary_lines, list) or not all(isinstance(b, str) for b in boundary_lines)
            or not set(boundary_lines) <= names):
        fail(f"{where}.boundary_lines", "must list runs of the scene")
    if boundary_lines and dataset is None:
        fail(f"{where}.boundary_lines", "are drawn for a network on a dataset")
    selected = raw.get("selected")
    if selected is not None and (not isinstance(selected, str) or selected not in names):
        fail(f"{where}.selected", f"no run named {selected!r} in the scene")
    panels = tuple(checked("panels", checks.names, "panels", raw.get("panels", list(Scene.panels))))
    if not set(panels) <= set(PANELS):
        fail(f"{where}.panels", f"unknown panel(s) {sorted(set(panels) - set(PANELS))}; known: {', '.join(PANELS)}")
    controls = tuple(checked("controls", checks.names, "controls", raw.get("controls", list(Scene.controls))))
    if not set(controls) <= set(CONTROLS):
        fail(f"{where}.controls",
             f"unknown control(s) {sorted(set(controls) - set(CONTROLS))}; known: {', '.join(CONTROLS)}")
    view = raw.get("view")
    if view is not None:
        if (not isinstance(view, list) or len(view) != 4
                or not all(checks.is_number(v) and math.isfinite(v) for v in view)
                or not (view[0] < view[1] and view[2] < view[3])):
            fail(f"{where}.view", "must be [xmin, xmax, ymin, ymax] with xmin < xmax and ymin < ymax")
        view = tuple(float(v) for v in view)
    surface_view = _surface_view(raw.get("surface_view"), f"{where}.surface_view", fail, dataset is None)
    return Scene(problem, params, start if start else None, tuple(runs), panels, scene_schedule, clip, grad_noise, seed,
                 dataset, dataset_params, scene_model, scene_batch, view, controls, loss_scale, tuple(theory),
                 tuple(boundary_lines), selected, surface_view=surface_view), dim


# Claim fields by what they hold: an index into the parameters, a step of the action, a number.
_COORDINATE_FIELDS = ("coordinate",)
_INDEX_FIELDS = ("numerator", "denominator", "layer")
_STEP_FIELDS = ("step", "steps", "from", "to", "last")
_NUMBER_FIELDS = ("value", "tolerance", "at_most", "at_least", "factor", "rtol", "length")


def _claim_problem(claim: dict, dim: int, action: dict) -> tuple[str, str] | None:
    """(field, what is wrong) for the first claim field of the wrong kind or out of range, or None:
    a coordinate the parameters do not have, or a step past the action's end, is refused at load
    rather than found by an IndexError when the claim is checked."""
    for key in ("run", "other"):
        if key in claim and not isinstance(claim[key], str):
            return key, "must be the name of a run of the scene"
    last_step = action.get("steps", 0)
    for key, value in claim.items():
        if key in _COORDINATE_FIELDS and not (checks.is_whole(value) and 0 <= value < dim):
            return key, f"must be a coordinate from 0 to {dim - 1}, got {checks._shown(value)}"
        if key in _INDEX_FIELDS and not (checks.is_whole(value) and 0 <= value < dim):
            return key, f"must be a whole number from 0 to {dim - 1}, got {checks._shown(value)}"
        if key in _STEP_FIELDS and not (checks.is_whole(value) and 0 <= value <= last_step):
            return key, f"must be a step from 0 to {last_step} (the action's steps), got {checks._shown(value)}"
        values = value if key == "value" and isinstance(value, list) else [value]  # a value may be a point
        if key in _NUMBER_FIELDS and not all(checks.is_number(v) and math.isfinite(v) for v in values):
            return key, f"must be a finite number, got {checks._shown(value)}"
    return None


SURFACE_ARROWS = ("gradient", "velocity", "parts", "lookahead", "box")


def _surface_view(raw, where: str, fail, surface: bool) -> dict | None:
    """A scene's 3-D view and arrows on the path (the surface bar's switches), checked."""
    if raw is None:
        return None
    if not surface:
        fail(where, "is for a scene on a surface")
    if not isinstance(raw, dict) or not set(raw) <= {"mode", "arrows"}:
        fail(where, "must be {mode = '2d' or '3d', arrows = [...]}")
    if raw.get("mode", "2d") not in ("2d", "3d"):
        fail(f"{where}.mode", "must be '2d' or '3d'")
    arrows = raw.get("arrows", [])
    if (not isinstance(arrows, list) or not all(isinstance(a, str) for a in arrows)
            or not set(arrows) <= set(SURFACE_ARROWS)):
        fail(f"{where}.arrows", f"must list some of {', '.join(SURFACE_ARROWS)}")
    return {"mode": raw.get("mode", "2d"), "arrows": list(arrows)}
