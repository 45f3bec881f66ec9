"""A GUI monkey: a fixed number of random actions through the object names, with a fixed seed.

The app runs as users run it (its session in a child process). The monkey picks problems (surfaces
and datasets, also while playing), optimizers, schedules, clipping and network settings; types
random and hostile values into the editors; plays, steps, scrubs, resets, changes the speed; adds and
removes runs; opens bad files; starts lessons and steps through them; turns presenter mode on and off.

It fails on any uncaught exception (pytest-qt fails a test on an exception raised inside a Qt
callback; the actions' own calls raise into the test), on the event loop blocked for more than a
second (a QTimer heartbeat measures it; only a gap well above the run's normal ones counts, so that a
loaded machine's hiccup does not), or on a session process left behind after the window closes.
"""
import math
import random
import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QAbstractSpinBox, QComboBox, QFileDialog, QLineEdit, QMessageBox, QPushButton,
                               QSlider, QWidget)

from gradsim.gui import MainWindow
from gradsim.lessons import load_lessons

pytestmark = pytest.mark.usefixtures("no_leftover_threads")

ACTIONS = 250                 # a fixed count, not a time budget: the same actions on any machine
SEED = 20261123
BLOCKED_SECONDS = 1.0         # the event loop blocked this long is a failure ...
NORMAL_FACTOR = 4.0           # ... when it is also this many times the run's 99th-percentile gap
HOSTILE = (0.0, -1.0, 1e300, -1e300, math.nan, math.inf, -math.inf, 1e-320, 7, "3", "x", None, True, [1], 2**40)
TYPED = ("0", "-1", "1e999", "-1e999", "nan", "inf", "1e-320", "abc", "9" * 40, "", "-", "1e", "0.5", "3")
HIDDEN = ("", "0", "-3", "16,16", "4", "1024,1024", "abc", "[", "2,2,2,2,2,2,2", "1e9", " 8 , 8 ")
BAD_FILES = {
    "bad_lr.json": '{"format": "gradsim-experiment", "version": 1, "runs": [{"optimizer": "adam", "hparams": {"lr": "x"}}]}',
    "not_json.json": "{ this is not JSON",
    "foreign.json": '{"hello": "world"}',
    "binary.json": "\x00\x01\x02\xff",
}


