"""Does a question give its answer away before the class has predicted? (Qt-free)

Before the answer, the class sees the lesson's title (above every step in the player) and its goal
(in the lesson browser), the step's setup (`text`), the question's prompt, its choices, the runs'
shown names (their aliases, where they have one) and, if the step shows the equation panel, the
selected run's update rule — in symbols only: the player holds this step's numbers back until the
answer (`AppModel.numbers_held`), so `equation_text` is what the panel shows while the class predicts.
The answer's **key words** are the words of the right choice that no other choice uses and that do
not merely name a run (a choice may say "Momentum" when the runs are gradient descent and
momentum), plus the word stems the lesson lists in `question.key_words` for the idea behind the
answer ("diverg" for "it blows up", or a phrase such as "ten times"). A key word seen before the
answer is a giveaway: the answer's own words anywhere, the lesson's stems and phrases anywhere but
in the prompt (the prompt may use the question's own words: "Which run blows up?").
"""
from __future__ import annotations

import re

from ..app.runs import build_steppers
from ..core.equations import explain, without_numbers
from ..core.optimizers import get_optimizer
from .scenes import scene_experiment
from .schema import Lesson, Step

# Words that carry no answer: articles, auxiliaries, quantifiers and the lesson's own vocabulary.
STOP_WORDS = frozenset("""
a an the and or but of to in on at by for from with without as is are be been it its it's this that
these those than then there here so not no yes all any each every both either neither one two
more less most least much many few about very only just also still even same other another after
before while when where which who what how does do did will would can could may might must has have
had run runs step steps times""".split())


def words(text: str) -> list[str]:
    """Lower-case words and numbers of `text` (a trailing plural s dropped from words)."""
    found = re.findall(r"[^\W\d_][\w'’-]*|\d+(?:[.,]\d+)*", re.sub(r"['’]s\b", "", text.lower()))
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in found]


def shown_names(step: Step) -> list[str]:
    """What the legends and the run list call the runs before the answer."""
    return step.scene.shown_names(revealed=False)


def key_words(step: Step) -> set[str]:
    """The answer's key words (see the module's docstring); empty for a step without a question."""
    question = step.question
    if question is None:
        return set()
    answer = question["answer"]
    others = {w for i, choice in enumerate(question["choices"]) if i != answer for w in words(choice)}
    run_words = {w for run in step.scene.runs
                 for w in words(f"{run.name} {run.alias or ''} {get_optimizer(run.optimizer).title}")}
    own = {w for w in words(question["choices"][answer])
           if w not in others and w not in run_words and w not in STOP_WORDS and (len(w) > 2 if not w[0].isdigit() else len(w) > 1)}
    return own | {w.lower() for w in question.get("key_words", [])}


def equation_text(step: Step) -> str:
    """What the equation panel shows before the answer, if the step shows it: the selected run's
    update rule for every parameter, without numbers (as `InspectorView` passes it on)."""
    if "equation" not in step.scene.panels:
        return ""
    scene = step.scene
    names = [run.name for run in scene.runs]
    selected = names.index(scene.selected) if scene.selected in names else 0
    experiment = scene_experiment(step, revealed=False)
    stepper = build_steppers(experiment)[selected]
    row = stepper.record()
    texts = []
    for index in range(len(row["params"])):
        lines = without_numbers(explain(scene.runs[selected].optimizer, stepper.hparams, row, None, index,
                                        clip=experiment.clip))
        texts += [f"{line.rule} {line.name}" for line in lines]
    return "\n".join(dict.fromkeys(texts))


def on_screen(step: Step, lesson: Lesson | None = None) -> dict[str, str]:
    """Everything the class can read before the answer, by where it is shown."""
    seen = {"the setup": step.text, "the prompt": step.question["prompt"] if step.question else "",
            "the run names": " ".join(shown_names(step)), "the equation panel": equation_text(step)}
    if lesson is not None:
        seen.update({"the lesson's title": lesson.title, "the lesson's goal": lesson.goal})
    return seen


def giveaways(step: Step, lesson: Lesson | None = None) -> list[str]:
    """Each key word of the answer that the class can read before it is revealed, with where (the
    title and goal too, given the step's `lesson`)."""
    if step.question is None:
        return []
    stems = {w.lower() for w in step.question.get("key_words", [])}
    automatic = key_words(step) - stems
    found = []
    for where, text in on_screen(step, lesson).items():
        for word in words(text):
            found += [f"{key!r} in {where} ({word!r})" for key in automatic if word == key]
        if where != "the prompt":  # the prompt may use the question's own words ("Which run blows up?")
            flat = " ".join(text.lower().split())
            found += [f"{stem!r} in {where}" for stem in stems if stem in flat]
    return sorted(set(found))
