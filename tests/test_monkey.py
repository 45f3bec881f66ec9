"""A GUI monkey: random actions through the object names for a bounded time, with a fixed seed.

It fails on any uncaught exception (pytest-qt fails a test on an exception raised inside a Qt
callback), on the event loop blocked for more than a second, or on a child process left behind
after the window closes (the `no_leftover_threads` fixture).
"""
import math
import random
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QFileDialog, QMessageBox, QPushButton, QSlider, QWidget

from gradsim.gui import MainWindow
from gradsim.lessons import load_lessons

pytestmark = pytest.mark.usefixtures("no_leftover_threads")

SECONDS = 12.0
HOSTILE = (0.0, -1.0, 1e300, -1e300, math.nan, math.inf, -math.inf, 1e-320, 7, "3", None, True)


def test_a_monkey_cannot_break_the_app(qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "gradsim-experiment", "version": 1, "runs": [{"optimizer": "adam", "hparams": {"lr": "x"}}]}')
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(bad), ""))
    window = MainWindow()  # the child process, as users run it
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.ready, timeout=20000)
    model = window.model
    rng = random.Random(20261123)
    lessons = load_lessons()
    gaps, last = [], [time.perf_counter()]

    def heartbeat():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now
    beat = QTimer()
    beat.timeout.connect(heartbeat)
    beat.start(50)

    def named(kind, name):
        return window.findChild(kind, name)

    def pick(combo_name):
        combo = named(QComboBox, combo_name)
        if combo is not None and combo.count():
            combo.setCurrentIndex(rng.randrange(combo.count()))

    def hostile_hparam():
        run = rng.randrange(len(model.experiment.runs))
        names = list(model.hparams(run))
        model.set_hparam(run, rng.choice(names), rng.choice(HOSTILE))

    def editor_value():
        editors = [w for w in window.findChildren(QWidget) if w.objectName().startswith(("hp_", "sp_", "sched_"))
                   and hasattr(w, "setValue") and w.isVisible()]
        if editors:
            editor = rng.choice(editors)
            value = rng.choice((0, 1, -1, 1e6, 1e-9, 0.5, 3))
            try:
                editor.setValue(type(editor.value())(value))
            except (TypeError, ValueError, OverflowError):
                pass

    actions = [
        lambda: pick("problemCombo"), lambda: pick("optimizerCombo"), lambda: pick("scheduleCombo"),
        lambda: pick("clipCombo"), hostile_hparam, editor_value, editor_value,
        lambda: named(QPushButton, "playButton").click(), lambda: named(QPushButton, "stepButton").click(),
        lambda: named(QPushButton, "stepBackButton").click(), lambda: named(QPushButton, "resetButton").click(),
        lambda: named(QSlider, "timelineSlider").setValue(rng.randrange(named(QSlider, "timelineSlider").maximum() + 1)),
        lambda: named(QSlider, "speedSlider").setValue(rng.randrange(101)),
        lambda: named(QPushButton, "addRunButton").click(), lambda: named(QPushButton, "removeRunButton").click(),
        lambda: window.open_experiment(str(bad)),
        lambda: model.set_start(rng.uniform(-1e3, 1e3), rng.choice((0.0, math.nan, 1e200))),
        lambda: window.start_lesson(rng.choice(lessons)),
        lambda: window.lesson_player.next(), lambda: window.lesson_player.previous(),
        lambda: window.findChild(QAction, "presenterAction").trigger(),
        lambda: window.findChild(QAction, "darkThemeAction").trigger(),
        lambda: model.select(rng.randrange(8)),
    ]
    deadline = time.perf_counter() + SECONDS
    count = 0
    slowest = []
    while time.perf_counter() < deadline:
        index = rng.randrange(len(actions))
        started = time.perf_counter()
        actions[index]()
        slowest.append((time.perf_counter() - started, index))
        count += 1
        qtbot.wait(rng.choice((0, 5, 20, 60)))  # let the event loop run between actions, as a person would
    window.set_presenter(False)
    beat.stop()
    assert count > 100
    assert max(gaps) < 1.0, (f"the event loop was blocked for {max(gaps):.2f} s; slowest actions "
                             f"(seconds, index): {sorted(slowest)[-3:]}")
    qtbot.waitUntil(lambda: window.ready, timeout=20000)  # and it still works
    window.close()
