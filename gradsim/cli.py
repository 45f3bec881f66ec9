"""The command line: `gradsim` starts the app; `run`, `basins`, `sweep` and `list` work headless;
`handout` writes a lesson's handout (its figures drawn by the app's panels off screen).

Bad input exits with status 2 and one line on stderr, and writes no file. A
run that diverges is not an error: it exits 0, writes its finite rows and
says at which step it diverged. `basins` and `sweep` show a progress bar on
a terminal (tqdm) and write CSV, NPZ (basins) or a PNG drawn with Pillow.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
from typing import Sequence

import numpy as np

from . import __version__
from .files import write_atomically
from .app.defaults import rate_for
from .core import OPTIMIZERS, SCHEDULES, SURFACES, Trace, basins, get_surface, simulate, sweep
from .core.datasets import DATASETS
from .core.mlp import ACTIVATIONS, INITS, LOSSES

CSV_HEADER = ("step", "x", "y", "loss", "grad_x", "grad_y", "lr_x", "lr_y")

# Options whose value may start with '-' (a negative number), which argparse would take for an option.
_VALUE_OPTIONS = ("--start", "--steps", "--seed", "--clip-norm", "--clip-value", "--grad-noise",
                  "--max-param-norm", "--batch-size", "--init-std", "--window", "--vary", "--tol", "--radius")


class UsageError(Exception):
    """Bad command-line input: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="gradsim", description="GradSim: see how gradient-based optimizers move. "
                     "With no command, opens the desktop app.")
    parser.add_argument("--version", action="version", version=f"gradsim {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = commands.add_parser("run", help="run one optimizer headless and write its trace as CSV or JSON")
    _add_run_options(run, steps="1000", optimizer="momentum")
    run.add_argument("--start", metavar="X,Y", help="start point (default: the surface's)")
    run.add_argument("--out", metavar="FILE", help="write FILE.csv or FILE.json (default: CSV on stdout)")
    net = run.add_argument_group("networks (instead of --surface)")
    net.add_argument("--dataset", help="train a network on this dataset (see 'gradsim list')")
    net.add_argument("--dataset-param", action="append", default=[], metavar="K=V",
                     help="dataset option, e.g. n=500, noise=0.2, test_fraction=0.2, path=FILE.csv; repeatable")
    net.add_argument("--hidden", default="16", metavar="N,N,...", help="hidden layer sizes (default 16; 0 for none)")
    net.add_argument("--activation", default="tanh", help="hidden activation (default tanh)")
    net.add_argument("--loss", default=None, help="bce, sigmoid_mse, perceptron, mse or ce (default: bce, ce for 3+ classes, mse for regression)")
    net.add_argument("--init", default="xavier", help="initialization (default xavier)")
    net.add_argument("--init-std", default="0.1", metavar="S", help="std of the 'normal' initialization")
    net.add_argument("--batch-size", metavar="M", help="mini-batch size (default: all data; 1 is online SGD)")

    basin = commands.add_parser("basins", help="where the optimizer ends from every start of a window: a basin map")
    _add_run_options(basin, steps="500", optimizer="adam")
    basin.add_argument("--window", metavar="X0,X1,Y0,Y1", help="the window of starts (default: the surface's view)")
    basin.add_argument("--resolution", default="128", metavar="N or NXxNY", help="starts per side (default 128)")
    basin.add_argument("--tol", default="1e-6", metavar="T",
                       help="converged when loss - f(minimum) <= T (or |grad f| <= T without known minima)")
    basin.add_argument("--radius", metavar="R", help="how near a minimum a run must end (default 2%% of the diagonal)")
    basin.add_argument("--out", metavar="FILE", help="write FILE.png, FILE.csv or FILE.npz (default: CSV on stdout)")

    sweep = commands.add_parser("sweep", help="final loss and steps to tolerance across hyperparameter values")
    _add_run_options(sweep, steps="200")
    sweep.add_argument("--start", metavar="X,Y", help="start point (default: the surface's)")
    sweep.add_argument("--vary", action="append", default=[], metavar="NAME=LO:HI:N[:log]",
                       help="a hyperparameter and its values, e.g. lr=1e-4:1:100:log; once or twice")
    sweep.add_argument("--tol", default="1e-6", metavar="T",
                       help="converged when loss - f* <= T (or |grad f| <= T without known minima)")
    sweep.add_argument("--out", metavar="FILE", help="write FILE.csv or FILE.png (default: CSV on stdout)")

    commands.add_parser("list", help="list surfaces, optimizers with their hyperparameters, schedules, datasets")

    handout = commands.add_parser("handout", help="a lesson as a handout: PDF, or Markdown with PNG figures")
    handout.add_argument("lesson", help="the lesson: its number (9), its file's name (09_adam) or a lesson file")
    handout.add_argument("--out", required=True, metavar="FILE.pdf|FILE.md|DIR/",
                         help="write FILE.pdf, or FILE.md with FILE-answers.md and FILE-step-NN.png (into DIR/: "
                              "DIR/<lesson>.md and the rest)")
    return parser


def _add_run_options(parser, steps: str = "100", optimizer: str = "sgd") -> None:
    """The options every surface command shares: the problem, the optimizer and how it steps."""
    parser.add_argument("--surface", default="rosenbrock", help="loss surface (see 'gradsim list')")
    parser.add_argument("--surface-param", action="append", default=[], metavar="K=V",
                        help="surface parameter, e.g. b=100 or expr='x**2 + y**2'; repeatable")
    parser.add_argument("--optimizer", default=optimizer, help=f"optimizer (default {optimizer}; see 'gradsim list')")
    parser.add_argument("--hp", action="append", default=[], metavar="K=V",
                        help="optimizer hyperparameter, e.g. lr=0.01; repeatable (run: lr defaults to a rate "
                             "that works on the surface)")
    parser.add_argument("--steps", default=steps, help=f"number of updates (default {steps})")
    parser.add_argument("--schedule", metavar="NAME[:K=V,...]",
                        help="learning-rate schedule, e.g. cosine:t_max=200,lr_min=0.001,warmup=10")
    clip = parser.add_mutually_exclusive_group()
    clip.add_argument("--clip-norm", metavar="C", help="clip the gradient to norm C")
    clip.add_argument("--clip-value", metavar="C", help="clip each gradient component to [-C, C]")
    parser.add_argument("--grad-noise", default="0", metavar="S", help="std of Gaussian noise added to each gradient")
    parser.add_argument("--seed", metavar="N", help="seed of the gradient noise")
    parser.add_argument("--max-param-norm", default="1e6", metavar="B",
                        help="a run whose parameter norm passes B has diverged (default 1e6)")


def main(argv: Sequence[str] | None = None) -> int:
    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            return _start_app()
        if args.command == "list":
            sys.stdout.write(list_text())
            return 0
        if args.command == "basins":
            return _basins(args)
        if args.command == "sweep":
            return _sweep(args)
        if args.command == "handout":
            return _handout(args)
        return _run(args)
    except UsageError as error:
        print(f"gradsim: error: {error}", file=sys.stderr)
        return 2


def _run(args) -> int:
    out = _check_out(args.out, (".csv", ".json"))
    if args.dataset is not None:
        return _run_network(args, out)
    try:
        options = _common(args)
        if "lr" not in options["hparams"]:  # a rate that works on this surface, not one tuned for another
            lr = rate_for(get_surface(options["surface"], options["surface_params"]).rates, options["optimizer"])
            options["hparams"] = {**options["hparams"], **({"lr": lr} if lr is not None else {})}
        trace = simulate(**options, start=_point(args.start) if args.start is not None else None)
    except ValueError as error:
        raise UsageError(str(error)) from None
    text = trace_json(trace) if out and out.lower().endswith(".json") else trace_csv(trace)
    return _write(trace, text, out)


def _run_network(args, out) -> int:
    try:
        hidden = [] if args.hidden.strip() in ("", "0") else [_integer(h, "--hidden") for h in args.hidden.split(",")]
        dataset_params = _pairs(args.dataset_param, "--dataset-param")
        loss = args.loss or _default_loss(args.dataset, dataset_params)
        trace = simulate(
            dataset=args.dataset, dataset_params=dataset_params,
            model={"hidden": hidden, "activation": args.activation, "loss": loss, "init": args.init,
                   "init_std": _number(args.init_std, "--init-std")},
            batch_size=_integer(args.batch_size, "--batch-size") if args.batch_size is not None else None,
            optimizer=args.optimizer, hparams=_pairs(args.hp, "--hp"), steps=_integer(args.steps, "--steps"),
            schedule=_schedule(args.schedule), clip=_clip(args), grad_noise=_number(args.grad_noise, "--grad-noise"),
            seed=_integer(args.seed, "--seed") if args.seed is not None else 0,
            max_param_norm=_number(args.max_param_norm, "--max-param-norm"))
    except ValueError as error:
        raise UsageError(str(error)) from None
    text = network_json(trace) if out and out.lower().endswith(".json") else network_csv(trace)
    return _write(trace, text, out)


def _common(args) -> dict:
    """The options `run`, `basins` and `sweep` share, parsed for the engine."""
    return dict(surface=args.surface, surface_params=_pairs(args.surface_param, "--surface-param"),
                optimizer=args.optimizer, hparams=_pairs(args.hp, "--hp"), steps=_integer(args.steps, "--steps"),
                schedule=_schedule(args.schedule), clip=_clip(args), grad_noise=_number(args.grad_noise, "--grad-noise"),
                seed=_integer(args.seed, "--seed") if args.seed is not None else None,
                max_param_norm=_number(args.max_param_norm, "--max-param-norm"))


def _basins(args) -> int:
    out = _check_out(args.out, (".png", ".csv", ".npz"))
    try:
        kwargs = _common(args)
        nx, ny = _resolution(args.resolution)
        with _progress_bar(nx * ny, "starts") as progress:
            result = basins(**kwargs, window=_window(args.window) if args.window else None, resolution=(nx, ny),
                            tol=_number(args.tol, "--tol"),
                            radius=_number(args.radius, "--radius") if args.radius is not None else None,
                            progress=progress)
    except ValueError as error:
        raise UsageError(str(error)) from None
    kind = out.lower().rsplit(".", 1)[-1] if out else "csv"
    if kind == "png":
        from .render import basin_png
        content = basin_png(result)
    elif kind == "npz":
        content = basin_npz(result)
    else:
        content = basin_csv(result)
    _write_content(content, out)
    return 0


def _sweep(args) -> int:
    out = _check_out(args.out, (".png", ".csv"))
    if not args.vary:
        raise UsageError("sweep needs --vary NAME=LO:HI:N[:log], e.g. --vary lr=1e-4:1:100:log")
    if len(args.vary) > 2:
        raise UsageError("sweep varies one or two hyperparameters: give --vary once or twice")
    try:
        kwargs = _common(args)
        vary = dict(_vary(text) for text in args.vary)
        if len(vary) < len(args.vary):
            raise UsageError("--vary names the same hyperparameter twice")
        total = int(np.prod([len(values) for values in vary.values()]))
        with _progress_bar(total, "settings") as progress:
            result = sweep(**kwargs, vary=vary, start=_point(args.start) if args.start is not None else None,
                           tol=_number(args.tol, "--tol"), progress=progress)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if out and out.lower().endswith(".png"):
        from .render import sweep_png
        content = sweep_png(result, log_axes=tuple(text.rstrip().lower().endswith(":log") for text in args.vary))
    else:
        content = sweep_csv(result)
    _write_content(content, out)
    return 0


def _check_out(out: str | None, suffixes: tuple[str, ...]) -> str | None:
    if out is not None and not out.lower().endswith(suffixes):
        raise UsageError(f"--out must name a {', '.join(suffixes[:-1])} or {suffixes[-1]} file, got '{out}'")
    return out


def _write_content(content: str | bytes, out: str | None) -> None:
    if out is None:
        sys.stdout.write(content)
        return
    try:
        write_atomically(out, content)
    except OSError as error:
        raise UsageError(f"cannot write '{out}': {error.strerror or error}") from None


@contextlib.contextmanager
def _progress_bar(total: int, unit: str):
    """A tqdm bar on stderr while the engine works (hidden when stderr is not a terminal)."""
    from tqdm import tqdm
    with tqdm(total=total, unit=f" {unit}", disable=None, leave=False, file=sys.stderr) as bar:
        def progress(done: int, _total: int) -> None:
            bar.update(done - bar.n)
        yield progress


def _default_loss(dataset: str, params: dict) -> str:
    if dataset == "sine" or (dataset == "csv" and params.get("task") == "regression"):
        return "mse"
    if dataset in ("spirals", "blobs") and int(float(params.get("classes", 2 if dataset == "spirals" else 3))) > 2:
        return "ce"
    return "bce"


def _write(trace: Trace, text: str, out: str | None) -> int:
    _write_content(text, out)
    if trace.status == "diverged":
        print(f"gradsim: diverged at step {trace.diverged_at}", file=sys.stderr)
    return 0


def _handout(args) -> int:
    lesson = _lesson(args.lesson)
    out = args.out
    if not (out.lower().endswith((".pdf", ".md")) or out.endswith(("/", os.sep)) or os.path.isdir(out)):
        raise UsageError(f"--out: a handout is FILE.pdf, FILE.md or a folder ending in /, not '{out}'")
    try:
        from .gui import write_handout  # Qt draws the figures (off screen) and writes the PDF
    except ImportError as error:
        print(f"gradsim: a handout needs the desktop app's libraries ({error})", file=sys.stderr)
        return 1
    try:
        written = write_handout(lesson, out)
    except OSError as error:
        raise UsageError(f"cannot write {out}: {error.strerror or error}") from None
    for path in written:
        print(path)
    return 0


def _lesson(name: str):
    """A lesson by its number, its file's name (with or without the number), or a lesson file's path."""
    from .lessons import LessonError, load_lesson, load_lessons
    if name.lower().endswith(".toml"):
        try:
            return load_lesson(name)
        except LessonError as error:
            raise UsageError(str(error)) from None
    lessons = load_lessons()
    for lesson in lessons:
        stem = lesson.path.stem
        number, _, rest = stem.partition("_")
        if name in (stem, rest) or (name.isdigit() and number.isdigit() and int(name) == int(number)):
            return lesson
    known = ", ".join(lesson.path.stem for lesson in lessons)
    raise UsageError(f"unknown lesson '{name}'; the lessons are {known}")


def _start_app() -> int:
    try:
        from .gui import main as app_main
    except ImportError as error:
        print(f"gradsim: the desktop app cannot start ({error}); 'gradsim run --help' works headless",
              file=sys.stderr)
        return 1
    return app_main()


# --- parsing ---------------------------------------------------------------------------------

def _join_negative_values(argv: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(argv):
        if argv[i] in _VALUE_OPTIONS and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def _pairs(items: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{option} expects K=V, got '{item}'")
        pairs[key.strip()] = value.strip()
    return pairs


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{option} expects a number, got '{text}'") from None


def _integer(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"{option} expects a whole number, got '{text}'") from None


def _point(text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise UsageError(f"--start expects X,Y, got '{text}'")
    return (_number(parts[0], "--start"), _number(parts[1], "--start"))


def _window(text: str) -> tuple[tuple[float, float], tuple[float, float]]:
    parts = text.split(",")
    if len(parts) != 4:
        raise UsageError(f"--window expects X0,X1,Y0,Y1, got '{text}'")
    x0, x1, y0, y1 = (_number(part, "--window") for part in parts)
    return (x0, x1), (y0, y1)


def _resolution(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    if len(parts) not in (1, 2):
        raise UsageError(f"--resolution expects N or NXxNY, got '{text}'")
    sizes = [_integer(part, "--resolution") for part in parts]
    return (sizes[0], sizes[-1])


def _vary(text: str) -> tuple[str, np.ndarray]:
    """NAME=LO:HI:N[:log] as the N values, evenly spaced (or evenly on a log scale)."""
    name, sep, spec = text.partition("=")
    parts = spec.split(":")
    if not sep or not name.strip() or len(parts) not in (3, 4) or (len(parts) == 4 and parts[3].strip().lower() not in ("log", "lin")):
        raise UsageError(f"--vary expects NAME=LO:HI:N or NAME=LO:HI:N:log, got '{text}'")
    low, high = _number(parts[0], "--vary"), _number(parts[1], "--vary")
    count = _integer(parts[2], "--vary")
    if not 1 <= count <= 10_000:
        raise UsageError(f"--vary takes 1 to 10000 values, got {count}")
    if len(parts) == 4 and parts[3].strip().lower() == "log":
        if not (low > 0 and high > 0):
            raise UsageError(f"--vary with :log needs positive bounds, got '{text}'")
        return name.strip(), np.geomspace(low, high, count)
    return name.strip(), np.linspace(low, high, count)


def _schedule(text: str | None) -> dict | None:
    if text is None:
        return None
    name, _, rest = text.partition(":")
    config = {"name": name.strip()}
    if rest.strip():
        config.update(_pairs(rest.split(","), "--schedule"))
    return config


def _clip(args) -> dict | None:
    if args.clip_norm is not None:
        return {"norm": _number(args.clip_norm, "--clip-norm")}
    if args.clip_value is not None:
        return {"value": _number(args.clip_value, "--clip-value")}
    return None


# --- output ----------------------------------------------------------------------------------

def trace_csv(trace: Trace) -> str:
    """The trace of one run as CSV: step,x,y,loss,grad_x,grad_y,lr_x,lr_y."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    columns = np.column_stack([trace.params, trace.loss, trace.grad, trace.lr_eff])
    for step, row in zip(trace.step.tolist(), columns.tolist()):
        writer.writerow([step, *map(repr, row)])
    return buffer.getvalue()


def trace_json(trace: Trace) -> str:
    """The configuration and every series of one run as JSON."""
    series = {"step": trace.step.tolist(), "x": trace.params[:, 0].tolist(), "y": trace.params[:, 1].tolist(),
              "loss": trace.loss.tolist(), "grad_x": trace.grad[:, 0].tolist(),
              "grad_y": trace.grad[:, 1].tolist(), "lr_x": trace.lr_eff[:, 0].tolist(),
              "lr_y": trace.lr_eff[:, 1].tolist(), "lr": trace.lr.tolist(),
              "update_x": trace.update[:, 0].tolist(), "update_y": trace.update[:, 1].tolist(),
              "state": {name: values.tolist() for name, values in trace.state.items()}}
    document = {"gradsim": __version__, "config": trace.config, "status": trace.status,
                "diverged_at": trace.diverged_at, "series": series}
    return json.dumps(document, indent=1) + "\n"


def _network_columns(trace: Trace) -> dict[str, np.ndarray]:
    columns = {"step": trace.step, "epoch": trace.epoch, "loss": trace.loss, "batch_loss": trace.batch_loss,
               "train_accuracy": trace.train_accuracy}
    if "test_loss" in trace.extra:
        columns.update(test_loss=trace.test_loss, test_accuracy=trace.test_accuracy)
    columns["lr"] = trace.lr
    for name in ("grad_norm", "weight_norm", "update_ratio"):
        for i, column in enumerate(trace.extra[f"{name}_layers"].T, start=1):
            columns[f"{name}_{i}"] = column
    return columns


def network_csv(trace: Trace) -> str:
    """A network run as CSV: step, epoch, losses, accuracies, rate, and per-layer norms."""
    columns = _network_columns(trace)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in zip(*(c.tolist() for c in columns.values())):
        writer.writerow([int(v) if i < 2 else repr(v) for i, v in enumerate(row)])
    return buffer.getvalue()


def network_json(trace: Trace) -> str:
    series = {name: values.tolist() for name, values in _network_columns(trace).items()}
    series["lr_eff_layers"] = trace.lr_eff_layers.tolist()
    document = {"gradsim": __version__, "config": trace.config, "status": trace.status,
                "diverged_at": trace.diverged_at, "series": series,
                "params_final": [{"W": W.tolist(), "b": b.tolist()} for W, b in trace.params_final]}
    return json.dumps(document, indent=1, allow_nan=True) + "\n"


BASIN_CSV_HEADER = ("x", "y", "basin", "minimum_x", "minimum_y", "steps_to_tol", "final_x", "final_y",
                    "loss_final", "diverged_at")


def basin_csv(result) -> str:
    """One row per start, row by row from the lowest y: its basin (−1 diverged, −2 not converged) and
    that minimum's coordinates (empty otherwise), steps to tolerance, where it ended and its loss."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BASIN_CSV_HEADER)
    basin = result.basin.ravel()
    minima = result.minima[np.maximum(basin, 0)] if len(result.minima) else np.zeros((len(basin), 2))
    columns = zip(result.starts.reshape(-1, 2).tolist(), basin.tolist(), minima.tolist(),
                  result.steps_to_tol.ravel().tolist(), result.final.reshape(-1, 2).tolist(),
                  result.loss_final.ravel().tolist(), result.diverged_at.ravel().tolist())
    for start, b, minimum, steps, final, loss, diverged_at in columns:
        where = [repr(minimum[0]), repr(minimum[1])] if b >= 0 else ["", ""]
        writer.writerow([repr(start[0]), repr(start[1]), b, *where, steps, repr(final[0]), repr(final[1]),
                         repr(loss), diverged_at])
    return buffer.getvalue()


def basin_npz(result) -> bytes:
    """Every array of the map, with its configuration as JSON in `config`."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, starts=result.starts, final=result.final, basin=result.basin, minima=result.minima,
                        minima_loss=result.minima_loss, steps_to_tol=result.steps_to_tol,
                        loss_final=result.loss_final, diverged_at=result.diverged_at,
                        window=np.array(result.window, dtype=float),
                        config=np.array(json.dumps({**result.config, "criterion": result.criterion})))
    return buffer.getvalue()


def sweep_csv(result) -> str:
    """One row per setting: the varied values, final loss, steps to tolerance (−1 never), whether and
    when it diverged; and for a learning-rate sweep the steps theory predicts, where it can."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    predicted = result.theory.predicted_steps if result.theory is not None else None
    if predicted is not None and len(result.names) != 1:
        predicted = None
    writer.writerow([*result.names, "final_loss", "steps_to_tol", "diverged", "diverged_at",
                     *(["predicted_steps"] if predicted is not None else [])])
    axes = np.meshgrid(*result.values.values(), indexing="ij")
    for index in np.ndindex(result.final_loss.shape):
        row = [repr(float(axis[index])) for axis in axes]
        row += [repr(float(result.final_loss[index])), int(result.steps_to_tol[index]),
                int(result.diverged[index]), int(result.diverged_at[index])]
        if predicted is not None:
            value = predicted[index]
            row.append("inf" if np.isinf(value) else int(value))
        writer.writerow(row)
    return buffer.getvalue()


def list_text() -> str:
    """Everything `gradsim run` accepts, with defaults and ranges."""
    lines = ["Surfaces:"]
    for spec in SURFACES.values():
        params = ", ".join(f"{p.name}={p.default}" for p in spec.params)
        lines.append(f"  {spec.name:<16} {spec.title}{f' ({params})' if params else ''}")
    lines += ["", "Optimizers (hyperparameter=default, valid range):"]
    for opt in OPTIMIZERS.values():
        lines.append(f"  {opt.name:<16} {opt.title}")
        for p in opt.hparams:
            lines.append(f"      {p.name}={p.default}  {p.range_text()}  {p.symbol}: {p.help}")
    lines += ["", "Schedules (every one also takes warmup=N):"]
    for schedule in SCHEDULES.values():
        params = ", ".join(f"{p.name}={p.default}" for p in schedule.hparams)
        lines.append(f"  {schedule.name:<16} {schedule.formula}{f'  ({params})' if params else ''}")
    lines += ["", "Datasets (each also takes n, noise and test_fraction):"]
    for spec in DATASETS.values():
        params = ", ".join(f"{p.name}={p.default!r}" if p.kind is str else f"{p.name}={p.default}" for p in spec.params)
        lines.append(f"  {spec.name:<16} {spec.title} [{spec.task}]{f' ({params})' if params else ''}")
    lines += ["", "Activations: " + ", ".join(ACTIVATIONS), "Losses:", *(f"  {k:<6} {v}" for k, v in LOSSES.items()),
              "Initializations:", *(f"  {k:<8} {v}" for k, v in INITS.items()), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
