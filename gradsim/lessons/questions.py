"""Does a question give its answer away before the class has predicted? (Qt-free)

Before the answer, the class sees the step's setup (`text`), the question's prompt, its choices
and the runs' shown names (their aliases, where they have one). The answer's **key words** are
the words of the right choice that no other choice uses and that do not merely name a run (a
choice may say "Momentum" when the runs are gradient descent and momentum), plus the word stems
the lesson lists in `question.key_words` for the idea behind the answer ("diverg" for "it blows
up", or a phrase such as "ten times"). A key word seen before the answer is a giveaway: the answer's
own words anywhere, the lesson's stems and phrases anywhere in the setup and the run names (the
prompt may use the question's own words: "Which run blows up?").
"""
from __future__ import annotations

import re

from ..core.optimizers import get_optimizer
from .schema import Step

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


def giveaways(step: Step) -> list[str]:
    """Each key word of the answer that the class can read before it is revealed, with where."""
    if step.question is None:
        return []
    stems = {w.lower() for w in step.question.get("key_words", [])}
    automatic = key_words(step) - stems
    seen = {"the setup": step.text, "the prompt": step.question["prompt"], "the run names": " ".join(shown_names(step))}
    found = []
    for where, text in seen.items():
        for word in words(text):
            found += [f"{key!r} in {where} ({word!r})" for key in automatic if word == key]
        if where != "the prompt":  # the prompt may use the question's own words ("Which run blows up?")
            flat = " ".join(text.lower().split())
            found += [f"{stem!r} in {where}" for stem in stems if stem in flat]
    return sorted(set(found))
