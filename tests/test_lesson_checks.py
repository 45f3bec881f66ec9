"""Issue 14: a lesson file is checked whole when it is loaded. Wrong types get a LessonError naming
the file and the field (they raised AttributeError or TypeError), values the session would choke
on are refused at load (they failed only when played), a claim cannot index past its run, and one
broken file in the lessons folder is skipped with its reason instead of stopping the app."""
from __future__ import annotations

import shutil

import pytest

from gradsim.lessons import LessonError, check_lesson, load_lesson, load_lessons
from gradsim.paths import resource_path

HEAD = 'title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
SCENE = 'scene = { problem = "quadratic", runs = [{ name = "a", optimizer = "sgd" }] }\n'
RUN = 'action = { kind = "run", steps = 5 }\n'


def scene(**fields) -> str:
    extra = "".join(f", {key} = {value}" for key, value in fields.items())
    runs = fields.pop("runs", None)
    return (f'scene = {{ problem = "quadratic"{extra}'
            + ('' if runs else ', runs = [{ name = "a", optimizer = "sgd" }]') + ' }\n')


@pytest.mark.parametrize("body, message", [
    (SCENE + "action = 5\n", r"steps\[1\]\.action: must be a table"),
    (SCENE + RUN + "claims = [1]\n", r"steps\[1\]\.claims: must be a list of tables"),
    ('scene = { problem = "quadratic", runs = [5] }\n', r"steps\[1\]\.scene\.runs: runs\[1\] must be a table"),
    ('scene = { problem = ["quadratic"], runs = [{ name = "a", optimizer = "sgd" }] }\n',
     r"steps\[1\]\.scene\.problem: problem must be a name \(text\), got \['quadratic'\]"),
    ('scene = { problem = "quadratic", runs = [{ name = "a", optimizer = ["sgd"] }] }\n',
     r"steps\[1\]\.scene\.runs\[1\]: optimizer must be a name \(text\)"),
    ('scene = { problem = "quadratic", runs = [{ name = "a", optimizer = "sgd", hparams = 5 }] }\n',
     r"steps\[1\]\.scene\.runs\[1\]: hparams must be a table"),
    (SCENE + RUN + 'claims = [{ kind = "stays_finite", run = ["a"] }]\n',
     r"steps\[1\]\.claims\[1\]\.run: must be the name of a run"),
    (SCENE + RUN + 'claims = [{ kind = ["stays_finite"], run = "a" }]\n', r"steps\[1\]\.claims\[1\]\.kind: unknown claim"),
    (SCENE + "question = 5\n", r"steps\[1\]\.question: must be a table"),
    (SCENE + 'question = { prompt = "?", choices = [1, 2], answer = 0 }\n', r"steps\[1\]\.question: needs a prompt"),
    (scene(panels='[["loss"]]'), r"steps\[1\]\.scene\.panels: panels must be a list of names"),
    (scene(controls='[["transport"]]'), r"steps\[1\]\.scene\.controls: controls must be a list of names"),
    (scene(theory='[["gd_envelope"]]'), r"steps\[1\]\.scene\.theory: must list some of"),
    (scene(problem_params="5"), r"steps\[1\]\.scene\.problem_params: problem_params must be a table"),
    (scene(view="[0, inf, 0, 1]"), r"steps\[1\]\.scene\.view: must be \[xmin, xmax, ymin, ymax\]"),
    # values the session would have failed on, refused at load with the engine's messages
    (scene(start="[nan, 1.0]"), r"steps\[1\]\.scene\.start: start must be finite numbers"),
    (scene(grad_noise="-1.0"), r"steps\[1\]\.scene\.grad_noise: grad_noise must be a finite number ≥ 0"),
    (scene(grad_noise="nan"), r"steps\[1\]\.scene\.grad_noise: grad_noise must be a finite number ≥ 0"),
    (scene(grad_noise='"abc"'), r"steps\[1\]\.scene\.grad_noise: grad_noise must be a number, got 'abc'"),
    (scene(schedule='{ name = "cosin" }'), r"steps\[1\]\.scene\.schedule: unknown schedule 'cosin'"),
    (scene(clip="{ norm = -1 }"), r"steps\[1\]\.scene\.clip: clip norm must be a positive finite number"),
    (scene(seed=str(2**40)), r"steps\[1\]\.scene\.seed: seed must be a whole number from 0 to 2147483647"),
    (scene(runs="[" + ", ".join(f'{{ name = "r{i}", optimizer = "sgd" }}' for i in range(9)) + "]"),
     r"steps\[1\]\.scene\.runs: a scene has 1 to 8 runs, got 9"),
    # claims that would index past what the run records
    (SCENE + RUN + 'claims = [{ kind = "coordinate_range", run = "a", coordinate = 7, at_most = 1 }]\n',
     r"steps\[1\]\.claims\[1\]\.coordinate: must be a coordinate from 0 to 1, got 7"),
    (SCENE + RUN + 'claims = [{ kind = "coordinate_at", run = "a", coordinate = 0, step = 100000, value = 0, '
                   'tolerance = 1 }]\n',
     r"steps\[1\]\.claims\[1\]\.step: must be a step from 0 to 5 \(the action's steps\), got 100000"),
    (SCENE + RUN + 'claims = [{ kind = "loss_below", run = "a", value = "small" }]\n',
     r"steps\[1\]\.claims\[1\]\.value: must be a finite number, got 'small'"),
])
def test_a_lesson_of_the_wrong_shape_raises_a_lesson_error_naming_file_and_field(tmp_path, body, message):
    path = tmp_path / "bad_lesson.toml"
    path.write_text(HEAD + body)
    with pytest.raises(LessonError, match=message) as error:
        load_lesson(path)
    assert str(error.value).startswith("bad_lesson.toml: ") and "\n" not in str(error.value)


def test_a_claim_on_a_step_the_run_never_reached_fails_with_its_reason(tmp_path):
    # run_until stops the run early: step 40 is inside the action but past the run's end.
    path = tmp_path / "short.toml"
    path.write_text(HEAD + 'scene = { problem = "quadratic", problem_params = { a = 1, b = 1 }, '
                           'runs = [{ name = "a", optimizer = "sgd", hparams = { lr = 0.5 } }] }\n'
                           'action = { kind = "run_until", steps = 50, until = { run = "a", loss_below = 1.0 } }\n'
                           'claims = [{ kind = "coordinate_at", run = "a", coordinate = 0, step = 40, value = 0, '
                           'tolerance = 1 }]\n')
    [(step, claim, holds, seen)] = check_lesson(load_lesson(path))
    assert not holds and "cannot be checked (IndexError" in seen


def test_one_broken_file_in_the_lessons_folder_is_skipped_with_its_name_and_reason(tmp_path):
    shipped = sorted(resource_path("lessons").glob("*.toml"))[:2]
    for path in shipped:
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "zz_broken.toml").write_text(HEAD + SCENE + "action = 5\n")
    skipped = []
    lessons = load_lessons(tmp_path, on_error=skipped.append)
    assert [lesson.path.name for lesson in lessons] == [path.name for path in shipped]
    assert skipped == ["lesson skipped: zz_broken.toml: steps[1].action: must be a table such as "
                       '{kind = "run", steps = 50}']
    with pytest.warns(UserWarning, match="lesson skipped: zz_broken.toml"):
        assert len(load_lessons(tmp_path)) == 2
