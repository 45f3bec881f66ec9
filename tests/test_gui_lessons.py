"""Lessons in the app: the player, the browser, presenter mode, and the runs the class sees."""
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gradsim.lessons import load_lessons
from gradsim.lessons.runner import play_step

pytestmark = pytest.mark.usefixtures("no_leftover_threads")



def lesson(stem):
    return next(item for item in load_lessons() if item.path.stem == stem)


@pytest.fixture(autouse=True)
def quick_actions(window):
    """Actions play in a quarter of a second instead of the classroom's few seconds."""
    window.lesson_player.action_seconds = 0.25


def test_a_lesson_walked_end_to_end_with_the_keyboard(window, qtbot):
    window.start_lesson(lesson("02_learning_rate"))
    player = window.lesson_player
    assert player.isVisibleTo(window) and player.progressLabel.text() == "Step 1 of 3"
    assert "Which run blows up?" in player.questionLabel.text()
    assert [run.name for run in window.experiment.runs] == ["A", "B", "C", "D"]  # neutral until the answer
    assert window.focusWidget() is player.nextButton  # a clicker's keys reach the lesson, not an editor
    player.choices.button(3).setChecked(True)  # the class predicts η = 0.25 while the scene waits at step 0
    qtbot.waitUntil(lambda: window.ready)
    assert player.waiting and player.nextButton.text() == "Run ▶" and window.newest_step() == 0
    qtbot.keyClick(window, Qt.Key_PageDown)  # the clicker runs the action
    qtbot.waitUntil(lambda: player.revealed, timeout=30000)  # the action ran to its end, then the answer
    assert "Right!" in player.answerLabel.text() and window.newest_step() == 200
    assert window.histories[3].status == "diverged"
    assert window.experiment.runs[3].name == "η = 0.25: diverges"  # the alias gives way to the name
    assert "optimal rate **for that direction**".replace("**", "") in player.explanationText.toPlainText()
    qtbot.keyClick(window, Qt.Key_PageDown)
    qtbot.waitUntil(lambda: player.progressLabel.text() == "Step 2 of 3")
    assert [run.name for run in window.experiment.runs] == ["η = 0.199", "η = 0.201"]
    qtbot.waitUntil(lambda: window.newest_step() == 3000, timeout=60000)
    qtbot.keyClick(window, Qt.Key_PageDown)
    qtbot.waitUntil(lambda: player.progressLabel.text() == "Step 3 of 3")
    assert player.waiting and not player.nextButton.text().startswith("Next")  # the last step asks first
    qtbot.keyClick(window, Qt.Key_PageUp)
    qtbot.keyClick(window, Qt.Key_PageUp)
    qtbot.waitUntil(lambda: player.progressLabel.text() == "Step 1 of 3")
    qtbot.keyClick(window, Qt.Key_Right)  # arrow keys work like the clicker: run, reveal, then advance
    qtbot.waitUntil(lambda: player.revealed, timeout=30000)
    qtbot.keyClick(window, Qt.Key_Right)
    qtbot.waitUntil(lambda: player.progressLabel.text() == "Step 2 of 3")
    window.set_presenter(True)
    assert window.presenting and not window.findChild(object, "controlsDock").isVisible()
    visible = {name for name, actions in window.transport.control_actions.items() if actions and actions[-1].isVisible()}
    assert visible == {"transport", "timeline"}  # what the step names (the default); no speed slider
    qtbot.keyClick(window, Qt.Key_Escape)  # Escape leaves presenter mode
    assert not window.presenting
    player.leaveButton.click()
    assert player.lesson is None and not window.presenting
    assert [run.name for run in window.experiment.runs] == ["η = 0.199", "η = 0.201"]  # the last scene stays loaded


@pytest.mark.parametrize("stem, number", [("10_saddle_points", 3), ("05_momentum", 3), ("04_batch_sizes", 2),
                                          ("15_learning_rate_decay", 3), ("12_cliffs_and_clipping", 1)])
def test_the_app_shows_what_the_checker_checked(window, qtbot, stem, number):
    """Noise, run-until and mini-batches: the histories the window draws equal the checker's traces."""
    chosen = lesson(stem)
    step = chosen.steps[number - 1]
    window.start_lesson(chosen)
    player = window.lesson_player
    player.go_to(number - 1)
    if player.waiting:  # a question first: the class predicts, then the action runs
        player.next()
    stopped = lambda: (window.ready and window.newest_step() > 0 and not window.model.in_flight
                       and not window.model.playing)
    qtbot.waitUntil(stopped, timeout=60000)
    if player.paused:  # the action paused for the class: go on to its end
        player.next()
        qtbot.waitUntil(lambda: stopped() and player.revealed or stopped() and step.question is None
                        and window.newest_step() == step.action["steps"], timeout=60000)
    traces = play_step(step)
    for index, run in enumerate(step.scene.runs):
        history, trace = window.histories[index], traces[run.name]
        assert history.last_step == trace.step[-1]
        np.testing.assert_array_equal(history.get("params"), trace.params, err_msg=run.name)


