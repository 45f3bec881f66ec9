"""The wheel ships the package, its resources and the command; a non-editable install works."""
import pathlib
import subprocess
import sys
import zipfile

from gradsim.paths import resource_path

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_resources_are_found():
    assert resource_path("lessons").is_dir()


def test_the_wheel_ships_the_resources_and_the_command(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "-w", str(tmp_path), "-q"], check=True, timeout=300, capture_output=True)
    wheel, = tmp_path.glob("gradsim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gradsim/resources/__init__.py" in names
    assert any(n.startswith("gradsim/resources/lessons/") for n in names)
    assert "gradsim/core/optimizers.py" in names and "gradsim/cli.py" in names
    assert "gradsim/lessons/schema.py" in names and "gradsim/gui/window.py" in names
    assert any(n.startswith("gradsim/resources/lessons/") and n.endswith(".toml") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gradsim = gradsim.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
