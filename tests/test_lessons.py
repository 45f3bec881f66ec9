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


HEAD = 'title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'


@pytest.mark.parametrize("text, message", [
    ("title = 1", "title: must be non-empty text"),
    ('title = "t"\ngoal = "g"\nreferences = []', "references: must be a non-empty list"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { dataset = "spoiler", model = { hidden = [] }, start = [1.0, 2.0], runs = [{ name = "a", optimizer = "sgd" }] }',
     r"steps\[1\]\.scene\.start: must list the network's 3 initial weights"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { dataset = "moons", runs = [{ name = "a", optimizer = "sgd", model = { hidden = [4] } }] }',
     r"steps\[1\]\.scene\.runs\[1\]\.model: a run may set activation, loss, init, init_std; not hidden"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { dataset = "moons", runs = [{ name = "a", optimizer = "sgd", model = { loss = "hinge" } }] }',
     r"steps\[1\]\.scene\.runs\[1\]\.model: unknown loss 'hinge'"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { problem = "saddle", view = [1, 0, 0, 1], runs = [{ name = "a", optimizer = "sgd" }] }',
     r"steps\[1\]\.scene\.view: must be \[xmin, xmax, ymin, ymax\] with xmin < xmax"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { problem = "saddle", controls = ["knobs"], runs = [{ name = "a", optimizer = "sgd" }] }',
     r"steps\[1\]\.scene\.controls: unknown control\(s\) \['knobs'\]"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { problem = "saddle", strat = [0, 1], runs = [{ name = "a", optimizer = "sgd" }] }',
     r"steps\[1\]\.scene: unknown field\(s\) strat"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd" }] }\n'
     'action = { kind = "run_until", steps = 50, until = { run = "b", loss_below = 1 } }',
     r"steps\[1\]\.action\.until: must be \{ run = <a run of the scene>, loss_below = v \}"),
    ('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
     'scene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd" }] }\n'
     'action = { kind = "run_until", steps = 50, until = { run = "a", accuracy_at_least = 1 } }',
     r"steps\[1\]\.action\.until: accuracy_at_least is for a network scene"),
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
    (HEAD + 'scene = { problem = "saddle", runs = [{ name = "a", alias = "A", optimizer = "sgd" }, '
            '{ name = "b", optimizer = "sgd" }] }',
     r"steps\[1\]\.scene\.runs: if one run has an alias, every run needs one"),
    (HEAD + 'scene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd" }] }\n'
            'action = { kind = "run", steps = 5, pause_at = 5 }',
     r"steps\[1\]\.action\.pause_at: must be a step from 1 to 4"),
    (HEAD + 'scene = { problem = "saddle", theory = ["gd_envelope"], runs = [{ name = "a", optimizer = "sgd" }] }',
     r"steps\[1\]\.scene\.theory: is drawn on a quadratic"),
    (HEAD + 'scene = { problem = "quadratic", theory = ["guess"], runs = [{ name = "a", optimizer = "sgd" }] }',
     r"steps\[1\]\.scene\.theory: must list some of gd_envelope"),
    (HEAD + 'scene = { problem = "saddle", loss_scale = "cubic", runs = [{ name = "a", optimizer = "sgd" }] }',
     r"steps\[1\]\.scene\.loss_scale: must be one of log, gap, symlog, linear"),
    (HEAD + 'scene = { dataset = "spoiler", boundary_lines = ["b"], runs = [{ name = "a", optimizer = "sgd" }] }',
     r"steps\[1\]\.scene\.boundary_lines: must list runs of the scene"),
    (HEAD + 'scene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd", schedule = { name = "cosin" } }] }',
     r"steps\[1\]\.scene\.runs\[1\]\.schedule: unknown schedule 'cosin'"),
    (HEAD + 'scene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd" }] }\n'
            'question = { prompt = "?", choices = ["a", "b"], answer = 1, key_words = "a" }',
     r"steps\[1\]\.question\.key_words: must be a list of words"),
    (HEAD + 'explanation = 3\nscene = { problem = "saddle", runs = [{ name = "a", optimizer = "sgd" }] }',
     r"steps\[1\]\.explanation: must be text"),
])
def test_a_bad_lesson_file_names_the_file_and_the_field(tmp_path, text, message):
    path = tmp_path / "bad_lesson.toml"
    path.write_text(text)
    with pytest.raises(LessonError, match=message) as error:
        load_lesson(path)
    assert str(error.value).startswith("bad_lesson.toml: ")