def test_a_lesson_started_before_the_event_loop_turns_keeps_its_scene(qtbot):
    """`gradsim --lesson`, or a script: the window's own first load must not replace the lesson's scene."""
    from gradsim.gui import MainWindow
    win = MainWindow(session="local")
    qtbot.addWidget(win)
    win.lesson_player.action_seconds = 0.25
    win.start_lesson(lesson("02_learning_rate"))  # before any event is processed
    qtbot.waitUntil(lambda: win.ready, timeout=20000)
    qtbot.wait(50)  # let any pending zero-delay timer fire
    assert [run.name for run in win.experiment.runs] == ["A", "B", "C", "D"] and win.model.numbers_held
    win.close()


def test_the_lesson_browser_describes_a_lesson_and_starts_it(window, qtbot):
    from gradsim.gui.lesson_browser import LessonBrowser
    browser = LessonBrowser(load_lessons(), window)
    qtbot.addWidget(browser)
    titles = [browser.list.item(i).text() for i in range(browser.list.count())]
    assert len(titles) == len(load_lessons()) and "19. A spoiler: backprop against the perceptron" in titles
    browser.list.setCurrentRow(titles.index("19. A spoiler: backprop against the perceptron"))
    details = browser.details.toPlainText()
    assert "M. L. Brady, R. Raghavan, J. Slawny" in details
    window.start_lesson(browser.chosen())
    assert window.lesson_player.lesson.path.stem == "19_spoiler"
    qtbot.waitUntil(lambda: window.ready)
    assert window.experiment.start == (0.5, 0.5, 0.0) and window.model.info.binary[0]


def test_the_lesson_browser_is_not_kept_once_closed(window, qtbot, monkeypatch):
    """Ctrl+L made a new browser (every lesson's text) each time and kept them all."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from gradsim.gui.lesson_browser import LessonBrowser
    monkeypatch.setattr(LessonBrowser, "exec", lambda self: 0)  # opened, then closed without a choice
    for _ in range(3):
        window.findChild(object, "browseLessonsAction").trigger()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    assert window.findChildren(LessonBrowser) == []


def test_in_a_lesson_scrub_back_change_the_rate_and_replay_the_rest(window, qtbot):
    """A teacher stops a lesson's scene at step 40, changes a rate, and plays the rest again."""
    from PySide6.QtWidgets import QSlider
    window.start_lesson(lesson("05_momentum"))
    player = window.lesson_player
    if player.waiting:
        player.next()
    qtbot.waitUntil(lambda: window.ready and window.newest_step() > 60, timeout=60000)
    window.model.play(False)  # the teacher pauses the scene mid-action
    qtbot.waitUntil(lambda: not window.model.in_flight)
    before = [h.get("params").copy() for h in window.histories]
    rates = [window.model.hparams(i)["lr"] for i in range(len(window.histories))]
    window.findChild(QSlider, "timelineSlider").setValue(40)
    qtbot.waitUntil(lambda: window.shown_step() == 40)
    window.findChild(object, "runList").setCurrentRow(0)
    window.findChild(object, "hp_lr").setValue(rates[0] / 2)
    qtbot.waitUntil(lambda: window.newest_step() == 40 and bool(window.experiment.changes))
    window.model.play(True)
    qtbot.waitUntil(lambda: window.newest_step() >= 60, timeout=20000)
    window.model.play(False)
    assert player.lesson is not None  # still in the lesson
    for i, history in enumerate(window.histories):
        np.testing.assert_array_equal(history.get("params")[:41], before[i][:41])
    lr = window.histories[0].get("lr")
    assert np.all(lr[:40] == rates[0]) and np.all(lr[40:] == rates[0] / 2)
    assert not np.array_equal(window.histories[0].get("params")[41:60], before[0][41:60])


PREDICTION = '''title = "t"
goal = "g"
references = ["r"]
[[steps]]
text = "Two rates on the same bowl."
explanation = "The larger rate overshoots because 1 - eta*lambda < 0."
scene = { problem = "quadratic", start = [2.0, 1.0], runs = [
  { name = "overshooting", alias = "A", optimizer = "sgd", hparams = { lr = 0.15 } },
  { name = "creeping", alias = "B", optimizer = "sgd", hparams = { lr = 0.05 } } ] }
action = { kind = "run", steps = 60, pause_at = 20 }
question = { prompt = "Which run overshoots?", choices = ["A", "B"], answer = 0 }
claims = [{ kind = "oscillates", run = "overshooting", coordinate = 1, steps = 20 }]
'''


