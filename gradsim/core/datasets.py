"""Toy datasets on the plane, seeded, all with one signature: generate(rng, n, noise, **options).

Each returns X (n, 2) float and y: integer class labels 0…C−1 for classification, or
(n, 1) targets for regression (`sine`, and a regression CSV). `csv` reads a user's file.
"""
from __future__ import annotations

import csv as _csv
import math
import pathlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from .specs import HParam, resolve_values, unknown_name_error

MAX_POINTS = 100_000  # a dataset's size: above it one full-batch step of the default network outlasts the
MAX_CSV_ROWS = MAX_POINTS  # session's 2 s heartbeat on this 2-core machine (README, Reliability)
MAX_LABEL = 9  # ten classes at most


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    task: str  # "classification" or "regression"
    generate: Callable[..., tuple[np.ndarray, np.ndarray]]
    params: tuple[HParam, ...] = ()
    n: int = 200
    noise: float = 0.1
    note: str = ""


@dataclass(frozen=True)
class Dataset:
    """Data ready for training: train (and optional test) inputs and targets."""

    name: str
    task: str
    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None

    @property
    def classes(self) -> int:
        """Number of classes (0 for regression)."""
        if self.task != "classification":
            return 0
        labels = self.y if self.y_test is None else np.concatenate([self.y, self.y_test])
        return int(labels.max()) + 1


def moons(rng, n, noise):
    top = n // 2
    angle = rng.uniform(0, math.pi, n)
    X = np.where(np.arange(n)[:, None] < top,
                 np.column_stack([np.cos(angle), np.sin(angle)]),
                 np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)]))
    y = (np.arange(n) >= top).astype(int)
    return X + noise * rng.standard_normal((n, 2)), y


def circles(rng, n, noise, factor=0.5):
    outer = n // 2
    angle = rng.uniform(0, 2 * math.pi, n)
    radius = np.where(np.arange(n) < outer, 1.0, factor)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return X + noise * rng.standard_normal((n, 2)), (np.arange(n) >= outer).astype(int)


