"""Every lesson loads, and every claim it makes holds when it is played through the engine."""

import pytest

from gradsim.lessons import LessonError, check_lesson, load_lesson, load_lessons
from gradsim.paths import resource_path

LESSONS = sorted(resource_path("lessons").glob("*.toml"))


def test_lessons_are_shipped():
    assert len(LESSONS) >= 3
    assert [lesson.path for lesson in load_lessons()] == LESSONS


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_claim_of_the_lesson_holds(path):
    lesson = load_lesson(path)
    results = check_lesson(lesson)
    assert results, "a lesson makes at least one checked claim"
    failed = [f"step {n}: {claim} — saw {seen}" for n, claim, holds, seen in results if not holds]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("text, message", [
    ("title = 1", "title: must be non-empty text"),
    ('title = "t"\ngoal = "g"\nreferences = []', "references: must be a non-empty list"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\nscene = { problem = "rosenbrok", runs = [] }',
     r"steps\[1\]\.scene\.problem: unknown surface 'rosenbrok'; did you mean 'rosenbrock'"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd", hparams = { lr = -1 } }] }',
     r"steps\[1\]\.scene\.runs\[1\]: optimizer 'sgd' hyperparameter 'lr' = -1"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd" }] }\n'
     'action = { kind = "run", steps = 5 }\nclaims = [{ kind = "diverges_before", run = "b", step = 3 }]',
     r"steps\[1\]\.claims\[1\]\.run: no run named 'b'"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd" }] }\n'
     'action = { kind = "run", steps = 5 }\nclaims = [{ kind = "wins", run = "a" }]',
     r"steps\[1\]\.claims\[1\]\.kind: unknown claim 'wins'"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd" }] }\n'
     'question = { prompt = "?", choices = ["a", "b"], answer = 2 }',
     r"steps\[1\]\.question\.answer: must be the index of a choice"),
    ("title = [", "not valid TOML"),
])
def test_a_bad_lesson_file_names_the_file_and_the_field(tmp_path, text, message):
    path = tmp_path / "bad_lesson.toml"
    path.write_text(text)
    with pytest.raises(LessonError, match=message) as error:
        load_lesson(path)
    assert str(error.value).startswith("bad_lesson.toml: ")