def test_a_question_shows_aliases_until_the_answer_and_an_action_pauses_where_it_says(window, qtbot, tmp_path):
    from gradsim.lessons import load_lesson
    path = tmp_path / "prediction.toml"
    path.write_text(PREDICTION)
    window.start_lesson(load_lesson(path))
    player = window.lesson_player
    qtbot.waitUntil(lambda: window.ready)
    legend = window.plot_area.legend.labels()
    assert [name.split(" ")[0] for name in legend] == ["A", "B"]  # neutral names while the class predicts
    assert "overshoot" not in player.text.toPlainText()  # the setup only: no reason before the answer
    player.next()  # the class has predicted: run
    qtbot.waitUntil(lambda: player.paused, timeout=20000)
    assert window.newest_step() == 20 and "Go on" in player.nextButton.text() and not player.revealed
    assert window.model.experiment.runs[0].name == "A"  # still neutral during the pause
    player.next()  # go on to the end
    qtbot.waitUntil(lambda: player.revealed, timeout=20000)
    assert window.newest_step() == 60
    legend = window.plot_area.legend.labels()
    assert [name.split(" ")[0] for name in legend] == ["overshooting", "creeping"]
    assert "overshoots because" in player.explanationText.toPlainText() and "Answer" in player.answerLabel.text()
    traces = play_step(player.current_step())  # the paused action is the same run as the checker's
    np.testing.assert_array_equal(window.histories[0].get("params"), traces["overshooting"].params)


def test_a_scene_draws_another_runs_boundary_as_a_line_and_chooses_the_loss_scale(window, qtbot):
    """Lesson 19, step 3: backprop's regions filled, the perceptron's line over them, where its weights put it."""
    chosen = lesson("19_spoiler")
    window.start_lesson(chosen)
    player = window.lesson_player
    player.go_to(2)
    step = player.current_step()
    player.next()  # the class has predicted: run
    qtbot.waitUntil(lambda: player.revealed and not window.model.playing, timeout=60000)
    assert window.model.selected == 0  # backprop's map is the filled one
    overlays = window.lesson_overlays
    qtbot.waitUntil(lambda: len(overlays.line_points(1)) > 10 and window.model.lines[1].step == 5000, timeout=20000)
    w1, w2, b = play_step(step)["perceptron"].params[-1]
    points = overlays.line_points(1)
    xmin, xmax, ymin, ymax = window.model.lines[1].view
    inside = (points[:, 0] > xmin + 1e-9) & (points[:, 0] < xmax - 1e-9) & (points[:, 1] > ymin + 1e-9) & (points[:, 1] < ymax - 1e-9)
    distance = np.abs(points[inside] @ np.array([w1, w2]) + b) / np.hypot(w1, w2)
    assert inside.sum() > 10 and distance.max() < (ymax - ymin) / 99  # within one grid cell of w·x + b = 0
    assert window.plot_area.loss_panel.mode == "auto"
    window.start_lesson(lesson("01_gradient_descent"))
    window.lesson_player.go_to(2)
    assert window.plot_area.loss_panel.mode == "symlog"  # the saddle's loss falls below zero
    assert not overlays.items  # a new scene: no lines left over


def test_while_a_question_waits_the_equation_panel_shows_the_rule_without_this_steps_numbers(window, qtbot):
    """Lesson 9, step 1 asks how far Adam's first step goes: the panel's Δθ line at step 0 is the answer."""
    window.start_lesson(lesson("09_adam"))
    player, panel = window.lesson_player, window.equation_panel
    qtbot.waitUntil(lambda: window.ready and panel.isVisible() and "Δθ" in panel.text.toPlainText())
    assert player.waiting and window.model.numbers_held
    title, held = panel.text.toPlainText().split("\n", 1)
    assert "numbers after the answer" in title
    assert "Δθ = −η·m′ / (√v′ + ε)" in held and "Δθ = …" in held
    assert not re.search(r"\d\.\d|215", held)  # no decimal number, not the gradient's −215.6
    inspector = window.findChild(object, "inspector").toPlainText()
    assert "shown with the answer" in inspector and "Δθ =" not in inspector
    player.next()  # the class has predicted: run, then the answer
    qtbot.waitUntil(lambda: player.revealed and "…" not in panel.text.toPlainText(), timeout=30000)
    assert not window.model.numbers_held
    assert "Δθ = −0.05·" in panel.text.toPlainText()  # this step's numbers, now that the answer is out
    assert "Δθ = (" in window.findChild(object, "inspector").toPlainText()
