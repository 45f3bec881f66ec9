"""The command line: run, list, exit codes, atomic output, and `python -m gradsim`."""
import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

import gradsim
from gradsim.cli import CSV_HEADER, main


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_prints_csv_matching_the_api(capsys):
    code, out, err = run_cli(capsys, "run", "--surface", "rosenbrock", "--optimizer", "adam", "--hp", "lr=0.05",
                             "--start", "-1.5,2", "--steps", "20")
    assert code == 0 and err == ""
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_HEADER
    values = np.array(rows[1:], dtype=float)
    trace = gradsim.simulate("rosenbrock", optimizer="adam", hparams={"lr": 0.05}, start=(-1.5, 2.0), steps=20)
    np.testing.assert_array_equal(values[:, 0], np.arange(21))
    np.testing.assert_array_equal(values[:, 1:3], trace.params)  # repr round-trips every bit
    np.testing.assert_array_equal(values[:, 3], trace.loss)
    np.testing.assert_array_equal(values[:, 4:6], trace.grad)
    np.testing.assert_array_equal(values[:, 6:8], trace.lr_eff)


def test_every_option_reaches_the_engine(tmp_path, capsys):
    out = tmp_path / "run.json"
    code, _, err = run_cli(capsys, "run", "--surface", "quadratic", "--surface-param", "b=4", "--surface-param",
                           "angle=30", "--optimizer", "momentum", "--hp", "lr=0.05", "--hp", "momentum=0.5",
                           "--start", "-1,-2", "--steps", "30", "--schedule", "step:step_size=10,gamma=0.5,warmup=3",
                           "--clip-value", "2", "--grad-noise", "0.1", "--seed", "3", "--out", str(out))
    assert code == 0 and err == ""
    document = json.loads(out.read_text())
    trace = gradsim.simulate("quadratic", {"b": 4, "angle": 30}, optimizer="momentum",
                             hparams={"lr": 0.05, "momentum": 0.5}, start=(-1, -2), steps=30,
                             schedule={"name": "step", "step_size": 10, "gamma": 0.5, "warmup": 3},
                             clip={"value": 2.0}, grad_noise=0.1, seed=3)
    assert document["config"]["schedule"] == {"name": "step", "step_size": 10, "gamma": 0.5, "warmup": 3}
    assert document["config"]["hparams"]["momentum"] == 0.5 and document["status"] == "ok"
    np.testing.assert_array_equal(document["series"]["x"], trace.params[:, 0])
    np.testing.assert_array_equal(document["series"]["lr"], trace.lr)
    np.testing.assert_array_equal(document["series"]["state"]["velocity"], trace.state["velocity"])


def test_custom_formula_and_clip_norm(capsys):
    code, out, _ = run_cli(capsys, "run", "--surface", "custom", "--surface-param", "expr=x**2 + 3*y**2",
                           "--optimizer", "sgd", "--hp", "lr=0.1", "--start", "1,1", "--steps", "2",
                           "--clip-norm", "1")
    assert code == 0
    second = out.splitlines()[2].split(",")
    assert float(second[1]) == pytest.approx(1 - 0.1 * 2 / np.hypot(2, 6) / (1 + 1e-6 / np.hypot(2, 6)))


def test_a_diverged_run_exits_0_writes_its_finite_rows_and_says_so(tmp_path, capsys):
    out = tmp_path / "run.csv"
    code, stdout, err = run_cli(capsys, "run", "--surface", "quadratic", "--optimizer", "sgd", "--hp", "lr=0.25",
                                "--start", "1,1", "--steps", "500", "--out", str(out))
    trace = gradsim.simulate("quadratic", optimizer="sgd", hparams={"lr": 0.25}, start=(1, 1), steps=500)
    assert code == 0 and stdout == ""
    assert err.strip() == f"gradsim: diverged at step {trace.diverged_at}"
    rows = out.read_text().splitlines()
    assert len(rows) == 1 + trace.diverged_at
    assert all(np.isfinite(float(v)) for row in rows[1:] for v in row.split(","))