def xor(rng, n, noise):
    X = rng.uniform(-1, 1, (n, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(int)
    return X + noise * rng.standard_normal((n, 2)), y


def spirals(rng, n, noise, classes=2, turns=1.5):
    y = np.arange(n) % classes
    t = rng.uniform(0.05, 1.0, n)
    angle = 2 * math.pi * (turns * t + y / classes)
    X = t[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return X + noise * rng.standard_normal((n, 2)), y


def blobs(rng, n, noise, classes=3):
    angle = 2 * math.pi * np.arange(classes) / classes
    centres = 1.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    y = np.arange(n) % classes
    return centres[y] + max(noise, 1e-12) * 2 * rng.standard_normal((n, 2)), y


def linear(rng, n, noise, margin=0.2):
    # Labels by the side of the line x + y = 0; points closer than `margin` are pushed out.
    X = rng.uniform(-1, 1, (n, 2))
    side = X.sum(axis=1) >= 0
    X = X + np.where(side, 1, -1)[:, None] * (margin / math.sqrt(2))
    return X + noise * rng.standard_normal((n, 2)), side.astype(int)


def spoiler(rng, n, noise, t=10.0, spoiler=1):
    """Brady, Raghavan & Slawny (1989): (1,0) and (0,1) in class 1, (−1,0) in class 0, and one
    spoiler (0,−t) in class 1 (`spoiler` = 0 leaves it out). The set stays linearly separable for
    every t, yet squared error on a sigmoid, trained by gradient descent from weights that already
    fit the three points, stops at a minimum that leaves the spoiler on the wrong side."""
    base = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    labels = np.array([1, 1, 0])
    which = np.arange(n - spoiler) % 3
    X = base[which] + noise * rng.standard_normal((n - spoiler, 2))
    if not spoiler:
        return X, labels[which]
    return np.vstack([X, [[0.0, -t]]]), np.append(labels[which], 1)


def rare_feature(rng, n, noise, frequency=0.05):
    """A frequent and a rare feature, like a common and a rare word in a bag of words: x₁ is in
    every point (|x₁| between 0.1 and 1), x₂ = ±1 in a fraction `frequency` of the points and 0
    in all others. The label is the side of x₁ + 2x₂ = 0, so the rare points are classed by x₂
    alone; the set is separable (by w = (1, 2), b = 0, with margin 0.1)."""
    x1 = rng.choice([-1.0, 1.0], n) * rng.uniform(0.1, 1.0, n)
    rare = np.zeros(n, dtype=bool)
    rare[rng.choice(n, max(1, int(round(frequency * n))), replace=False)] = True
    x2 = np.where(rare, rng.choice([-1.0, 1.0], n), 0.0)
    X = np.column_stack([x1, x2])
    return X + noise * rng.standard_normal((n, 2)), (x1 + 2 * x2 > 0).astype(int)


def sine(rng, n, noise, frequency=1.0):
    x = np.sort(rng.uniform(-math.pi, math.pi, n))
    X = np.column_stack([x, np.zeros(n)])
    return X, (np.sin(frequency * x) + noise * rng.standard_normal(n))[:, None]


def read_csv(rng, n, noise, path="", task="classification"):
    """A user's file: columns x1, x2, label (classification) or x, y (regression), with a header.
    n and noise are ignored: the file is the data."""
    return load_csv(path, task)


def load_csv(path: str, task: str = "classification") -> tuple[np.ndarray, np.ndarray]:
    """Read and check a CSV file; any problem is a ValueError naming the file, line and problem."""
    file = pathlib.Path(path)
    if not path:
        raise ValueError("dataset 'csv' needs path=FILE")
    if not file.is_file():
        raise ValueError(f"{path}: no such file")
    expected = ["x1", "x2", "label"] if task == "classification" else ["x", "y"]
    rows = []
    try:  # utf-8-sig: spreadsheets write a byte-order mark before the header
        with file.open(newline="", encoding="utf-8-sig") as stream:
            reader = _csv.reader(stream)
            header = [cell.strip().lower() for cell in next(reader, [])]
            if header != expected:
                raise ValueError(f"{path}, line 1: the header must be {','.join(expected)}, got {','.join(header) or 'nothing'}")
            for line, row in enumerate(reader, start=2):
                if not row or all(not cell.strip() for cell in row):
                    continue
                if len(rows) >= MAX_CSV_ROWS:
                    raise ValueError(f"{path}, line {line}: more than {MAX_CSV_ROWS} rows")
                if len(row) != len(expected):
                    raise ValueError(f"{path}, line {line}: expected {len(expected)} columns, got {len(row)}")
                try:
                    values = [float(cell) for cell in row]
                except ValueError:
                    raise ValueError(f"{path}, line {line}: not a number in {','.join(row)!r}") from None
                if not all(math.isfinite(v) for v in values):
                    raise ValueError(f"{path}, line {line}: values must be finite, got {','.join(row)!r}")
                if task == "classification" and not (values[2].is_integer() and 0 <= values[2] <= MAX_LABEL):
                    raise ValueError(f"{path}, line {line}: the label must be a whole number from 0 to {MAX_LABEL}, "
                                     f"got {row[2]!r}")
                rows.append(values)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file") from None
    except OSError as error:
        raise ValueError(f"cannot open {path}: {error.strerror or error}") from None
    except _csv.Error as error:  # a field longer than the reader's limit, a NUL byte, ...
        raise ValueError(f"{path}, line {reader.line_num}: not a CSV row ({error})") from None
    if len(rows) < 2:
        raise ValueError(f"{path}: needs at least 2 rows of data, found {len(rows)}")
    data = np.array(rows)
    if task == "regression":
        return np.column_stack([data[:, 0], np.zeros(len(data))]), data[:, 1:2]
    labels = data[:, 2].astype(int)
    present = np.unique(labels)
    if len(present) < 2:
        raise ValueError(f"{path}: only one class ({present[0]}); classification needs at least two")
    missing = sorted(set(range(present.max() + 1)) - set(present.tolist()))
    if missing:  # the network has one output per class 0 … C−1: a class without points cannot be learnt
        raise ValueError(f"{path}: the labels must be the classes 0 to {present.max()} with none left out; "
                         f"found {', '.join(map(str, present))} (no {', '.join(map(str, missing))})")
    return data[:, :2], labels


_CLASSES = lambda default: HParam("classes", default, 2, 5, "linear", "C", "number of classes", kind=int)

DATASETS: dict[str, DatasetSpec] = {d.name: d for d in (
    DatasetSpec("moons", "Two moons", "classification", moons, n=200, noise=0.1),
    DatasetSpec("circles", "Two circles", "classification", circles,
                (HParam("factor", 0.5, 0.0, 1.0, "linear", "r", "radius of the inner circle", low_open=True,
                        high_open=True),), n=200, noise=0.05),
    DatasetSpec("xor", "XOR quadrants", "classification", xor, n=200, noise=0.0),
    DatasetSpec("spirals", "Spirals", "classification", spirals,
                (_CLASSES(2), HParam("turns", 1.5, 0.1, 5.0, "linear", "turns", "how far each arm winds")),
                n=300, noise=0.02),
    DatasetSpec("blobs", "Gaussian blobs", "classification", blobs, (_CLASSES(3),), n=300, noise=0.2),
    DatasetSpec("linear", "Linearly separable", "classification", linear,
                (HParam("margin", 0.2, 0.0, 2.0, "linear", "m", "gap between the classes"),), n=200, noise=0.0),
    DatasetSpec("spoiler", "Spoiler (Brady et al. 1989)", "classification", spoiler,
                (HParam("t", 10.0, 0.0, 1e4, "log", "t", "distance of the spoiler point (0, −t)"),
                 HParam("spoiler", 1, 0, 1, "linear", "spoiler", "1: add the point (0, −t); 0: the three points alone",
                        kind=int)), n=4, noise=0.0,
                note="separable points plus one far-away point that backprop fails to separate"),
    DatasetSpec("rare_feature", "A rare feature", "classification", rare_feature,
                (HParam("frequency", 0.05, 0.0, 1.0, "linear", "p", "fraction of points in which x₂ is not 0",
                        low_open=True),), n=200, noise=0.0,
                note="x₂ is 0 in most points: its weight gets a gradient only now and then (Adagrad's case)"),
    DatasetSpec("sine", "Sine (regression)", "regression", sine,
                (HParam("frequency", 1.0, 0.1, 10.0, "linear", "ω", "frequency of sin(ωx)"),), n=100, noise=0.1),
    DatasetSpec("csv", "Your CSV file", "classification", read_csv,
                (HParam("path", "", kind=str, symbol="file", help="x1,x2,label (or x,y for regression)"),
                 HParam("task", "classification", kind=str, symbol="task", help="classification or regression")),
                n=0, noise=0.0),
)}

_COMMON = (HParam("n", 200, 2, MAX_POINTS, "log", "n", "number of points", kind=int),
           HParam("noise", 0.1, 0.0, 10.0, "linear", "σ", "standard deviation of Gaussian noise on the inputs"),
           HParam("test_fraction", 0.0, 0.0, 0.9, "linear", "test", "fraction of points held out for testing"))


def make_dataset(name: str, params: Mapping[str, Any] | None = None, seed: int | None = 0) -> Dataset:
    """Generate (or read) a dataset and split it; everything seeded by `seed`."""
    if not isinstance(name, str) or name not in DATASETS:
        raise unknown_name_error("dataset", name, DATASETS)
    spec = DATASETS[name]
    common = tuple(p if p.name not in ("n", "noise") else
                   HParam(p.name, spec.n if p.name == "n" else spec.noise, p.low, p.high, p.scale, p.symbol, p.help,
                          p.kind) for p in _COMMON)
    values = resolve_values((*common, *spec.params), params, f"dataset '{name}'")
    if name == "csv" and values["task"] not in ("classification", "regression"):
        raise ValueError(f"dataset 'csv' task must be classification or regression, got '{values['task']}'")
    test_fraction = values.pop("test_fraction")
    rng = np.random.default_rng(seed)
    X, y = spec.generate(rng, **values)
    task = values.get("task", spec.task)
    if not test_fraction:
        return Dataset(name, task, X, y)
    order = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    if n_test < 1 or n_test >= len(X):
        raise ValueError(f"test_fraction {test_fraction} leaves no {'test' if n_test < 1 else 'training'} points "
                         f"out of {len(X)}")
    test, train = order[:n_test], order[n_test:]
    return Dataset(name, task, X[train], y[train], X[test], y[test])
