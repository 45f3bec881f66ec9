"""A lesson's handout, its figures drawn by the app's own panels: PDF (Qt's QPdfWriter) or Markdown with PNGs.

Each figure is a `PlotArea` of its own, off screen, with its own model and in-process session: the
model loads the step's scene as the lesson player does, is then given the checker's rows exactly as
the session sends rows (`trace_rows`), and the session computes the contours or the decision
boundary; so the figure is drawn by the very code that draws the window, from the runs the checker
verified. The pages' words and numbers come from `gradsim.lessons.handout`.

    write_handout(lesson, "lesson.pdf")   # a page (or more) per step, then the answers
    write_handout(lesson, "lesson.md")    # lesson.md, lesson-answers.md, lesson-step-01.png, ...
    write_handout(lesson, "folder/")      # folder/<lesson file's name>.md and the rest
"""
from __future__ import annotations

import pathlib
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QBuffer, QEventLoop, QIODevice, QMarginsF, QObject, Qt, QTimer, QUrl
from PySide6.QtGui import (QColor, QFont, QFontDatabase, QImage, QPageLayout, QPageSize, QPdfWriter, QTextBlockFormat,
                           QTextCharFormat, QTextCursor, QTextDocument, QTextFormat, QTextFrameFormat, QTextImageFormat,
                           QTextLength, QTextTableFormat)

from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from ..app import protocol as p
from ..app.model import AppModel
from ..app.runs import trace_rows
from ..files import write_atomically
from ..lessons.handout import (Handout, Page, answers_markdown, build_handout, choice_mark, markdown, overleaf_heading,
                              rule_text)
from ..lessons.scenes import scene_experiment
from .controller import Controller
from .lesson_player import PANEL_NAMES, run_index, scene_display
from .plot_area import PlotArea
from .theme import Style

FIGURE_SIZE = (1000, 540)  # pixels; the PDF puts it across the text's width
FIGURE_STYLE = Style(scale=1.3)  # text that reads at that width on paper
WAIT_SECONDS = 20.0  # for the contours or the decision boundary


def write_handout(lesson, path: str | pathlib.Path) -> list[pathlib.Path]:
    """The lesson's handout at `path` (.pdf, .md, or a folder); the files written."""
    target = pathlib.Path(path)
    if target.suffix.lower() not in (".pdf", ".md") and not (str(path).endswith(("/", "\\")) or target.is_dir()):
        raise ValueError(f"a handout is written as FILE.pdf, FILE.md or into a folder/, not '{path}'")
    handout = build_handout(lesson)
    return write_files(handout, render_figures(handout), target)


def write_files(handout: Handout, images: list[QImage], path) -> list[pathlib.Path]:
    target = pathlib.Path(path)
    if target.suffix.lower() == ".pdf":
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, handout_pdf(handout, images))
        return [target]
    if target.suffix.lower() != ".md":
        target = target / f"{handout.lesson.path.stem}.md"
    return write_markdown(handout, images, target)


def render_figures(handout: Handout, renderer: "FigureRenderer | None" = None) -> list[QImage]:
    """Every page's figure: the step's panels at the end of its action (by `renderer`, or one made
    for this handout)."""
    own = renderer is None
    renderer = renderer or FigureRenderer()
    try:
        return [renderer.draw(page) for page in handout.pages]
    finally:
        if own:
            renderer.close()


class FigureRenderer:
    """A plot area off screen with its own model and in-process session."""

    def __init__(self, size: tuple[int, int] = FIGURE_SIZE):
        self.model = AppModel()
        self.controller = Controller(self.model, "local")
        self.area = PlotArea(self.controller)
        self.area.setAttribute(Qt.WA_DontShowOnScreen)
        self.area.resize(*size)
        self.area.setFont(FIGURE_STYLE.font())  # as the window's text size would
        self.area.restyle(FIGURE_STYLE)
        self.area.show()
        self.area.setUpdatesEnabled(False)  # drawn once, by grab(): no painting while the data arrives

    def draw(self, page: Page) -> QImage:
        step, model = page.step, self.model
        model.load(scene_experiment(step, revealed=step.question is None), view=step.scene.view,
                   display=scene_display(step), selected=run_index(step, step.scene.selected))
        self.area.arrange([self.area.panel_widget(PANEL_NAMES[name]) for name in step.scene.panels
                           if name != "equation"])
        _wait(lambda: model.ready)
        generation = model.generation
        for index, run in enumerate(step.scene.runs):  # the checker's rows, as the session sends rows
            trace = page.traces[run.name]
            model.receive(p.Chunk(generation, {index: trace_rows(trace)}))
            if trace.status == "diverged":
                model.receive(p.Diverged(generation, index, int(trace.diverged_at), ""))
        model.receive(p.Stopped(generation, page.end_step))
        self.area.redraw()
        if model.experiment.is_network:
            row_step = int(model.row(model.selected, page.end_step)["step"])
            _wait(lambda: model.boundary is not None and model.boundary.step == row_step)
        else:
            _wait(lambda: model.field is not None)
        QApplication.sendPostedEvents()  # the replies' last changes
        self.area.redraw()
        self.area.setUpdatesEnabled(True)
        image = self.area.grab().toImage()
        self.area.setUpdatesEnabled(False)
        return image

    def close(self) -> None:
        self.controller.shutdown()
        self.area.close()  # left to Python to free: a panel's pending timer may still fire, harmlessly


