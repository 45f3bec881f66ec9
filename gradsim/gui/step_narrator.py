"""The narrated step: "Explain this step" walks through the selected run's update in four beats.

Gradient at θ → state update → effective rate → the move (`gradsim.app.narration`): each beat
lights its arrows on the plot (2-D or 3-D) and its lines in the equation panel, and says what they
are, with this step's numbers, in a caption over the trajectory panel. The lesson player's keys
drive it (Page Down / → next beat, Page Up / ← back, Escape stops), so a clicker works: past the
fourth beat the run takes that step and the next one is told; back from the first beat goes to
the step before. Any other move of the step on screen ends the narration.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel

from ..app.narration import beats
from ..core.equations import explain


class StepNarrator(QObject):
    def __init__(self, controller, bar, equation_panel, host, parent=None):
        super().__init__(parent)
        self.controller, self.model = controller, controller.model
        self.bar, self.equation_panel, self.host = bar, equation_panel, host
        self.caption = QLabel(host, objectName="narrationCaption")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.RichText)
        self.caption.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.caption.setStyleSheet("QLabel { background: rgba(255, 252, 235, 235); border: 1px solid #c9b458; "
                                   "padding: 6px 8px; color: #222; }")
        self.caption.hide()
        self.beats: list = []
        self.index = 0
        self.step: int | None = None     # the step told
        self._key: tuple | None = None   # (generation, run) it belongs to
        self._waiting_for: tuple | None = None  # (step, beat) to go on at once the step is on screen
        self._equation_was_shown = False
        for signal in (controller.shown_changed, controller.rows_changed):
            signal.connect(self._moved)
        for signal in (controller.selection_changed, controller.configured, controller.experiment_changed):
            signal.connect(lambda *_: self.stop())

    @property
    def active(self) -> bool:
        return self.step is not None

    def toggle(self) -> None:
        self.stop() if self.active else self.start()

    def start(self, beat: int = 0, tries: int = 40) -> None:
        """Tell the step on screen of the selected run, from `beat`."""
        model = self.model
        if model.experiment.is_network or not model.ready:
            return
        if self.step is None and self._waiting_for is None:  # a new narration, not the next step of one
            self._equation_was_shown = self.equation_panel.isVisible()
        model.play(False)
        if model.in_flight and tries:  # the session may still send what it stepped before the pause
            QTimer.singleShot(25, lambda: self.start(beat, tries - 1))
            return
        geometry = self.bar.geometry()
        row = model.row(model.selected, model.shown_step())
        if geometry is None or row is None:
            self._say("This step cannot be told: the run has diverged here.")
            return
        k = int(row["step"])
        run = model.experiment.runs[model.selected]
        before = model.row(model.selected, k - 1) if k > 0 else None
        previous = before["state"] if before is not None and int(before["step"]) == k - 1 else None
        if k > 0 and previous is None:
            self._say("This part of a long run is kept thinned, without every step's state: step back near "
                      "the end, or reset, to have a step told.")
            return
        lines = explain(run.optimizer, model.hparams(model.selected, k), row, previous, self.equation_panel.index,
                        clip=model.experiment.clip)
        self.beats = beats(run.optimizer, row, geometry, [line.name for line in lines])
        self.step, self._key, self._waiting_for = k, (model.generation, model.selected), None
        self.equation_panel.show()
        self.bar.explainButton.setText("Stop explaining")
        self.index = max(0, min(beat, len(self.beats) - 1))
        self._show()

    def next(self) -> None:
        if not self.active:
            return
        if self.index + 1 < len(self.beats):
            self.index += 1
            self._show()
        else:  # the move is taken: on to the next step's first beat
            self._waiting_for = (self.step + 1, 0)
            self.model.step_forward()

    def previous(self) -> None:
        if not self.active:
            return
        if self.index > 0:
            self.index -= 1
            self._show()
        elif self.step > 0:
            self._waiting_for = (self.step - 1, 3)
            self.model.step_back()

    def stop(self) -> None:
        if self.step is None and not self.caption.isVisible():
            return
        self.step, self._key, self._waiting_for, self.index = None, None, None, 0
        self.caption.hide()
        self.bar.set_highlight(())
        self.equation_panel.set_highlight(())
        if not self._equation_was_shown:
            self.equation_panel.hide()
        self.bar.explainButton.setText("Explain this step")

    # --- showing ------------------------------------------------------------------------------------
    def _show(self) -> None:
        beat = self.beats[self.index]
        self.bar.set_highlight(beat.arrows)
        self.equation_panel.set_highlight(beat.lines)
        keys = "Page Down / → next · Page Up / ← back · Esc stops"
        self._say(f"<b>{self.index + 1} of 4 · {html.escape(beat.title)}</b> (step {self.step})<br>"
                  f"{html.escape(beat.text)}<br><span style='color:#777'>{keys}</span>", rich=True)

    def _say(self, text: str, rich: bool = False) -> None:
        self.caption.setText(text if rich else html.escape(text))
        width = max(240, min(self.host.width() - 90, 560))
        self.caption.setFixedWidth(width)
        self.caption.adjustSize()
        self.caption.move(70, max(28, self.host.height() - self.caption.height() - 50))
        self.caption.show()
        self.caption.raise_()

    def _moved(self) -> None:
        if not self.active:
            return
        model = self.model
        shown = int(model.row(model.selected, model.shown_step())["step"]) if model.ready else None
        if shown == self.step and (model.generation, model.selected) == self._key:
            return
        waiting = self._waiting_for
        if waiting is not None and shown == waiting[0]:
            self.start(beat=waiting[1])
        else:
            self.stop()
