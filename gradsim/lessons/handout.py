"""A lesson as a handout (Qt-free): what each page says, and the Markdown version.

Per step: the setup, what the action does, the question with room for the class's answer, the
figure at the end of the action, and the update rule of every run with the numbers of that step
(`gradsim.core.equations`) — on a question's step, the figure and the numbers start a new page
(they are the answer); the references come after the last step (a title such as "Back propagation
fails to separate where perceptrons succeed" would answer lesson 19's questions); then, on pages of their own, the answers for the teacher with their
explanations. `build_handout` plays every step exactly as the checker does (`play_step`, i.e.
`gradsim.app.runs`); the figures are drawn by the app's own panels (`gradsim.gui.handout`), which
also writes the PDF. A step that asks a question calls its runs by their neutral aliases (as the
app does until the answer), so the page does not give the answer away; the answers list both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core.equations import Line, explain, parameter_names
from ..core.optimizers import get_optimizer
from ..core.simulate import Trace
from .runner import play_step
from .scenes import action_pause, action_steps, scene_experiment
from .schema import Lesson, Step


@dataclass(frozen=True)
class Rule:
    """One run's update rule with the numbers of one step, for one parameter."""
    run: str  # as the page names it
    step: int
    parameter: str
    lines: tuple[Line, ...]
    note: str = ""  # why these are not the numbers at the end of the action (a diverged run)


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    step: Step
    traces: dict[str, Trace]  # every run's, by its name
    names: tuple[str, ...]  # the runs as this page calls them
    action: str
    rules: tuple[Rule, ...]

    @property
    def question(self) -> dict | None:
        return self.step.question

    @property
    def answer(self) -> str:
        question = self.step.question
        return "" if question is None else question["choices"][question["answer"]]

    @property
    def end_step(self) -> int:
        """The last step of the action (where the figure and the numbers are taken)."""
        return max(int(trace.step[-1]) for trace in self.traces.values())


@dataclass(frozen=True)
class Handout:
    lesson: Lesson
    pages: tuple[Page, ...]

    @property
    def title(self) -> str:
        return self.lesson.title


def build_handout(lesson: Lesson) -> Handout:
    """Every step played as the checker plays it, with the words and numbers its page shows."""
    pages = []
    for number, step in enumerate(lesson.steps, start=1):
        traces = play_step(step)
        names = tuple(step.scene.shown_names(revealed=step.question is None))
        pages.append(Page(number, step, traces, names, describe_action(step, traces, names),
                          tuple(update_rules(step, traces, names))))
    return Handout(lesson, tuple(pages))


def describe_action(step: Step, traces: dict[str, Trace], names) -> str:
    kind = step.action.get("kind")
    if kind not in ("run", "run_until"):
        return "No action: the scene as it starts."
    played = max(int(trace.step[-1]) for trace in traces.values())
    text = f"The runs take {played} step{'s' if played != 1 else ''}"
    if kind == "run_until":
        condition = dict(step.action["until"])
        run = names[[r.name for r in step.scene.runs].index(condition.pop("run"))]
        (test, value), = condition.items()
        what = f"{run}'s loss falls below {value:g}" if test == "loss_below" else f"{run}'s accuracy reaches {value:g}"
        limit = action_steps(step)
        text += f" (until {what}, at most {limit})" if played < limit else f" (the most allowed: {what} did not happen)"
    if action_pause(step) is not None:
        text += f", pausing at step {action_pause(step)} for the class"
    return text + "."


def update_rules(step: Step, traces: dict[str, Trace], names) -> list[Rule]:
    """The selected run's update rule (as the equation panel shows it) for its first parameter (x, or
    a network's first weight), with the numbers of the last step of the action (of its last finite
    step, for a run that diverged)."""
    chosen = step.scene.selected or step.scene.runs[0].name
    index = [run.name for run in step.scene.runs].index(chosen)
    run, trace = step.scene.runs[index], traces[chosen]
    finite = np.isfinite(trace.params).all(axis=1) & np.isfinite(trace.update).all(axis=1)
    if not finite.any():
        return []
    k = int(np.nonzero(finite)[0][-1])
    row = _row(trace, k)
    previous = _row(trace, k - 1)["state"] if k > 0 else None
    problem = trace.extra.get("problem")  # a network's, as played
    hessian = None
    if get_optimizer(run.optimizer).needs_hessian:
        problem = problem or scene_experiment(step).run_problems()[index][0]
        with np.errstate(all="ignore"):
            hessian = np.asarray(problem.hessian(row["params"], row["step"]), dtype=float)
    lines = explain(run.optimizer, dict(run.hparams), row, previous, 0, clip=step.scene.clip, hessian=hessian)
    note = "" if trace.status != "diverged" else f"diverged at step {trace.diverged_at}: its last finite update"
    return [Rule(names[index], int(row["step"]), parameter_names(getattr(problem, "mlp", None))[0], tuple(lines), note)]


