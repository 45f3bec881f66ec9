"""The engine and the command line never import Qt (napari-style architecture rule)."""
import ast
import pathlib
import subprocess
import sys

import gradsim

PACKAGE = pathlib.Path(gradsim.__file__).parent
QT = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "qtpy")


def test_core_app_model_session_lessons_and_cli_source_import_no_qt():
    files = [*(PACKAGE / "core").glob("*.py"), *(PACKAGE / "app").glob("*.py"), *(PACKAGE / "lessons").glob("*.py"),
             PACKAGE / "cli.py", PACKAGE / "__init__.py", PACKAGE / "experiment.py", PACKAGE / "files.py",
             PACKAGE / "render.py"]
    assert {"model.py", "session.py", "protocol.py", "runs.py", "runner.py"} <= {path.name for path in files}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in QT, f"{path.name} imports {name}"


def test_running_the_engine_loads_no_qt_module():
    code = ("import sys, gradsim, gradsim.cli, gradsim.app.model, gradsim.app.session, gradsim.lessons; "
            "gradsim.simulate(steps=3); gradsim.lessons.check_lesson(gradsim.lessons.load_lessons()[0]); "
            "from gradsim.cli import main; main(['list']); "
            f"bad = [m for m in sys.modules if m.split('.')[0] in {QT!r}]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