def test_the_spoiler_lessons_example_line_separates_the_four_points():
    # Lesson 19 says w = (2, −0.1), b = 0.5 separates the four points: the set is separable.
    import numpy as np
    from gradsim.core.datasets import make_dataset
    data = make_dataset("spoiler", {"t": 10.0})
    logits = data.X @ np.array([2.0, -0.1]) + 0.5
    assert np.array_equal(logits > 0, data.y == 1)


def test_run_until_stops_every_run_where_the_condition_first_holds(tmp_path):
    from gradsim.lessons.runner import play_step
    from gradsim.lessons.scenes import scene_experiment
    path = tmp_path / "until.toml"
    path.write_text('title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
                    'scene = { problem = "quadratic", start = [2.0, 1.0], runs = [\n'
                    '  { name = "fast", optimizer = "sgd", hparams = { lr = 0.09 } },\n'
                    '  { name = "slow", optimizer = "sgd", hparams = { lr = 0.01 } }] }\n'
                    'action = { kind = "run_until", steps = 1000, until = { run = "fast", loss_below = 1e-4 } }\n'
                    'claims = [{ kind = "loss_below", run = "fast", value = 1e-4 }]\n')
    step = load_lesson(path).steps[0]
    traces = play_step(step)
    fast, slow = traces["fast"].loss, traces["slow"].loss
    assert len(fast) == len(slow) < 1000
    assert fast[-1] < 1e-4 and fast[-2] >= 1e-4  # stopped at the first step below, not later
    from gradsim.app.runs import steps_until
    from gradsim.lessons.scenes import action_until
    assert steps_until(scene_experiment(step), 1000, action_until(step)) == len(fast) - 1



def _notes_momentum(grad, start, eta, beta, steps, nesterov):
    """The course notes' forms, written out: v ← βv − η∇L(w) (or ∇L(w + βv), Nesterov), w ← w + v."""
    import numpy as np
    w, v, points = np.array(start, dtype=float), np.zeros(2), []
    for _ in range(steps):
        v = beta * v - eta * grad(w + beta * v if nesterov else w)
        w = w + v
        points.append(w + beta * v if nesterov else w)  # PyTorch's θ is the look-ahead point for Nesterov
    return np.array(points)


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov"])
def test_the_notes_form_of_momentum_gives_pytorchs_points(optimizer):
    # Lessons 5 and 6: v_notes = −η v_torch; for Nesterov, PyTorch's θ is the notes' w + βΔw.
    import numpy as np
    from gradsim import simulate
    A = np.diag([1.0, 50.0])
    trace = simulate(surface="quadratic", surface_params={"a": 1.0, "b": 50.0}, optimizer=optimizer,
                     hparams={"lr": 0.01, "momentum": 0.9}, start=(2.0, 1.0), steps=200)
    notes = _notes_momentum(lambda w: A @ w, (2.0, 1.0), 0.01, 0.9, 200, optimizer == "nesterov")
    np.testing.assert_allclose(trace.params[1:], notes, rtol=1e-9, atol=1e-12)


def test_the_optimal_heavy_ball_is_critically_damped_at_both_ends():
    # Lesson 5, step 4: a double root at λmin and λmax, hence the k·ρᵏ error and a measured rate above ρ.
    import math
    from gradsim.core import theory
    lr, beta, rate = theory.optimal_heavy_ball([1.0, 50.0])
    for lam in (1.0, 50.0):
        assert theory.critical_momentum(lr, lam) == pytest.approx(beta, rel=1e-12)
    assert rate == pytest.approx((math.sqrt(50) - 1) / (math.sqrt(50) + 1))