def _wait(condition, seconds: float = WAIT_SECONDS) -> None:
    """Run the event loop until `condition()` holds (or `seconds` pass)."""
    if condition():
        return
    loop = QEventLoop()
    poll = QTimer(interval=5)
    poll.timeout.connect(lambda: condition() and loop.quit())
    poll.start()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    poll.stop()


# --- Markdown with PNGs -----------------------------------------------------------------------------

def write_markdown(handout: Handout, images: list[QImage], target: pathlib.Path) -> list[pathlib.Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    names = {page.number: f"{target.stem}-step-{page.number:02d}.png" for page in handout.pages}
    written = []
    for page, image in zip(handout.pages, images):
        path = target.parent / names[page.number]
        write_atomically(path, _png(image))
        written.append(path)
    text, answers = markdown(handout, lambda page: names[page.number])
    answers_path = target.with_name(f"{target.stem}-answers.md")
    for path, content in ((target, text), (answers_path, answers)):
        write_atomically(path, content.encode("utf-8"))
        written.append(path)
    return written


def _spaced() -> QTextBlockFormat:
    block = QTextBlockFormat()
    block.setBottomMargin(4)
    return block


def _png(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


# --- PDF ---------------------------------------------------------------------------------------------

def handout_pdf(handout: Handout, images: list[QImage]) -> bytes:
    """A4 pages: each step from a new page, then the answers from a new page."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(f"{handout.title}: handout")
    writer.setCreator("GradSim")
    writer.setPageSize(QPageSize(QPageSize.A4))
    writer.setPageMargins(QMarginsF(16, 16, 16, 16), QPageLayout.Millimeter)
    document = QTextDocument()
    document.setDefaultFont(QFont(QFont().family(), 9))
    document.setPageSize(writer.pageLayout().paintRect(QPageLayout.Point).size())  # laid out in points
    pages = _Pages(document)
    pages.title_page(handout)
    for page, image in zip(handout.pages, images):
        pages.step_page(handout, page, image)
    pages.further_reading(handout)
    pages.answers(handout)
    document.print_(writer)
    del writer  # finishes the file
    return bytes(buffer.data())


class _Pages:
    """The handout typeset into a QTextDocument, block by block."""

    def __init__(self, document: QTextDocument):
        self.document = document
        self.cursor = QTextCursor(document)
        self.width = document.pageSize().width() - 2 * document.documentMargin()  # the figures' width
        self.first = True

    def heading(self, text: str, size: float, new_page: bool = False) -> None:
        block = QTextBlockFormat()
        block.setTopMargin(0 if new_page else 10)
        block.setBottomMargin(6)
        if new_page and not self.first:
            block.setPageBreakPolicy(QTextFormat.PageBreak_AlwaysBefore)
        self.first = False
        style = QTextCharFormat()
        style.setFontPointSize(size)
        style.setFontWeight(QFont.Bold)
        self.cursor.insertBlock(block, style)
        self.cursor.insertText(text)

    def paragraph(self, text: str, bold_lead: str = "", italic: bool = False) -> None:
        self.cursor.insertBlock(_spaced(), QTextCharFormat())
        if bold_lead:
            lead = QTextCharFormat()
            lead.setFontWeight(QFont.Bold)
            self.cursor.insertText(bold_lead + " ", lead)
        body = QTextCharFormat()
        body.setFontItalic(italic)
        self.cursor.insertText(text, body)

    def markdown(self, text: str) -> None:
        self.cursor.insertBlock(_spaced(), QTextCharFormat())
        self.cursor.insertMarkdown(text)

    def title_page(self, handout: Handout) -> None:
        lesson = handout.lesson
        self.heading(lesson.title, 18, new_page=True)
        self.paragraph(lesson.goal, italic=True)
        self.paragraph(f"{len(handout.pages)} steps; further reading after the last; the answers are on the last page(s), for the teacher.")

    def step_page(self, handout: Handout, page: Page, image: QImage) -> None:
        self.heading(f"Step {page.number} of {len(handout.pages)}", 14, new_page=True)
        self.markdown(page.step.text)
        self.paragraph(page.action, "What happens:")
        if page.question is not None:
            self.paragraph(page.question["prompt"], "Predict:")
            for i, choice in enumerate(page.question["choices"]):
                self.paragraph(f"☐ {choice_mark(i)} {choice}")
            self.paragraph("Your answer, and why:")
            self.answer_space()
            self.heading(overleaf_heading(page, len(handout.pages)), 12, new_page=True)
        self.figure(page, image)
        for rule in page.rules:
            self.paragraph(f"of {rule.run} for {rule.parameter}, with the numbers of step {rule.step}"
                           + (f" ({rule.note})" if rule.note else "") + ":", "The update rule")
            self.code(rule_text(rule))
        if page.question is None and page.step.explanation:
            self.markdown(f"**Why:** {page.step.explanation}")

    def answer_space(self, lines: int = 3) -> None:
        table = QTextTableFormat()
        table.setBorder(1)
        table.setBorderBrush(QColor("#999999"))
        table.setBorderStyle(QTextFrameFormat.BorderStyle_Solid)
        table.setCellPadding(9)
        table.setCellSpacing(0)
        table.setWidth(QTextLength(QTextLength.PercentageLength, 100))
        self.cursor.insertTable(lines, 1, table)
        self.cursor.movePosition(QTextCursor.End)

    def figure(self, page: Page, image: QImage) -> None:
        name = f"figure-{page.number}"
        self.document.addResource(QTextDocument.ImageResource, QUrl(name), image)
        picture = QTextImageFormat()
        picture.setName(name)
        picture.setWidth(self.width)
        picture.setHeight(self.width * image.height() / image.width())
        self.cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        self.cursor.insertImage(picture)
        self.paragraph(f"At step {page.end_step}, the end of the action.", italic=True)

    def code(self, lines: list[str]) -> None:
        mono = QTextCharFormat()
        mono.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        mono.setFontPointSize(8)
        for line in lines:
            self.cursor.insertBlock(QTextBlockFormat(), mono)
            self.cursor.insertText(line, mono)

    def further_reading(self, handout: Handout) -> None:
        self.heading("Further reading", 12)
        for reference in handout.lesson.references:
            self.paragraph(f"• {reference}")

    def answers(self, handout: Handout) -> None:
        self.heading(f"{handout.title}: answers, for the teacher", 14, new_page=True)
        self.markdown(answers_markdown(handout).split("\n", 1)[1])


# --- from the menus -------------------------------------------------------------------------------------

class HandoutExport(QObject):
    """Lessons ▸ Export handout and the lesson browser's button: ask where, play the lesson's steps
    in a worker thread (NumPy only), then draw and write the files; the window keeps working."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handout")
        self._job = None
        self._poll = QTimer(self, interval=50)
        self._poll.timeout.connect(self._check)

    @property
    def busy(self) -> bool:
        return self._job is not None

    def ask(self, lesson) -> None:
        if self.busy:
            self.window.model.say("a handout is being written: wait for it to finish")
            return
        path, chosen = QFileDialog.getSaveFileName(
            self.window, "Export handout", f"{lesson.path.stem}.pdf",
            "PDF handout (*.pdf);;Markdown handout with pictures (*.md)")
        if path:
            if "Markdown" in chosen and not path.lower().endswith(".md"):
                path += ".md"
            elif "PDF" in chosen and not path.lower().endswith((".pdf", ".md")):
                path += ".pdf"
            self.start(lesson, path)

    def start(self, lesson, path: str) -> None:
        """Write the handout of `lesson` to `path` (.pdf or .md) without blocking the window."""
        self.window.model.say(f"writing the handout of '{lesson.title}'…")
        self._job = (self._pool.submit(build_handout, lesson), path)
        self._poll.start()

    def _check(self) -> None:
        future, path = self._job
        if not future.done():
            return
        self._poll.stop()
        self._job = None
        try:
            handout = future.result()
            images = render_figures(handout)
            written = write_files(handout, images, path)
        except (OSError, ValueError) as error:
            QMessageBox.warning(self.window, "Export handout",
                                f"Could not write {path}: {getattr(error, 'strerror', None) or error}")
            return
        self.window.model.say(f"wrote {written[-1] if path.lower().endswith('.md') else written[0]}")

    def shutdown(self) -> None:
        self._poll.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
