"""Datasets: seeded generators with one signature, the train/test split, and a user's CSV file."""
import numpy as np
import pytest

import gradsim
from gradsim.core.datasets import DATASETS, MAX_CSV_ROWS, make_dataset

GENERATED = [name for name in DATASETS if name != "csv"]


@pytest.mark.parametrize("name", GENERATED)
def test_generators_are_seeded_and_shaped(name):
    a, b, c = make_dataset(name, seed=1), make_dataset(name, seed=1), make_dataset(name, {"noise": 0.3}, seed=2)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.X.shape == (DATASETS[name].n, 2) and np.all(np.isfinite(a.X))
    if name != "spoiler":
        assert not np.array_equal(a.X, c.X)
    if a.task == "classification":
        assert a.y.dtype.kind == "i" and set(np.unique(a.y)) == set(range(a.classes))
    else:
        assert a.y.shape == (len(a.X), 1)


@pytest.mark.parametrize("classes", [2, 3, 4, 5])
def test_spirals_and_blobs_take_a_number_of_classes(classes):
    for name in ("spirals", "blobs"):
        data = make_dataset(name, {"classes": classes, "n": 100})
        assert data.classes == classes and np.bincount(data.y).min() >= 100 // classes
    with pytest.raises(ValueError, match="outside its valid range"):
        make_dataset("spirals", {"classes": 6})


def test_spoiler_is_the_course_example():
    data = make_dataset("spoiler", {"t": 25.0})
    np.testing.assert_array_equal(data.X, [[1, 0], [0, 1], [-1, 0], [0, -25]])
    np.testing.assert_array_equal(data.y, [1, 1, 0, 1])
    # still linearly separable for any t: class 1 is exactly where x > −0.5
    np.testing.assert_array_equal(data.X[:, 0] > -0.5, data.y == 1)


def test_linear_dataset_is_separable_with_its_margin():
    data = make_dataset("linear", {"margin": 0.3})
    side = data.X.sum(axis=1)
    assert np.all((side > 0) == (data.y == 1)) and np.abs(side).min() >= 0.3 - 1e-12


def test_test_split_is_seeded_and_disjoint():
    data = make_dataset("moons", {"n": 100, "test_fraction": 0.3}, seed=5)
    assert data.X.shape == (70, 2) and data.X_test.shape == (30, 2)
    both = np.vstack([data.X, data.X_test])
    assert len(np.unique(both, axis=0)) == 100
    again = make_dataset("moons", {"n": 100, "test_fraction": 0.3}, seed=5)
    np.testing.assert_array_equal(data.X_test, again.X_test)


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_csv_classification_and_regression(tmp_path):
    path = write(tmp_path, "x1,x2,label\n0,0,0\n1,1,1\n\n2,0.5,1\n-1,3,0\n")
    data = make_dataset("csv", {"path": path})
    np.testing.assert_array_equal(data.X, [[0, 0], [1, 1], [2, 0.5], [-1, 3]])
    np.testing.assert_array_equal(data.y, [0, 1, 1, 0])
    reg = make_dataset("csv", {"path": write(tmp_path, "x,y\n0,1\n1,2.5\n2,3\n", "r.csv"), "task": "regression"})
    np.testing.assert_array_equal(reg.X[:, 0], [0, 1, 2])
    np.testing.assert_array_equal(reg.y[:, 0], [1, 2.5, 3])
    trace = gradsim.simulate(dataset="csv", dataset_params={"path": path}, model={"hidden": [3]}, steps=5)
    assert trace.status == "ok"


@pytest.mark.parametrize("text, message", [
    ("x,y,label\n0,0,0\n1,1,1\n", "line 1: the header must be x1,x2,label, got x,y,label"),
    ("", "line 1: the header must be x1,x2,label, got nothing"),
    ("x1,x2,label\n0,0,0\n1,1\n", "line 3: expected 3 columns, got 2"),
    ("x1,x2,label\n0,0,0\n1,abc,1\n", "line 3: not a number"),
    ("x1,x2,label\n0,0,0\nnan,1,1\n", "line 3: values must be finite"),
    ("x1,x2,label\n0,0,0\n1,1,0.5\n", "line 3: the label must be a whole number"),
    ("x1,x2,label\n0,0,0\n1,1,-1\n", "line 3: the label must be a whole number from 0 to 9"),
    ("x1,x2,label\n0,0,1\n1,1,1\n", "only one class"),
    ("x1,x2,label\n0,0,1\n", "needs at least 2 rows"),
    ("x1,x2,label\n0,0,0\n1,1,12\n", "line 3: the label must be a whole number from 0 to 9, got '12'"),
])
def test_bad_csv_files_name_file_line_and_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=message) as error:
        make_dataset("csv", {"path": path})
    assert str(error.value).startswith(path)


def test_missing_binary_and_huge_csv_files(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        make_dataset("csv", {"path": str(tmp_path / "nope.csv")})
    with pytest.raises(ValueError, match="needs path=FILE"):
        make_dataset("csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(ValueError, match="not a text file"):
        make_dataset("csv", {"path": str(binary)})
    rows = "".join(f"{i},{i},{i % 2}\n" for i in range(MAX_CSV_ROWS + 1))
    with pytest.raises(ValueError, match=f"line {MAX_CSV_ROWS + 2}: more than {MAX_CSV_ROWS} rows"):
        make_dataset("csv", {"path": write(tmp_path, "x1,x2,label\n" + rows, "big.csv")})
    with pytest.raises(ValueError, match="task must be classification or regression"):
        make_dataset("csv", {"path": str(binary), "task": "ranking"})