def _row(trace: Trace, k: int) -> dict:
    return {"step": int(trace.step[k]), "params": trace.params[k], "grad": trace.grad[k], "lr": float(trace.lr[k]),
            "update": trace.update[k], "state": {name: values[k] for name, values in trace.state.items()}}


def value_text(value: float) -> str:
    """A result as the equation panel shows it: four significant digits, a true minus sign."""
    return f"{value + 0.0:.4g}".replace("-", "−")  # + 0.0: no "−0"


def rule_text(rule: Rule) -> list[str]:
    """The rule's lines as plain text: the rule in symbols, then its numbers."""
    out = []
    for line in rule.lines:
        numbers = line.numbers if line.numbers is not None else "…"
        out += [line.rule, f"    {line.name} = {numbers} = {value_text(line.value)}"]
    return out


def choice_mark(index: int) -> str:
    return f"({chr(ord('a') + index)})"


# --- Markdown -------------------------------------------------------------------------------------

ANSWER_LINES = 4  # blank lines left for the class's answer


def markdown(handout: Handout, figure: Callable[[Page], str]) -> tuple[str, str]:
    """The handout and the teacher's answers as Markdown; `figure(page)` names the page's picture."""
    lesson = handout.lesson
    out = [f"# {lesson.title}", "", f"*{lesson.goal}*", ""]
    for page in handout.pages:
        step, count = page.step, len(handout.pages)
        out += ["", f"## Step {page.number} of {count}", "", step.text, "", f"**What happens:** {page.action}", ""]
        if page.question is not None:
            out += [f"**Predict:** {page.question['prompt']}", ""]
            out += [f"- {choice_mark(i)} {choice}" for i, choice in enumerate(page.question["choices"])]
            out += ["", "Your answer, and why:", ""] + ["> " + "_" * 60 + "  " for _ in range(ANSWER_LINES)] + [""]
            out += ["---", "", f"### {overleaf_heading(page, count)}", ""]
        out += [f"![Step {page.number} at step {page.end_step}, the end of the action]({figure(page)})", ""]
        if page.rules:
            for rule in page.rules:
                out += [f"**The update rule** of {rule.run} for {rule.parameter}, with the numbers of step {rule.step}"
                        + (f" ({rule.note})" if rule.note else "") + ":", "", "```"]
                out += rule_text(rule) + ["```", ""]
        if page.question is None and step.explanation:
            out += [f"**Why:** {step.explanation}", ""]
    out += ["", "## Further reading", ""] + [f"- {reference}" for reference in lesson.references]
    return "\n".join(out).rstrip() + "\n", answers_markdown(handout)


def overleaf_heading(page: Page, count: int) -> str:
    """A question's step shows what the action did on the next page: the figure and the numbers
    are the answer, so the class predicts before it sees them."""
    return f"Step {page.number} of {count}, after the action (answer the question first)"


def answers_markdown(handout: Handout) -> str:
    out = [f"# {handout.title}: answers, for the teacher", ""]
    asked = [page for page in handout.pages if page.question is not None]
    if not asked:
        out += ["This lesson asks no questions.", ""]
    for page in asked:
        question = page.question
        out += [f"## Step {page.number}", "", f"**Question:** {question['prompt']}", "",
                f"**Answer:** {choice_mark(question['answer'])} {page.answer}", ""]
        if page.step.explanation:
            out += [f"**Why:** {page.step.explanation}", ""]
        aliases = [(alias, run.name) for alias, run in zip(page.names, page.step.scene.runs) if alias != run.name]
        if aliases:
            out += ["**The runs:** " + ", ".join(f"{alias} is {name}" for alias, name in aliases), ""]
    return "\n".join(out).rstrip() + "\n"
