"""The lesson browser: every lesson with its goal, references and length, to pick one to teach."""
from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QListWidget, QTextBrowser, QVBoxLayout


class LessonBrowser(QDialog):
    def __init__(self, lessons, parent=None, handout=None):
        """`handout(lesson)`, if given, exports the selected lesson's handout (a button beside Start)."""
        super().__init__(parent)
        self.setWindowTitle("Lessons")
        self.setObjectName("lessonBrowser")
        self.lessons = list(lessons)
        self.list = QListWidget(objectName="lessonList")
        self.list.setAccessibleName("Lessons")
        for number, lesson in enumerate(self.lessons, start=1):
            self.list.addItem(f"{number}. {lesson.title}")
        self.details = QTextBrowser(objectName="lessonDetails")
        self.details.setAccessibleName("About the lesson")
        buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Open).setText("Start lesson")
        buttons.accepted.connect(self.accept)
        if handout is not None:
            export = buttons.addButton("Export handout…", QDialogButtonBox.ActionRole)
            export.setObjectName("lessonHandoutButton")
            export.setToolTip("The selected lesson as a PDF or Markdown handout, with the answers for the teacher")
            export.clicked.connect(lambda: self.chosen() is not None and handout(self.chosen()))
        buttons.rejected.connect(self.reject)
        self.list.currentRowChanged.connect(self._show)
        self.list.itemActivated.connect(lambda _: self.accept())
        row = QHBoxLayout()
        row.addWidget(self.list, 2)
        row.addWidget(self.details, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(900, 520)
        self.list.setCurrentRow(0)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.lessons):
            return
        lesson = self.lessons[row]
        questions = sum(step.question is not None for step in lesson.steps)
        references = "".join(f"<li>{html.escape(r)}</li>" for r in lesson.references)
        self.details.setHtml(f"<h3>{html.escape(lesson.title)}</h3><p>{html.escape(lesson.goal)}</p>"
                             f"<p>{len(lesson.steps)} steps, {questions} questions for the class.</p>"
                             f"<p><b>References</b></p><ul>{references}</ul>")

    def chosen(self):
        """The selected lesson (after the dialog was accepted)."""
        row = self.list.currentRow()
        return self.lessons[row] if 0 <= row < len(self.lessons) else None
