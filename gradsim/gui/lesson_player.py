"""The lesson player: a dock beside the panels that walks a class through a lesson step by step.

Each step loads its scene into the window and shows its setup. A step with a question waits: the
class predicts, the next press of Next runs the action, and when it ends the answer is revealed with
the explanation, and the runs' neutral aliases (A, B, ...) give way to their names. A step without
a question runs at once and shows its explanation when the action ends. An action may pause at a
step for the class; Next goes on. Next/Previous, Page Down/Page Up and the arrow keys move between
steps, so a presentation clicker works; "Replay" runs the step again.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QBoxLayout, QButtonGroup, QDockWidget, QHBoxLayout, QLabel, QPushButton,
                               QRadioButton, QTextBrowser, QVBoxLayout, QWidget)

from ..lessons.schema import Lesson
from ..lessons.scenes import action_pause, action_steps, action_until, scene_experiment

ACTION_SECONDS = 4.0
PANEL_NAMES = {"trajectory": "trajectoryPlot", "loss": "lossPlot", "lr": "lrPlot", "grad_norm": "gradNormPlot",
               "accuracy": "accuracyPlot",
               "equation": "equationDock"}


class LessonPlayer(QDockWidget):
    def __init__(self, window):
        super().__init__("Lesson", window)
        self.setObjectName("lessonPlayer")
        self.window = window
        self.lesson: Lesson | None = None
        self.index = 0
        self.revealed = False
        self.waiting = False  # a question is asked and the action has not run yet
        self.action_seconds = ACTION_SECONDS  # how long an action takes to play (tests shorten it)
        self.pause_at: int | None = None  # the action is to pause at this step (not reached yet)
        self.paused = False  # the action paused part way: Next goes on
        # Three parts: the setup (title, progress, text), the question, the buttons. Beside the panels
        # they are stacked; in presenter mode they stand side by side as a strip under the panels.
        self.setupBox = QWidget(objectName="lessonSetup")
        self.questionBox = QWidget(objectName="lessonQuestionBox")
        self.buttonBox = QWidget(objectName="lessonButtons")
        self.titleLabel = QLabel(objectName="lessonTitle")
        self.titleLabel.setWordWrap(True)
        self.progressLabel = QLabel(objectName="lessonProgress")
        self.progressLabel.setAccessibleName("Lesson progress")
        # In presenter mode the runs' status (finished, diverged and why) shows here, where it can wrap.
        self.statusLine = QLabel(window.model.status, objectName="lessonStatus")
        self.statusLine.setWordWrap(True)
        self.statusLine.setAccessibleName("Status")
        window.controller.status_changed.connect(self.statusLine.setText)
        self.text = QTextBrowser(objectName="lessonText")
        self.text.setAccessibleName("Explanation")
        self.questionLabel = QLabel(objectName="lessonQuestion")
        self.questionLabel.setWordWrap(True)
        self.choices = QButtonGroup(self)
        self.choice_box = QVBoxLayout()
        self.answerLabel = QLabel(objectName="lessonAnswer")
        self.answerLabel.setWordWrap(True)
        # the reason, under the answer (beside the setup in presenter mode, so neither column runs long)
        self.explanationText = QTextBrowser(objectName="lessonExplanation")
        self.explanationText.setAccessibleName("Why")
        self.explanationText.hide()
        self.prevButton = QPushButton("◀ Previous", objectName="lessonPrevButton")
        self.replayButton = QPushButton("⟲ Replay step", objectName="lessonReplayButton")
        self.nextButton = QPushButton("Next ▶", objectName="lessonNextButton")
        self.leaveButton = QPushButton("Leave lesson", objectName="lessonLeaveButton")
        self.buttons = QBoxLayout(QBoxLayout.LeftToRight, self.buttonBox)
        self.buttons.setContentsMargins(0, 0, 0, 0)
        for button, name in ((self.prevButton, "Previous step"), (self.replayButton, "Replay this step"),
                             (self.nextButton, "Next step"), (self.leaveButton, "Leave the lesson")):
            button.setAccessibleName(name)
            self.buttons.addWidget(button)
        self.prevButton.clicked.connect(self.previous)
        self.nextButton.clicked.connect(self.next)
        self.replayButton.clicked.connect(self.play_current)
        self.leaveButton.clicked.connect(self.leave)
        setup = QVBoxLayout(self.setupBox)
        progress = QHBoxLayout()  # "Step 2 of 3", and in presenter mode the runs' status beside it
        progress.setSpacing(24)
        progress.addWidget(self.progressLabel)
        progress.addWidget(self.statusLine, 1)
        setup.addWidget(self.titleLabel)
        setup.addLayout(progress)
        setup.addWidget(self.text)
        question = QVBoxLayout(self.questionBox)
        question.addWidget(self.questionLabel)
        question.addLayout(self.choice_box)
        question.addWidget(self.answerLabel)
        question.addWidget(self.explanationText, 1)
        question.addStretch(0)
        for layout in (setup, question):
            layout.setContentsMargins(0, 0, 0, 0)
        body = QWidget()
        self.parts = QBoxLayout(QBoxLayout.TopToBottom, body)
        for part in (self.setupBox, self.questionBox, self.buttonBox):
            self.parts.addWidget(part)
        self.set_strip(False)
        self._style_title()
        self.setWidget(body)
        self.hide()
        window.controller.stopped.connect(lambda: self.lesson is not None and self.action_finished())

    # --- layout -----------------------------------------------------------------------------------
    def set_strip(self, strip: bool) -> None:
        """Side by side under the panels (presenter mode), or stacked beside them."""
        self.strip = strip
        self.parts.setDirection(QBoxLayout.LeftToRight if strip else QBoxLayout.TopToBottom)
        self.buttons.setDirection(QBoxLayout.TopToBottom if strip else QBoxLayout.LeftToRight)
        # stacked, the text takes the room; side by side, the setup a little more than the question
        for part, stretch in zip((self.setupBox, self.questionBox, self.buttonBox), (5, 4, 0) if strip else (1, 0, 0)):
            self.parts.setStretchFactor(part, stretch)
        self.statusLine.setVisible(strip)
        body = self.parts.parentWidget()  # the dock's own size follows its content's
        body.setMinimumWidth(0 if strip else 380)
        body.setMaximumWidth(16777215 if strip else 520)

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.FontChange:
            self._style_title()
        super().changeEvent(event)

    def _style_title(self) -> None:
        """The title a size above the text, at any text size."""
        title = QFont(self.font())
        if title.pointSizeF() > 0:
            title.setPointSizeF(title.pointSizeF() * 1.35)
        else:
            title.setPixelSize(round(title.pixelSize() * 1.35))
        title.setBold(True)
        self.titleLabel.setFont(title)

    # --- navigation -------------------------------------------------------------------------------
    def start(self, lesson: Lesson) -> None:
        self.lesson, self.index = lesson, 0
        self.titleLabel.setText(lesson.title)
        self.show()
        self.play_current()

    def current_step(self):
        return self.lesson.steps[self.index] if self.lesson is not None else None

    def next(self) -> None:
        if self.lesson is None:
            return
        if self.waiting:  # the class has predicted: run the action
            self._set_waiting(False)
            self.window.model.play(True)  # at once, or as soon as every run has reported its start
            return
        if self.paused:  # the class has seen the pause: the action goes on to its end
            self.paused = False
            self._set_waiting(False)
            self.nextButton.setEnabled(self.index + 1 < len(self.lesson.steps) or self.current_step().question is not None)
            self.window.model.go_on_to(action_steps(self.current_step()))
            return
        if not self.revealed and self.current_step().question is not None:
            self.reveal()  # a clicker press first shows the answer, then moves on
            return
        if self.index + 1 < len(self.lesson.steps):
            self.index += 1
            self.play_current()

    def go_to(self, index: int) -> None:
        """Step `index` (from 0) of the lesson, from its start."""
        if self.lesson is not None and 0 <= index < len(self.lesson.steps):
            self.index = index
            self.play_current()

    def previous(self) -> None:
        if self.lesson is not None and self.index > 0:
            self.index -= 1
            self.play_current()

    def leave(self) -> None:
        """Back to the free simulator, with the last scene still loaded."""
        self.lesson = None
        self._set_waiting(False)
        self.hide()
        self.window.set_presenter(False)
        self.window.show_panels([name for key, name in PANEL_NAMES.items() if key != "equation"])

    # --- one step ---------------------------------------------------------------------------------
    def play_current(self) -> None:
        step = self.lesson.steps[self.index]
        self.progressLabel.setText(f"Step {self.index + 1} of {len(self.lesson.steps)}")
        self.window.model.note(f"lesson “{self.lesson.title}”: step {self.index + 1} of {len(self.lesson.steps)}",
                               "lesson")
        self.text.setMarkdown(step.text)
        self.revealed = False
        self.paused = False
        self.answerLabel.setText("")
        self.explanationText.clear()
        self.explanationText.hide()
        for button in self.choices.buttons():
            self.choices.removeButton(button)
            self.choice_box.removeWidget(button)
            button.hide()  # at once: deleteLater waits for the event loop
            button.deleteLater()
        if step.question is not None:
            self.questionLabel.setText(f"<b>Predict:</b> {step.question['prompt']}")
            for i, choice in enumerate(step.question["choices"]):
                button = QRadioButton(choice, objectName=f"lessonChoice{i}")
                self.choices.addButton(button, i)
                self.choice_box.addWidget(button)
        else:
            self.questionLabel.setText("")
        self.prevButton.setEnabled(self.index > 0)
        self.nextButton.setEnabled(self.index + 1 < len(self.lesson.steps) or step.question is not None)
        # keep the keyboard focus on a button, so a clicker's keys are never taken by an editor
        (self.nextButton if self.nextButton.isEnabled() else self.prevButton).setFocus()
        self.window.show_panels([PANEL_NAMES[p] for p in step.scene.panels])
        if self.window.presenting:
            self.window.show_controls(step.scene.controls)
        runs = step.action.get("kind") in ("run", "run_until")
        if runs:  # an action plays in about action_seconds: slow enough to follow, never a long wait
            self.window.transport.set_speed(max(30.0, action_steps(step) / self.action_seconds))
        self._set_waiting(runs and step.question is not None)
        experiment = scene_experiment(step, revealed=step.question is None)
        self.pause_at = action_pause(step) if runs else None
        if self.pause_at is not None:
            experiment.max_steps = self.pause_at  # the session stops there; Next raises the budget
        self.window.load_experiment(experiment, play=runs and not self.waiting, view=step.scene.view,
                                    until=action_until(step), display=scene_display(step),
                                    selected=run_index(step, step.scene.selected))
        if not runs:
            self._show_explanation()

    def action_finished(self) -> None:
        """The step's action ran to its end, or to its pause (however it was started): show the
        answer and the explanation, or say that Next goes on."""
        if self.pause_at is not None:
            self.pause_at, self.paused = None, True
            self._set_waiting(False, f"Go on to step {action_steps(self.current_step())} ▶")
            self.nextButton.setEnabled(True)
            self.window.model.say(f"paused at step {self.window.newest_step()}: Next goes on")
            return
        self._set_waiting(False)
        if self.current_step().question is None:
            self._show_explanation()
        self.reveal()

    def _set_waiting(self, waiting: bool, label: str = "Next ▶") -> None:
        """Whether the step's question is asked and its action not yet run ("Run ▶" on the button)."""
        self.waiting = waiting
        self.nextButton.setText("Run ▶" if waiting else label)

    def _show_explanation(self) -> None:
        """The reason (the answer's, or the action's) under the answer, and the runs' real names."""
        step = self.current_step()
        if step.explanation:
            self.explanationText.setMarkdown(step.explanation)
            self.explanationText.show()
        self.window.model.reveal(step.scene.shown_names(True))

    def reveal(self) -> None:
        step = self.lesson.steps[self.index]
        if step.question is None or self.revealed or self.waiting:
            return
        self.revealed = True
        self._show_explanation()
        answer = step.question["answer"]
        chosen = self.choices.checkedId()
        verdict = "" if chosen < 0 else ("Right! " if chosen == answer else "Not quite. ")
        self.answerLabel.setText(f"{verdict}Answer: <b>{step.question['choices'][answer]}</b>")
        self.window.model.note(f"lesson step {self.index + 1}: the answer is “{step.question['choices'][answer]}”",
                               "lesson")
        self.nextButton.setEnabled(self.index + 1 < len(self.lesson.steps))
        if not self.nextButton.isEnabled():
            self.prevButton.setFocus()

    def keyPressEvent(self, event) -> None:  # clickers send Page Down / Page Up
        if event.key() in (Qt.Key_PageDown, Qt.Key_Right, Qt.Key_Down):
            self.next()
        elif event.key() in (Qt.Key_PageUp, Qt.Key_Left, Qt.Key_Up):
            self.previous()
        else:
            super().keyPressEvent(event)


def run_index(step, name: str | None) -> int:
    """The index of the scene's run called `name` (0 when None)."""
    names = [run.name for run in step.scene.runs]
    return names.index(name) if name in names else 0


def scene_display(step) -> dict:
    """What the scene asks the panels to draw, beyond its runs (see AppModel.load)."""
    scene = step.scene
    display = {"theory": list(scene.theory),
               "boundary_lines": [run_index(step, name) for name in scene.boundary_lines],
               "hold_numbers": step.question is not None}  # until the answer (AppModel.numbers_held)
    if scene.loss_scale is not None:
        display["loss_scale"] = scene.loss_scale
    if scene.surface_view is not None:
        display["surface_view"] = dict(scene.surface_view)
    return display