def test_a_monkey_cannot_break_the_app(qtbot, tmp_path, monkeypatch):
    bad = []
    for name, text in BAD_FILES.items():
        (tmp_path / name).write_text(text, encoding="latin-1")
        bad.append(str(tmp_path / name))
    rng = random.Random(SEED)
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (rng.choice(bad), ""))
    window = MainWindow()  # the child process, as users run it
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.ready, timeout=20000)
    model = window.model
    lessons = load_lessons()
    sessions = {window.controller.client.process}  # every session started, restarts too

    gaps, last = [], [time.perf_counter()]

    def heartbeat():
        now = time.perf_counter()
        gaps.append((now - last[0], current[0]))
        last[0] = now
    current = ["start"]
    beat = QTimer()
    beat.timeout.connect(heartbeat)
    beat.start(50)

    def named(kind, name):
        return window.findChild(kind, name)

    def pick(combo_name):
        combo = named(QComboBox, combo_name)
        if combo is not None and combo.isEnabled():
            items = combo.model()  # what a person can choose: not the separators
            choosable = [i for i in range(combo.count()) if items.flags(items.index(i, 0)) & Qt.ItemIsEnabled]
            if choosable:
                combo.setCurrentIndex(rng.choice(choosable))

    def switch_while_playing():
        model.play(True)
        qtbot.wait(rng.choice((0, 30, 120)))
        pick("problemCombo")

    def hostile_hparam():
        run = rng.randrange(len(model.experiment.runs))
        names = list(model.hparams(run))
        model.set_hparam(run, rng.choice(names), rng.choice(HOSTILE))

    def visible_editors():
        return [w for w in window.findChildren(QAbstractSpinBox)
                if w.isVisible() and w.isEnabled() and w.objectName()]

    def type_into_editor():
        editors = visible_editors()
        if editors:
            editor = rng.choice(editors)
            editor.setFocus()
            editor.lineEdit().selectAll()
            QTest.keyClicks(editor, rng.choice(TYPED))
            QTest.keyClick(editor, Qt.Key_Return)

    def set_editor_value():
        editors = visible_editors()
        if editors:
            editor = rng.choice(editors)
            low, high = editor.minimum(), editor.maximum()
            editor.setValue(type(editor.value())(rng.choice((low, high, (low + high) / 2, 1, 0.5, 3)) if
                                                 isinstance(editor.value(), float) else
                                                 int(rng.choice((low, high, 1, 3)))))

    def type_hidden_layers():
        edit = named(QLineEdit, "hiddenEdit")
        if edit is not None and edit.isVisible():
            edit.setText(rng.choice(HIDDEN))
            edit.editingFinished.emit()

    def click(name):
        button = named(QPushButton, name)
        if button is not None and button.isVisible() and button.isEnabled():
            button.click()

    def trigger(name):
        window.findChild(QAction, name).trigger()

    def slide(name):
        slider = named(QSlider, name)
        slider.setValue(rng.randrange(slider.minimum(), slider.maximum() + 1))

    actions = {
        "problem": lambda: pick("problemCombo"), "switch while playing": switch_while_playing,
        "optimizer": lambda: pick("optimizerCombo"), "schedule": lambda: pick("scheduleCombo"),
        "clip": lambda: pick("clipCombo"), "activation": lambda: pick("activationCombo"),
        "loss": lambda: pick("lossCombo"), "init": lambda: pick("initCombo"), "view": lambda: pick("viewCombo"),
        "hostile hparam": hostile_hparam, "type into an editor": type_into_editor,
        "type again": type_into_editor, "editor extremes": set_editor_value, "hidden layers": type_hidden_layers,
        "play": lambda: click("playButton"), "step": lambda: click("stepButton"),
        "step back": lambda: click("stepBackButton"), "reset": lambda: click("resetButton"),
        "scrub": lambda: slide("timelineSlider"), "speed": lambda: slide("speedSlider"),
        "add run": lambda: click("addRunButton"), "remove run": lambda: click("removeRunButton"),
        "select run": lambda: model.select(rng.randrange(8)),
        "open a bad file": lambda: window.open_experiment(rng.choice(bad)),
        "start": lambda: model.set_start(rng.uniform(-1e3, 1e3), rng.choice((0.0, math.nan, 1e200, -math.inf))),
        "lesson": lambda: window.start_lesson(rng.choice(lessons)),
        "lesson next": lambda: click("lessonNextButton"), "lesson previous": lambda: click("lessonPrevButton"),
        "lesson next key": lambda: trigger("lessonNextAction"), "leave lesson": lambda: click("lessonLeaveButton"),
        "presenter": lambda: trigger("presenterAction"), "dark theme": lambda: trigger("darkThemeAction"),
        "loss slice": lambda: click("lossSliceButton"), "explain step": lambda: trigger("explainStepAction"),
    }
    names = sorted(actions)
    done = []
    for _ in range(ACTIONS):
        name = rng.choice(names)
        current[0] = name
        actions[name]()
        done.append(name)
        sessions.add(window.controller.client.process)
        qtbot.wait(rng.choice((0, 5, 20, 60)))  # let the event loop run between actions, as a person would
        current[0] = f"after {name}"
    window.set_presenter(False)
    qtbot.waitUntil(lambda: window.ready, timeout=30000)  # and it still works
    model.play(True)
    at = window.newest_step()
    qtbot.waitUntil(lambda: window.newest_step() > at or not model.playing, timeout=30000)
    beat.stop()
    window.close()
    assert len(done) == ACTIONS and len(set(done)) == len(names)  # every kind of action was tried
    assert not [process for process in sessions if process.is_alive()], "a session outlived the window"
    normal = sorted(gap for gap, _ in gaps)[int(0.99 * (len(gaps) - 1))]
    worst, during = max(gaps)
    assert worst < max(BLOCKED_SECONDS, NORMAL_FACTOR * normal), (
        f"the event loop was blocked for {worst:.2f} s during '{during}' (99% of gaps under {normal:.2f} s)")
