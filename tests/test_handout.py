"""Handouts: every lesson exported as PDF and as Markdown with PNGs, and checked page by page and file
by file; the command line's form; the menu entry and the lesson browser's button."""
import os
import pathlib
import re
import subprocess
import sys
import unicodedata

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog, QPushButton

from gradsim.cli import main
from gradsim.gui.handout import FigureRenderer, render_figures, write_files
from gradsim.lessons import load_lessons
from gradsim.lessons.handout import build_handout, overleaf_heading, value_text

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


def words(text: str) -> str:
    """Text without its spacing (a PDF's extracted text breaks and spaces lines and numbers its own way)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))  # NFKC: "ﬁ" is "fi"


def letters(text: str) -> str:
    """Only the Latin letters of a text (extraction renders superscripts and symbols its own way)."""
    return re.sub(r"[^A-Za-z]", "", unicodedata.normalize("NFKC", text))


def check_pdf(path, handout):
    reader = PdfReader(path)
    pages = [words(page.extract_text()) for page in reader.pages]
    count = len(handout.pages)
    # each step starts a page of its own, in order, after the title page
    starts = [next(i for i, text in enumerate(pages) if text.startswith(f"Step{k}of{count}"))
              for k in range(1, count + 1)]
    assert starts == sorted(starts) and starts[0] >= 1 and len(set(starts)) == count
    answers = next(i for i, text in enumerate(pages) if text.startswith(words(f"{handout.title}: answers")))
    assert answers > starts[-1]  # the answers come after every step, from a page of their own
    student = "".join(pages[:answers])
    last_step = "".join(pages[starts[-1]:answers])
    for reference in handout.lesson.references:  # after the steps (a title can answer a question)
        lead = letters(reference)[:30]  # (a line split by a page break is extracted from both pages)
        assert lead not in letters("".join(pages[:starts[0]])) and lead in letters(last_step)
    for page in handout.pages:
        body = "".join(pages[starts[page.number - 1]:(starts + [answers])[page.number]])
        assert words(f"At step {page.end_step}, the end of the action") in body
        if page.question is not None:
            assert letters(page.question["prompt"]) in letters(body)
            for choice in page.question["choices"]:
                assert letters(choice) in letters(body)
            assert letters(page.step.explanation)[:80] not in letters(student)  # the reason is the teacher's
            # the figure and this step's numbers are the answer: they start a page after the question
            start, end = starts[page.number - 1], (starts + [answers])[page.number]
            overleaf = next(i for i in range(start + 1, end) if pages[i].startswith(words(overleaf_heading(page, count))))
            asked = "".join(pages[start:overleaf])
            assert letters(page.question["prompt"]) in letters(asked)
            assert words(f"At step {page.end_step}, the end of the action") not in asked
            assert words("The update rule of") not in asked
        for rule in page.rules:  # the rule with this step's numbers: every line's result
            for line in rule.lines:
                assert words(f"= {value_text(line.value)}") in body, (page.number, line)
    teacher = letters("".join(pages[answers:]))
    for page in handout.pages:
        if page.question is not None:
            assert letters(page.answer) in teacher and letters(page.step.explanation)[:80] in teacher


def check_markdown(folder, handout, stem):
    text = (folder / f"{stem}.md").read_text(encoding="utf-8")
    answers = (folder / f"{stem}-answers.md").read_text(encoding="utf-8")
    for page in handout.pages:
        assert f"## Step {page.number} of {len(handout.pages)}" in text
        if page.question is not None:
            assert page.question["prompt"] in text and page.answer in answers
            assert page.step.explanation not in text  # the reason is on the teacher's page
            section = text.split(f"## Step {page.number} of {len(handout.pages)}\n", 1)[1]
            overleaf = section.index(f"### {overleaf_heading(page, len(handout.pages))}")
            assert section.index(page.question["prompt"]) < overleaf < section.index("![")
    reading = text.index("## Further reading")
    assert reading > text.index(f"## Step {len(handout.pages)} of")
    assert all(reference in text[reading:] and reference not in text[:text.index("## Step 1 of")]
               for reference in handout.lesson.references)
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(figures) == len(handout.pages)
    for name in figures:
        with Image.open(folder / name) as image:  # exists, opens and is not blank
            pixels = np.asarray(image.convert("RGB"))
        assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50, name


def export_and_check_every_lesson(folder) -> None:
    renderer = FigureRenderer(size=(480, 300))  # small figures: the same drawing, sooner
    for lesson in load_lessons():
        handout = build_handout(lesson)
        images = render_figures(handout, renderer)
        stem = lesson.path.stem
        pdf = folder / f"{stem}.pdf"
        write_files(handout, images, pdf)
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        check_pdf(pdf, handout)
        write_files(handout, images, folder / "md/")
        check_markdown(folder / "md", handout, stem)
    renderer.close()
    print(f"checked {len(load_lessons())} handouts")


def test_every_lesson_exports_as_pdf_and_markdown(tmp_path):
    """Run in a fresh process: after hundreds of GUI tests, drawing a hundred figures in the same
    process once crashed inside pyqtgraph's ViewBox (its own source marks the line 'segfaults
    here'), as the command line's `gradsim handout` never does: it draws them in a fresh process."""
    code = ("import pathlib, sys; sys.path.insert(0, sys.argv[1]); from PySide6.QtWidgets import QApplication; "
            "app = QApplication([]); import test_handout; "
            "test_handout.export_and_check_every_lesson(pathlib.Path(sys.argv[2]))")
    done = subprocess.run([sys.executable, "-c", code, str(pathlib.Path(__file__).parent), str(tmp_path)],
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    assert f"checked {len(load_lessons())} handouts" in done.stdout


def test_the_command_line_writes_a_handout_and_refuses_bad_input(qapp, tmp_path, capsys):
    assert main(["handout", "16", "--out", str(tmp_path / "newton.pdf")]) == 0
    assert (tmp_path / "newton.pdf").read_bytes().startswith(b"%PDF-")
    assert main(["handout", "newton", "--out", f"{tmp_path}/md/"]) == 0
    assert (tmp_path / "md" / "16_newton.md").exists() and (tmp_path / "md" / "16_newton-step-02.png").exists()
    capsys.readouterr()
    assert main(["handout", "99", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "unknown lesson '99'" in capsys.readouterr().err
    assert main(["handout", "16", "--out", str(tmp_path / "x.docx")]) == 2
    assert "FILE.pdf, FILE.md or a folder" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.docx").exists()


def test_the_lessons_menu_and_the_browser_export_a_handout(window, qtbot, tmp_path, monkeypatch):
    lesson = next(item for item in load_lessons() if item.path.stem == "16_newton")
    target = tmp_path / "newton.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "PDF handout (*.pdf)"))
    window.start_lesson(lesson)
    window.findChild(object, "exportHandoutAction").trigger()
    qtbot.waitUntil(lambda: window.model.status.startswith("wrote"), timeout=30000)
    assert target.read_bytes().startswith(b"%PDF-") and str(target) in window.model.status

    from gradsim.gui.lesson_browser import LessonBrowser
    asked = []
    browser = LessonBrowser(load_lessons(), window, handout=asked.append)
    qtbot.addWidget(browser)
    browser.list.setCurrentRow(15)
    browser.findChild(QPushButton, "lessonHandoutButton").click()
    assert asked == [browser.chosen()] and asked[0].path.stem == "16_newton"