QUESTION_STEPS = [pytest.param(lesson, step, id=f"{lesson.path.stem}-{number}")
                  for lesson in load_lessons() for number, step in enumerate(lesson.steps, start=1)
                  if step.question is not None]


@pytest.mark.parametrize("lesson, step", QUESTION_STEPS)
def test_no_question_gives_its_answer_away(lesson, step):
    """Before the answer the class reads the lesson's title and goal, the setup, the prompt, the runs'
    shown names (aliases) and the equation panel's rules: none may contain the answer's key words;
    the reason goes in the explanation."""
    from gradsim.lessons.questions import giveaways
    assert not giveaways(step, lesson), giveaways(step, lesson)
    assert step.explanation, "a question step explains its answer"


def test_lesson_20s_floor_is_the_least_squares_line():
    # Lesson 20 says 0.188 is the best a linear model can do on the sine data its networks fit.
    import numpy as np
    from gradsim import simulate
    trace = simulate(dataset="sine", model={"hidden": [4], "activation": "linear", "loss": "mse"},
                     optimizer="sgd", hparams={"lr": 0.01}, steps=1, seed=0)
    X, y = trace.data
    design = np.column_stack([X, np.ones(len(X))])
    fit = np.linalg.lstsq(design, y[:, 0], rcond=None)[0]
    assert np.mean((design @ fit - y[:, 0]) ** 2) == pytest.approx(0.18814125, abs=1e-8)


def test_the_giveaway_check_finds_what_todays_files_gave_away(tmp_path):
    # Lesson 2 before this check: the run named "diverging" under "Which run will blow up?".
    path = tmp_path / "old.toml"
    path.write_text(HEAD + 'scene = { problem = "quadratic", runs = [{ name = "slow", optimizer = "sgd" }, '
                           '{ name = "diverging", optimizer = "sgd", hparams = { lr = 0.25 } }] }\n'
                           'action = { kind = "run", steps = 5 }\n'
                           'question = { prompt = "Which run will blow up?", choices = ["η = 0.01", "η = 0.25"], '
                           'answer = 1, key_words = ["diverg"] }')
    from gradsim.lessons.questions import giveaways
    assert giveaways(load_lesson(path).steps[0]) == ["'diverg' in the run names"]


def test_the_giveaway_check_reads_the_title_the_goal_and_the_equation_panels_rules(tmp_path):
    # What is on screen before the prediction besides the setup: the player's title, the browser's goal
    # and, held without its numbers, the equation panel's rule (here Adam's "bias-corrected" lines).
    from gradsim.lessons.questions import equation_text, giveaways
    question = ('question = { prompt = "How long is the first step?", choices = ["η per coordinate", '
                '"η times the gradient"], answer = 0, key_words = ["bias-corrected", "honest"] }\n')
    scene = ('scene = { problem = "rosenbrock", panels = ["trajectory", "equation"], runs = [{ name = "a", '
             'optimizer = "adam" }] }\naction = { kind = "run", steps = 1 }\n')
    path = tmp_path / "shown.toml"
    path.write_text('title = "Honest first steps"\ngoal = "See that the first step is η per coordinate."\n'
                    'references = ["r"]\n[[steps]]\ntext = "x"\n' + scene + question)
    lesson = load_lesson(path)
    step = lesson.steps[0]
    import re
    assert "m′ = m / (1 − β₁ᵗ)" in equation_text(step) and not re.search(r"\d\.\d", equation_text(step))
    assert giveaways(step, lesson) == ["'bias-corrected' in the equation panel", "'coordinate' in the lesson's goal "
                                       "('coordinate')", "'honest' in the lesson's title", "'per' in the lesson's goal ('per')"]
    assert giveaways(step) == ["'bias-corrected' in the equation panel"]  # without the lesson: its step alone