@pytest.mark.parametrize("args, message", [
    (["run", "--optimizer", "adamm"], "unknown optimizer 'adamm'; did you mean 'adam'?"),
    (["run", "--surface", "himmelblu"], "did you mean 'himmelblau'?"),
    (["run", "--hp", "lr=-1"], "'lr' = -1 is outside its valid range"),
    (["run", "--hp", "lr"], "--hp expects K=V, got 'lr'"),
    (["run", "--start", "1"], "--start expects X,Y"),
    (["run", "--start", "nan,0"], "start must be finite"),
    (["run", "--start", "a,b"], "--start expects a number"),
    (["run", "--steps", "-5"], "steps must be a whole number from 0 to 1000000"),
    (["run", "--steps", "ten"], "--steps expects a whole number"),
    (["run", "--schedule", "cosine:t_max=0"], "'t_max' = 0 is outside its valid range"),
    (["run", "--schedule", "cosine:tmax=5"], "did you mean 't_max'"),
    (["run", "--clip-norm", "0"], "clip norm must be a positive finite number"),
    (["run", "--clip-norm", "1", "--clip-value", "1"], "not allowed with argument"),
    (["run", "--grad-noise", "-1"], "grad_noise must be a finite number"),
    (["run", "--surface", "custom", "--surface-param", "expr=__import__('os')"], "calling '__import__' is not allowed"),
    (["run", "--out", "trace.txt"], "--out must name a .csv or .json file"),
    (["run", "--bogus"], "unrecognized arguments: --bogus"),
    (["fly"], "invalid choice: 'fly'"),
])
def test_bad_input_exits_2_with_one_line_and_no_file(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("gradsim: error: ") and message in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_bad_input_leaves_an_existing_output_file_untouched(tmp_path, capsys):
    out = tmp_path / "keep.csv"
    out.write_text("precious\n")
    code, _, _ = run_cli(capsys, "run", "--optimizer", "nope", "--out", str(out))
    assert code == 2 and out.read_text() == "precious\n"
    code, _, err = run_cli(capsys, "run", "--out", str(tmp_path / "missing" / "x.csv"))
    assert code == 2 and "cannot write" in err


def test_list_names_everything(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    for name in [*gradsim.SURFACES, *gradsim.OPTIMIZERS, *gradsim.SCHEDULES, "Datasets"]:
        assert name in out
    assert "lr=0.001" in out and "beta2=0.999" in out and "warmup" in out


def test_python_dash_m_runs_headless():
    result = subprocess.run([sys.executable, "-m", "gradsim", "run", "--steps", "3", "--optimizer", "rprop"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == ",".join(CSV_HEADER) and len(result.stdout.splitlines()) == 5
    bad = subprocess.run([sys.executable, "-m", "gradsim", "run", "--steps", "x"], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_network_run_writes_epochs_losses_and_layer_norms(capsys):
    code, out, err = run_cli(capsys, "run", "--dataset", "moons", "--dataset-param", "test_fraction=0.2",
                             "--hidden", "16,16", "--activation", "tanh", "--loss", "bce", "--init", "xavier",
                             "--batch-size", "32", "--seed", "0", "--optimizer", "adam", "--hp", "lr=0.01",
                             "--steps", "12")
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:3] == ["step", "epoch", "loss"]
    assert {"grad_norm_1", "grad_norm_2", "grad_norm_3", "test_accuracy", "batch_loss"} <= set(rows[0])
    trace = gradsim.simulate(dataset="moons", dataset_params={"test_fraction": 0.2},
                             model={"hidden": [16, 16], "activation": "tanh", "loss": "bce", "init": "xavier"},
                             batch_size=32, seed=0, optimizer="adam", hparams={"lr": 0.01}, steps=12)
    assert [int(r["epoch"]) for r in rows] == trace.epoch.tolist() == [0] * 5 + [1] * 5 + [2] * 3
    np.testing.assert_array_equal([float(r["loss"]) for r in rows], trace.loss)
    np.testing.assert_array_equal([float(r["grad_norm_2"]) for r in rows], trace.grad_norm_layers[:, 1])


def test_network_json_and_defaults(tmp_path, capsys):
    out = tmp_path / "net.json"
    code, _, _ = run_cli(capsys, "run", "--dataset", "spirals", "--dataset-param", "classes=3", "--hidden", "8",
                         "--steps", "3", "--out", str(out))
    document = json.loads(out.read_text())
    assert code == 0 and document["config"]["model"]["loss"] == "ce" and document["config"]["sizes"] == [2, 8, 3]
    assert len(document["series"]["lr_eff_layers"]) == 4 and len(document["params_final"]) == 2
    code, stdout, _ = run_cli(capsys, "run", "--dataset", "sine", "--hidden", "0", "--steps", "1")
    assert code == 0 and "train_accuracy" in stdout.splitlines()[0]


@pytest.mark.parametrize("args, message", [
    (["--dataset", "moonz"], "did you mean 'moons'"),
    (["--dataset", "moons", "--hidden", "8,x"], "--hidden expects a whole number"),
    (["--dataset", "moons", "--activation", "relux"], "did you mean 'relu'"),
    (["--dataset", "moons", "--batch-size", "-3"], "batch_size must be None"),
    (["--dataset", "csv", "--dataset-param", "path=/no/such.csv"], "/no/such.csv: no such file"),
])
def test_bad_network_input_exits_2(capsys, args, message):
    code, out, err = run_cli(capsys, "run", *args)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


# --- basins and sweep ------------------------------------------------------------------------------

def test_basins_csv_matches_the_api(capsys):
    code, out, err = run_cli(capsys, "basins", "--surface", "himmelblau", "--optimizer", "sgd", "--hp", "lr=0.01",
                             "--window", "-5,5,-5,5", "--resolution", "6x4", "--steps", "100", "--grad-noise", "0.5",
                             "--seed", "3")
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    m = gradsim.basins(surface="himmelblau", optimizer="sgd", hparams={"lr": 0.01}, window=((-5, 5), (-5, 5)),
                       resolution=(6, 4), steps=100, grad_noise=0.5, seed=3)
    assert len(rows) == 24
    np.testing.assert_array_equal([int(r["basin"]) for r in rows], m.basin.ravel())
    np.testing.assert_array_equal([float(r["final_x"]) for r in rows], m.final[..., 0].ravel())
    np.testing.assert_array_equal([int(r["steps_to_tol"]) for r in rows], m.steps_to_tol.ravel())
    first = rows[0]
    assert float(first["minimum_x"]) == m.minima[m.basin[0, 0], 0]


def test_basins_npz_and_png(tmp_path, capsys):
    npz, png = tmp_path / "map.npz", tmp_path / "map.png"
    args = ["basins", "--surface", "six_hump_camel", "--optimizer", "momentum", "--hp", "lr=0.01", "--resolution", "12",
            "--steps", "200"]
    assert run_cli(capsys, *args, "--out", str(npz))[0] == 0
    assert run_cli(capsys, *args, "--out", str(png))[0] == 0
    m = gradsim.basins(surface="six_hump_camel", optimizer="momentum", hparams={"lr": 0.01}, resolution=(12, 12),
                       steps=200)
    with np.load(npz) as data:
        np.testing.assert_array_equal(data["basin"], m.basin)
        np.testing.assert_array_equal(data["minima"], m.minima)
        assert json.loads(str(data["config"]))["criterion"] == "loss − f(m) ≤ tol"
    from PIL import Image
    from gradsim.render import basin_rgb
    with Image.open(png) as image:
        assert image.width >= 512 and image.mode == "RGB"
        pixels = np.asarray(image)
    scale = 512 // 12  # the map sits 10 px in, 32 px down, scaled by whole pixels, highest y on top
    top_left = pixels[32 + scale // 2, 10 + scale // 2]
    np.testing.assert_array_equal(top_left, basin_rgb(m)[-1, 0].astype(np.uint8))


def test_sweep_csv_matches_the_api_and_png_is_written(tmp_path, capsys):
    code, out, err = run_cli(capsys, "sweep", "--surface", "quadratic", "--optimizer", "sgd", "--vary",
                             "lr=0.01:0.3:12:log", "--start", "1,1", "--steps", "300", "--tol", "1e-8")
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    s = gradsim.sweep(surface="quadratic", optimizer="sgd", vary={"lr": np.geomspace(0.01, 0.3, 12)}, start=(1, 1),
                      steps=300, tol=1e-8)
    np.testing.assert_array_equal([float(r["lr"]) for r in rows], s.values["lr"])
    np.testing.assert_array_equal([float(r["final_loss"]) for r in rows], s.final_loss)
    np.testing.assert_array_equal([int(r["diverged"]) for r in rows], s.diverged)
    assert "predicted_steps" in rows[0]
    png = tmp_path / "phase.png"
    code, _, _ = run_cli(capsys, "sweep", "--surface", "quadratic", "--optimizer", "momentum", "--vary",
                         "lr=1e-3:1:20:log", "--vary", "momentum=0:0.99:15", "--steps", "100", "--out", str(png))
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    line = tmp_path / "line.png"
    assert run_cli(capsys, "sweep", "--vary", "lr=1e-4:1:30:log", "--out", str(line))[0] == 0 and line.exists()


@pytest.mark.parametrize("args, message", [
    (["basins", "--resolution", "0"], "resolution must be two whole numbers"),
    (["basins", "--resolution", "ax3"], "--resolution expects a whole number"),
    (["basins", "--window", "1,0,0,1"], "x0 < x1"),
    (["basins", "--window", "0,1"], "--window expects X0,X1,Y0,Y1"),
    (["basins", "--out", "map.gif"], "--out must name a .png, .csv or .npz file"),
    (["basins", "--optimizer", "adamm"], "did you mean 'adam'"),
    (["basins", "--tol", "x"], "--tol expects a number"),
    (["sweep"], "sweep needs --vary"),
    (["sweep", "--vary", "lr=1:2"], "--vary expects NAME=LO:HI:N"),
    (["sweep", "--vary", "lr=0:1:10:log"], "needs positive bounds"),
    (["sweep", "--vary", "lrr=0.1:1:10"], "did you mean 'lr'"),
    (["sweep", "--vary", "lr=0.1:1:10", "--vary", "lr=0.1:1:10"], "the same hyperparameter twice"),
    (["sweep", "--vary", "lr=-1:1:10"], "'lr' = -1.0 is outside its valid range"),
    (["sweep", "--vary", "lr=0.1:1:10", "--out", "s.npz"], "--out must name a .png or .csv file"),
])
def test_bad_basins_and_sweep_input_exits_2_with_one_line_and_no_file(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *args, "--steps", "2")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("gradsim: error: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_progress_bars_show_on_a_terminal_only(capsys, monkeypatch):
    import tqdm
    shown = []
    real = tqdm.tqdm

    def spy(*args, **kwargs):
        bar = real(*args, **kwargs)
        shown.append((kwargs["total"], bar.disable))
        return bar
    monkeypatch.setattr(tqdm, "tqdm", spy)
    assert run_cli(capsys, "basins", "--resolution", "8", "--steps", "2")[0] == 0
    assert shown == [(64, True)]  # pytest's stderr is no terminal: the bar hides itself
